import assert from "node:assert/strict";
import {
  accuracyBarsFigure,
  learningCurvesFigure,
  weightHistogramFigure,
} from "../../lib/plots/training_figures.ts";

Deno.test("learningCurvesFigure: one line per series, integer epoch ticks", () => {
  const fig = learningCurvesFigure([
    { name: "a", epochs: [1, 2, 3], values: [0.1, 0.2, 0.3] },
    { name: "b", epochs: [1, 2], values: [0.5, 0.4] },
  ], { metric: "acc" });
  assert.deepEqual(fig.data.map((t) => [t.name, t.x, t.y]), [
    ["a", [1, 2, 3], [0.1, 0.2, 0.3]],
    ["b", [1, 2], [0.5, 0.4]],
  ]);
  const x = fig.layout.xaxis as { dtick: number; tickformat: string };
  assert.deepEqual([x.dtick, x.tickformat], [1, "d"]);
  const long = learningCurvesFigure([{ name: "c", epochs: [1, 200], values: [0, 1] }]);
  assert.equal((long.layout.xaxis as { dtick: number }).dtick, 20);
});

Deno.test("accuracyBarsFigure: a horizontal bar per row with ± std, first row on top", () => {
  const fig = accuracyBarsFigure([
    { label: "x", mean: 0.5, std: 0.1, n: 2 },
    { label: "y", mean: 0.7, std: 0, n: 1 },
  ], { factor: "f" });
  const t = fig.data[0];
  assert.equal(t.orientation, "h");
  assert.deepEqual(t.y, ["x", "y"]);
  assert.deepEqual(t.x, [0.5, 0.7]);
  assert.deepEqual((t.error_x as { array: number[] }).array, [0.1, 0]);
  assert.deepEqual(t.hovertext, ["0.5000 ± 0.1000 (n=2)", "0.7000 ± 0.0000 (n=1)"]);
  assert.equal((fig.layout.yaxis as { autorange: string }).autorange, "reversed");
  const many = accuracyBarsFigure(
    Array.from({ length: 20 }, (_, i) => ({ label: `r${i}`, mean: 0.5, std: 0 })),
  );
  assert.ok((many.layout.height as number) > (fig.layout.height as number));
  assert.throws(() => accuracyBarsFigure([]), /must not be empty/);
});

Deno.test("weightHistogramFigure: one histogram per snapshot, dotted lines at ±α", () => {
  const fig = weightHistogramFigure([
    { label: "epoch 0", weights: [0.1, -0.2] },
    { label: "epoch 5", weights: new Float32Array([0.5, -0.5]) },
  ], { alpha: 0.5 });
  assert.deepEqual(fig.data.map((t) => t.name), ["epoch 0", "epoch 5"]);
  assert.ok(fig.data.every((t) => t.type === "bar"));
  assert.deepEqual((fig.layout.shapes as { x0: number }[]).map((s) => s.x0), [-0.5, 0.5]);
  assert.equal(weightHistogramFigure([{ label: "a", weights: [1] }]).layout.shapes, undefined);
});

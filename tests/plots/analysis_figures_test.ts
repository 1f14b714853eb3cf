import assert from "node:assert/strict";
import {
  alphaOptimumFigure,
  pseudoGradientFigure,
  regularizerFigure,
  surrogateFigure,
  swishBetaFigure,
} from "../../lib/plots/analysis_figures.ts";
import { alphaOptimum } from "../../lib/analysis/regularizer_curves.ts";

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

Deno.test("surrogate and pseudo-gradient figures carry the quantizers' curves", () => {
  const s = surrogateFigure({ beta: 2, points: 21, range: 2 });
  assert.deepEqual(s.data.map((t) => t.name), [
    "sign",
    "STE (hardtanh)",
    "ApproxSign",
    "SignSwish β=2",
  ]);
  const x = s.data[3].x as number[];
  const y = s.data[3].y as number[];
  x.forEach((v, i) => {
    const want = 2 * sigmoid(2 * v) * (1 + 2 * v * (1 - sigmoid(2 * v))) - 1;
    assert.ok(Math.abs(y[i] - want) < 1e-5);
  });
  const g = pseudoGradientFigure({ quantizers: ["ste_sign"], points: 11, range: 2 });
  assert.deepEqual(g.data[0].y, [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
});

Deno.test("swishBetaFigure: peak β at 0 and dotted lines at ±2.3994/β", () => {
  const fig = swishBetaFigure([1, 10], { kind: "gradient", range: 3, points: 61 });
  const mid = 30;
  assert.equal((fig.data[0].x as number[])[mid], 0);
  assert.ok(Math.abs((fig.data[1].y as number[])[mid] - 10) < 1e-4);
  const xs = (fig.layout.shapes as { x0: number }[]).map((s) => s.x0).sort((a, b) => a - b);
  const want = [-2.3994, -0.23994, 0.23994, 2.3994];
  xs.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3, `${v} vs ${want[i]}`));
  assert.equal(swishBetaFigure([5], { kind: "surrogate" }).layout.shapes, undefined);
});

Deno.test("regularizerFigure: penalties and gradients for each α", () => {
  const fig = regularizerFigure("euclidean", { alphas: [0.5, 1], points: 5, range: 1 });
  assert.deepEqual(fig.data.map((t) => t.name), ["euclidean α=0.5", "euclidean α=1"]);
  assert.deepEqual(fig.data[1].x, [-1, -0.5, 0, 0.5, 1]);
  (fig.data[1].y as number[]).forEach((v, i) => {
    const w = [-1, -0.5, 0, 0.5, 1][i];
    assert.ok(Math.abs(v - (1 - Math.abs(w)) ** 2) < 1e-6);
  });
  const g = regularizerFigure("manhattan", {
    alphas: [0.5],
    kind: "gradient",
    points: 5,
    range: 1,
  });
  // ∂|α−|w||/∂w = −sign(α−|w|)·sign(w): at w = −1 → −1, at w = 1 → +1.
  assert.equal((g.data[0].y as number[])[0], -1);
  assert.equal((g.data[0].y as number[])[4], 1);
});

Deno.test("alphaOptimumFigure marks mean|w| and median|w|", () => {
  const w = [0.1, 0.2, 0.9, -0.3, 0.05];
  const fig = alphaOptimumFigure([alphaOptimum("euclidean", w), alphaOptimum("manhattan", w)]);
  const xs = (fig.layout.shapes as { x0: number }[]).map((s) => s.x0);
  assert.ok(Math.abs(xs[0] - 0.31) < 1e-6); // mean |w|
  assert.ok(Math.abs(xs[1] - 0.2) < 1e-6); // median |w|
  for (const t of fig.data) assert.ok(Math.max(...(t.y as number[])) <= 1 + 1e-12);
  assert.throws(() => alphaOptimumFigure([]), /must not be empty/);
});

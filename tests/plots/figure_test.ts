import assert from "node:assert/strict";
import {
  barFigure,
  DEFAULT_SIZE,
  figureSize,
  histogramFigure,
  lineFigure,
  round7,
  withVerticalLines,
} from "../../lib/plots/figure.ts";

Deno.test("lineFigure: one scatter trace per series, NaN becomes a gap (null)", () => {
  const fig = lineFigure(
    [{ name: "a", x: [0, 1, 2], y: [1, NaN, 3] }, { name: "b", x: [0, 1], y: [5, 6], dash: true }],
    { title: "T", xTitle: "x", yTitle: "y" },
  );
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0].x, [0, 1, 2]);
  assert.deepEqual(fig.data[0].y, [1, null, 3]);
  assert.equal((fig.data[1].line as { dash: string }).dash, "dash");
  assert.deepEqual(fig.layout.title, { text: "T" });
  // The spec is plain JSON: it survives a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig);
});

Deno.test("lineFigure: rejects empty input and length mismatches with a clear error", () => {
  assert.throws(() => lineFigure([]), /non-empty/);
  assert.throws(() => lineFigure([{ name: "s", x: [1, 2], y: [1] }]), /"s" has 2 x values but 1/);
});

Deno.test("barFigure: error bars carry the given errors, hidden when all are zero", () => {
  const fig = barFigure([
    { name: "g", bars: [{ category: "a", value: 0.5, error: 0.1 }, { category: "b", value: 0.7 }] },
  ]);
  const t = fig.data[0];
  assert.equal(t.type, "bar");
  assert.deepEqual(t.x, ["a", "b"]);
  assert.deepEqual(t.y, [0.5, 0.7]);
  assert.deepEqual((t.error_y as { array: number[] }).array, [0.1, 0]);
  assert.equal((t.error_y as { visible: boolean }).visible, true);
  const flat = barFigure([{ name: "g", bars: [{ category: "a", value: 1 }] }]);
  assert.equal((flat.data[0].error_y as { visible: boolean }).visible, false);
});

Deno.test("histogramFigure: common bins, densities integrate to 1 per sample", () => {
  const a = [-1, 0, 2, 2, 1.99];
  const b = new Float32Array([3, 4]);
  const fig = histogramFigure([{ name: "a", values: a }, { name: "b", values: b }], { bins: 10 });
  for (const t of fig.data) {
    assert.equal(t.type, "bar");
    assert.equal(t.width, 0.5);
    assert.deepEqual((t.x as number[]).slice(0, 2), [-0.75, -0.25]);
    const area = (t.y as number[]).reduce((s, v) => s + v * 0.5, 0);
    assert.ok(Math.abs(area - 1) < 1e-6, `area ${area}`);
  }
  // Bin [1.5, 2) holds 1.99; bin [2, 2.5) holds both 2s; the maximum (4) lands in the last bin.
  const ya = fig.data[0].y as number[];
  assert.deepEqual([ya[5], ya[6]].map((v) => v * 5 * 0.5), [1, 2]);
  assert.equal((fig.data[1].y as number[])[9] * 2 * 0.5, 1);
  assert.throws(() => histogramFigure([{ name: "a", values: [1] }], { bins: 0 }), /bins/);
});

Deno.test("round7 keeps 7 significant digits", () => {
  assert.equal(round7(0.12345678912), 0.1234568);
  assert.equal(round7(-2.4924999999999997), -2.4925);
  assert.equal(round7(0), 0);
  assert.ok(Number.isNaN(round7(NaN)));
});

Deno.test("withVerticalLines adds one shape per x and keeps the old ones", () => {
  const fig = withVerticalLines(
    withVerticalLines(lineFigure([{ name: "a", x: [0], y: [0] }]), [1]),
    [-2, 2],
  );
  assert.deepEqual((fig.layout.shapes as { x0: number }[]).map((s) => s.x0), [1, -2, 2]);
});

Deno.test("figureSize: layout size or the default", () => {
  assert.deepEqual(figureSize({ data: [], layout: {} }), { ...DEFAULT_SIZE });
  assert.deepEqual(figureSize({ data: [], layout: { width: 300, height: 200 } }), {
    width: 300,
    height: 200,
  });
});

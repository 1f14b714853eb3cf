import assert from "node:assert/strict";
import {
  alphaOptimum,
  penaltyCurve,
  penaltyGradientCurve,
} from "../../lib/analysis/regularizer_curves.ts";
import { linspace } from "../../lib/analysis/quantizer_curves.ts";

Deno.test("penalty curves: |α−|w|| and (α−|w|)², minimal (0) at ±α", () => {
  const ws = linspace([-1.5, 1.5], 31);
  for (const a of [0.25, 1]) {
    const m = penaltyCurve("manhattan", ws, { alpha: a }).y;
    const e = penaltyCurve("euclidean", ws, { alpha: a }).y;
    ws.forEach((w, i) => {
      assert.ok(Math.abs(m[i] - Math.abs(a - Math.abs(w))) < 1e-6);
      assert.ok(Math.abs(e[i] - (a - Math.abs(w)) ** 2) < 1e-6);
    });
  }
  assert.throws(
    () => penaltyCurve("l1" as "manhattan", [0], { alpha: 1 }),
    /manhattan" or "euclidean/,
  );
});

Deno.test("penalty gradients match central finite differences (away from kinks)", () => {
  const ws = [-1.3, -0.7, -0.2, 0.15, 0.6, 1.2];
  const h = 1e-3;
  for (const name of ["manhattan", "euclidean"] as const) {
    const g = penaltyGradientCurve(name, ws, { alpha: 0.5 }).y;
    ws.forEach((w, i) => {
      const [lo, hi] = penaltyCurve(name, [w - h, w + h], { alpha: 0.5 }).y;
      assert.ok(Math.abs(g[i] - (hi - lo) / (2 * h)) < 1e-2, `${name} w=${w}`);
    });
  }
});

Deno.test("alphaOptimum: Euclidean → mean|w|, Manhattan → median|w|", () => {
  // Deterministic skewed sample, so mean and median differ clearly.
  const w = Array.from(
    { length: 501 },
    (_, i) => ((i % 2 ? 1 : -1) * ((i * 7919) % 1000) ** 2) / 1e6,
  );
  const abs = w.map(Math.abs).sort((a, b) => a - b);
  const mean = abs.reduce((s, v) => s + v, 0) / abs.length;
  const median = abs[250];
  assert.ok(Math.abs(mean - median) > 0.05);
  const e = alphaOptimum("euclidean", w);
  const m = alphaOptimum("manhattan", w);
  const step = abs[abs.length - 1] / 800;
  assert.ok(Math.abs(e.meanAbs - mean) < 1e-6 && Math.abs(m.medianAbs - median) < 1e-6);
  assert.ok(Math.abs(e.best - mean) <= step, `euclidean best ${e.best} vs mean ${mean}`);
  assert.ok(Math.abs(m.best - median) <= step, `manhattan best ${m.best} vs median ${median}`);
  assert.equal(e.curve.x.length, 801);
  assert.throws(() => alphaOptimum("euclidean", []), /must not be empty/);
});

import assert from "node:assert/strict";
import {
  linspace,
  pseudoGradientArea,
  pseudoGradientCurve,
  quantizerAreas,
  surrogateCurve,
  swishStats,
  swishZeroCrossing,
} from "../../lib/analysis/quantizer_curves.ts";

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
// Closed forms, written independently of lib/.
const ss = (x: number, b: number) => 2 * sigmoid(b * x) * (1 + b * x * (1 - sigmoid(b * x))) - 1;
const dss = (x: number, b: number) =>
  (b * (2 - b * x * Math.tanh((b * x) / 2))) / (1 + Math.cosh(b * x));
// Root of 2 = t·tanh(t/2) by Newton's method.
function swishRoot(): number {
  let t = 2;
  for (let i = 0; i < 50; i++) {
    const f = t * Math.tanh(t / 2) - 2;
    const df = Math.tanh(t / 2) + (t / 2) / Math.cosh(t / 2) ** 2;
    t -= f / df;
  }
  return t;
}

Deno.test("linspace: endpoints, spacing, validation", () => {
  assert.deepEqual(linspace([-1, 1], 5), [-1, -0.5, 0, 0.5, 1]);
  assert.throws(() => linspace([0, 1], 1), /n must be an integer ≥ 2/);
});

Deno.test("surrogates match closed forms (SignSwish, hardtanh, ApproxSign, sign)", () => {
  const xs = linspace([-2, 2], 41);
  const close = (a: number[], b: number[], tol: number) =>
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `x=${xs[i]}: ${v} vs ${b[i]}`));
  for (const b of [1, 5]) {
    close(
      surrogateCurve("swish_sign", xs, { beta: b }).y,
      xs.map((x) => ss(x, b)),
      1e-5,
    );
  }
  close(surrogateCurve("ste_sign", xs).y, xs.map((x) => Math.max(-1, Math.min(1, x))), 1e-6);
  close(
    surrogateCurve("approx_sign", xs).y,
    xs.map((x) => (Math.abs(x) >= 1 ? Math.sign(x) : 2 * x - x * Math.abs(x))),
    1e-6,
  );
  close(surrogateCurve("sign", xs).y, xs.map((x) => (x >= 0 ? 1 : -1)), 0);
});

Deno.test("pseudo-gradients through lib quantizers match closed forms", () => {
  const xs = linspace([-2, 2], 81);
  const g5 = pseudoGradientCurve("swish_sign", xs, { beta: 5 }).y;
  xs.forEach((x, i) => assert.ok(Math.abs(g5[i] - dss(x, 5)) < 1e-4, `swish x=${x}`));
  const ste = pseudoGradientCurve("ste_sign", xs).y;
  xs.forEach((x, i) => assert.equal(ste[i], Math.abs(x) <= 1 ? 1 : 0));
  const approx = pseudoGradientCurve("approx_sign", xs).y;
  xs.forEach((x, i) => assert.ok(Math.abs(approx[i] - Math.max(0, 2 - 2 * Math.abs(x))) < 1e-6));
  assert.ok(pseudoGradientCurve("sign", xs).y.every((v) => v === 0));
  assert.equal(pseudoGradientCurve("swish_sign", [0], { beta: 7 }).y[0], 7);
});

Deno.test("SignSwish zero crossing is root(2 = t tanh(t/2)) / β", () => {
  const t = swishRoot();
  assert.ok(Math.abs(t - 2.3994) < 1e-3);
  for (const b of [1, 2, 5, 10]) {
    assert.ok(Math.abs(swishZeroCrossing(b) - t / b) < 1e-5 / b, `β=${b}`);
    // Gradient positive just inside, negative just outside.
    assert.ok(dss(0.99 * t / b, b) > 0 && dss(1.01 * t / b, b) < 0);
  }
  assert.throws(() => swishZeroCrossing(0), /beta must be > 0/);
});

Deno.test("every estimator's pseudo-gradient has area 2", () => {
  for (const r of quantizerAreas(5)) {
    assert.ok(Math.abs(r.area - 2) < 1e-3, `${r.quantizer}: ${r.area}`);
  }
  // A range that cuts the SignSwish tails loses area: the check is not vacuous.
  assert.ok(pseudoGradientArea("swish_sign", { beta: 1, range: 1 }) < 1.9);
  const stats = swishStats([1, 10]);
  assert.deepEqual(stats.map((s) => s.peak), [1, 10]);
  for (const s of stats) {
    assert.ok(Math.abs(s.area - 2) < 1e-3);
    assert.ok(Math.abs(s.betaTimesCrossing - swishRoot()) < 1e-4);
  }
});

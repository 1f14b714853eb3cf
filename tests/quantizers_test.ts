import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import {
  approxSign,
  quantize,
  QUANTIZER_NAMES,
  sign,
  signSwish,
  steSign,
  swishSign,
} from "../lib/quantizers.ts";

const BETAS = [1, 2, 5, 10];

/** Inputs that include 0, ±2.4/β, ±1 and large |x|. */
function inputs(beta: number): number[] {
  const c = 2.4 / beta;
  return [0, c, -c, 1, -1, 0.05, -0.3, 0.7, 3, -3, 25, -40, 1000 / beta, -1000 / beta];
}

/** Closed form dSS_β/dx = β(2 − βx·tanh(βx/2)) / (1 + cosh(βx)), straight from the formula. */
function swishGradClosed(x: number, beta: number): number {
  const t = beta * x;
  const c = Math.cosh(t);
  return Number.isFinite(c) ? (beta * (2 - t * Math.tanh(t / 2))) / (1 + c) : 0;
}

function gradOf(f: (x: tf.Tensor) => tf.Tensor, xs: number[]): Float32Array {
  return tf.tidy(() => tf.grad(f)(tf.tensor1d(xs)).dataSync() as Float32Array);
}

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: got ${a}, expected ${b} (tol ${tol})`);
}

Deno.test("sign: ±1 with sign(0) = +1, zero gradient", () => {
  const x = tf.tensor1d([-3, -1e-7, 0, -0, 1e-7, 2]);
  assert.deepEqual([...sign(x).dataSync()], [-1, -1, 1, 1, 1, 1]);
  assert.deepEqual([...tf.grad((t) => sign(t))(x).dataSync()], [0, 0, 0, 0, 0, 0]);
  for (const q of QUANTIZER_NAMES) {
    assert.deepEqual([...quantize(x, q).dataSync()], [-1, -1, 1, 1, 1, 1], q);
  }
  assert.deepEqual([...quantize(x, "none").dataSync()], [...x.dataSync()]);
});

Deno.test("steSign: gradient = 1{|x| ≤ clip}, = derivative of hardtanh", () => {
  for (const clip of [1, 0.5, 2]) {
    const xs = [0, clip, -clip, 0.3 * clip, -0.9 * clip, 1.2 * clip, -5 * clip, 1, -1, 100];
    const g = gradOf((x) => steSign(x, { clipValue: clip }), xs);
    const h = 1e-3 * clip;
    const hardtanh = (v: number) => Math.max(-clip, Math.min(clip, v));
    xs.forEach((x, i) => {
      near(g[i], Math.abs(x) <= clip ? 1 : 0, 0, `closed form x=${x} clip=${clip}`);
      // finite differences of hardtanh, one-sided towards the interior at the kinks ±clip
      const fd = Math.abs(x) === clip
        ? (hardtanh(x) - hardtanh(x - Math.sign(x) * h)) / (Math.sign(x) * h)
        : (hardtanh(x + h) - hardtanh(x - h)) / (2 * h);
      near(g[i], fd, 1e-6, `finite difference x=${x} clip=${clip}`);
    });
  }
  // Default clip is 1.
  assert.deepEqual([...gradOf((x) => steSign(x), [0.99, 1, 1.01])], [1, 1, 0]);
});

Deno.test("approxSign: gradient = max(0, 2 − 2|x|), derivative of the Bi-Real quadratic", () => {
  const xs = [0, 1, -1, 0.25, -0.6, 1.5, -7, 1000];
  const g = gradOf((x) => approxSign(x), xs);
  const surrogate = (v: number) => (Math.abs(v) >= 1 ? Math.sign(v) : 2 * v - v * v * Math.sign(v));
  const h = 1e-4;
  xs.forEach((x, i) => {
    near(g[i], Math.max(0, 2 - 2 * Math.abs(x)), 1e-6, `closed form x=${x}`);
    near(g[i], (surrogate(x + h) - surrogate(x - h)) / (2 * h), 1e-3, `finite difference x=${x}`);
  });
});

Deno.test("swishSign: gradient = closed form and finite differences of signSwish (β ∈ {1,2,5,10})", () => {
  for (const beta of BETAS) {
    const xs = inputs(beta);
    const g = gradOf((x) => swishSign(x, beta), xs);
    const gt = gradOf((x) => swishSign(x, tf.scalar(beta)), xs);
    const h = 1e-3 / beta;
    const ss = (v: number[]) => signSwish(tf.tensor1d(v), beta).dataSync();
    const fd = tf.tidy(() => {
      const p = ss(xs.map((x) => x + h)), m = ss(xs.map((x) => x - h));
      return xs.map((_, i) => (p[i] - m[i]) / (2 * h));
    });
    xs.forEach((x, i) => {
      const closed = swishGradClosed(x, beta);
      assert.ok(Number.isFinite(g[i]), `finite at x=${x} β=${beta}`);
      near(g[i], closed, 1e-5 * beta, `closed form x=${x} β=${beta}`);
      near(gt[i], closed, 1e-5 * beta, `closed form (tensor β) x=${x} β=${beta}`);
      near(g[i], fd[i], 2e-3 * beta, `finite difference x=${x} β=${beta}`);
    });
    // Forward is the hard sign whatever β.
    assert.deepEqual(
      [...swishSign(tf.tensor1d(xs), beta).dataSync()],
      xs.map((x) => (x >= 0 ? 1 : -1)),
    );
  }
});

Deno.test("swishSign: peak β at 0, zero crossing at ±2.3994/β, integral 2, finite at βx = 1000", () => {
  for (const beta of BETAS) {
    const [g0, gIn, gOut, gHuge] = gradOf(
      (x) => swishSign(x, beta),
      [0, 2.39 / beta, 2.41 / beta, 1000 / beta],
    );
    near(g0, beta, 1e-5 * beta, `peak β=${beta}`);
    assert.ok(gIn > 0 && gOut < 0, `sign change near 2.3994/β for β=${beta}`);
    assert.ok(Number.isFinite(gHuge) && Math.abs(gHuge) < 1e-30, `finite tail β=${beta}`);
    // Trapezoid integral over [−60/β, 60/β].
    const n = 12001, a = -60 / beta, dx = (120 / beta) / (n - 1);
    const xs = Array.from({ length: n }, (_, i) => a + i * dx);
    const g = gradOf((x) => swishSign(x, beta), xs);
    let integral = 0;
    for (let i = 1; i < n; i++) integral += ((g[i] + g[i - 1]) / 2) * dx;
    near(integral, 2, 1e-3, `integral β=${beta}`);
  }
  // β-gradient also finite at βx = ±1000.
  const gb = tf.grad((b) => tf.sum(swishSign(tf.tensor1d([1000, -1000]), b as tf.Scalar)))(
    tf.scalar(1),
  );
  assert.ok(Number.isFinite(gb.dataSync()[0]));
});

Deno.test("swishSign with a trainable β: tf.grad w.r.t. β = finite differences of Σ dy·signSwish", () => {
  for (const beta of BETAS) {
    const xs = inputs(beta);
    const dyArr = xs.map((_, i) => Math.cos(1.7 * i) + 0.2);
    const x = tf.tensor1d(xs), dy = tf.tensor1d(dyArr);
    const v = tf.variable(tf.scalar(beta));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(dy, swishSign(x, v))), [v]);
    const got = grads[v.name].dataSync()[0];
    const h = 1e-3 * beta;
    const s = (b: number) => tf.sum(tf.mul(dy, signSwish(x, b))).dataSync()[0];
    const fd = (s(beta + h) - s(beta - h)) / (2 * h);
    // closed form Σ dy·x·g(βx) with g from the formula
    const closed = xs.reduce(
      (acc, xi, i) => acc + dyArr[i] * (xi / beta) * swishGradClosed(xi, beta),
      0,
    );
    near(got, closed, 1e-4, `closed form β=${beta}`);
    near(got, fd, 2e-3 * (1 + Math.abs(fd)), `finite difference β=${beta}`);
    tf.dispose([x, dy, v, grads[v.name]]);
  }
});

Deno.test("signSwish: the surrogate's shape (SS(0) = 0, max ≈ 1.1997 at 2.3994/β, → 1)", () => {
  for (const beta of BETAS) {
    const [z, m, far] = signSwish(tf.tensor1d([0, 2.3994 / beta, 100 / beta]), beta).dataSync();
    near(z, 0, 1e-6, "SS(0)");
    near(m, 1.1997, 1e-3, "max");
    near(far, 1, 1e-5, "limit");
  }
});

Deno.test("quantize: unknown names give a clear error", () => {
  assert.throws(() => quantize(tf.scalar(1), "sgn" as never), /unknown name "sgn"/);
});

import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { euclidean, manhattan, regularize } from "../lib/regularizers.ts";

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: got ${a}, expected ${b} (tol ${tol})`);
}

const W = [[0.3, -0.8, 0.05], [-0.1, 0.45, -0.6], [0.9, 0.2, -0.35], [-0.55, -0.15, 0.7]];
const A = [0.4, 0.5, 0.3];

Deno.test("manhattan / euclidean: values with per-channel, scalar and number α", () => {
  const w = tf.tensor2d(W);
  let r1 = 0, r2 = 0, s1 = 0, s2 = 0;
  W.forEach((r) =>
    r.forEach((v, j) => {
      r1 += Math.abs(A[j] - Math.abs(v));
      r2 += (A[j] - Math.abs(v)) ** 2;
      s1 += Math.abs(0.5 - Math.abs(v));
      s2 += (0.5 - Math.abs(v)) ** 2;
    })
  );
  near(manhattan(w, tf.tensor1d(A)).dataSync()[0], r1, 1e-5, "R1 channel");
  near(euclidean(w, tf.tensor1d(A)).dataSync()[0], r2, 1e-5, "R2 channel");
  near(manhattan(w, tf.scalar(0.5)).dataSync()[0], s1, 1e-5, "R1 scalar");
  near(euclidean(w, 0.5).dataSync()[0], s2, 1e-5, "R2 number");
  near(regularize(w, 0.5, "manhattan").dataSync()[0], s1, 1e-5, "regularize R1");
  near(regularize(w, 0.5, "euclidean").dataSync()[0], s2, 1e-5, "regularize R2");
  assert.equal(regularize(w, 0.5, "none").dataSync()[0], 0);
  assert.throws(() => regularize(w, 0.5, "l2" as never), /unknown name "l2"/);
  assert.throws(() => manhattan(w, tf.tensor1d([1, 2])), /does not broadcast/);
});

Deno.test("manhattan / euclidean: gradients in w and α equal the closed forms", () => {
  const w = tf.tensor2d(W), a = tf.tensor1d(A);
  const [g1w, g1a] = tf.grads((x, y) => manhattan(x, y))([w, a]);
  const [g2w, g2a] = tf.grads((x, y) => euclidean(x, y))([w, a]);
  const d1w = g1w.arraySync() as number[][], d2w = g2w.arraySync() as number[][];
  const d1a = g1a.arraySync() as number[], d2a = g2a.arraySync() as number[];
  const e1a = [0, 0, 0], e2a = [0, 0, 0];
  W.forEach((r, i) =>
    r.forEach((v, j) => {
      const d = A[j] - Math.abs(v);
      near(d1w[i][j], -Math.sign(d) * Math.sign(v), 1e-6, `∂R1/∂w[${i}][${j}]`);
      near(d2w[i][j], -2 * d * Math.sign(v), 1e-6, `∂R2/∂w[${i}][${j}]`);
      e1a[j] += Math.sign(d);
      e2a[j] += 2 * d;
    })
  );
  A.forEach((_, j) => {
    near(d1a[j], e1a[j], 1e-6, `∂R1/∂α[${j}]`);
    near(d2a[j], e2a[j], 1e-5, `∂R2/∂α[${j}]`);
  });
});

function descend(
  fn: typeof manhattan,
  w: tf.Tensor2D,
  steps: number,
  lr: (t: number) => number,
): number[] {
  const alpha = tf.variable(tf.zeros([w.shape[1]]));
  for (let t = 0; t < steps; t++) {
    tf.tidy(() => {
      const g = tf.grad((a) => fn(w, a))(alpha);
      alpha.assign(tf.sub(alpha, tf.mul(lr(t), g)));
    });
  }
  const out = alpha.arraySync() as number[];
  alpha.dispose();
  return out;
}

Deno.test("gradient descent on euclidean alone drives α to mean|w| (per channel)", () => {
  const w = tf.randomNormal([9, 4], 0, 0.5, "float32", 21) as tf.Tensor2D;
  const alpha = descend(euclidean, w, 300, () => 0.02);
  const cols = w.arraySync() as number[][];
  for (let j = 0; j < 4; j++) {
    const mean = cols.reduce((acc, r) => acc + Math.abs(r[j]), 0) / cols.length;
    near(alpha[j], mean, 1e-4, `α[${j}] = mean|w|`);
  }
  w.dispose();
});

Deno.test("gradient descent on manhattan alone drives α to median|w| (per channel)", () => {
  const w = tf.randomNormal([9, 4], 0, 0.5, "float32", 22) as tf.Tensor2D;
  // Sub-gradient steps with a decaying rate (the objective is piecewise linear).
  const alpha = descend(manhattan, w, 2000, (t) => 0.02 / (1 + t / 20));
  const cols = w.arraySync() as number[][];
  for (let j = 0; j < 4; j++) {
    const abs = cols.map((r) => Math.abs(r[j])).sort((a, b) => a - b);
    const median = abs[4];
    const gap = Math.min(abs[4] - abs[3], abs[5] - abs[4]);
    near(alpha[j], median, Math.min(2e-3, gap / 3), `α[${j}] = median|w|`);
    // and not the mean (they differ on this draw)
    const mean = abs.reduce((a, b) => a + b, 0) / abs.length;
    assert.ok(Math.abs(mean - median) > 2e-3, "mean and median must differ for the test to bite");
  }
  w.dispose();
});

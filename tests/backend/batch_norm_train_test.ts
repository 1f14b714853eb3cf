import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { batchNormTrain, movingAverage } from "../../lib/backend/batch_norm_train.ts";
import { assertBitIdentical, randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

const CASES: { shape: number[]; affine: boolean }[] = [
  { shape: [4, 6, 6, 32], affine: true }, // 16-column units, SIMD
  { shape: [3, 5, 7, 13], affine: true }, // C % 4 ≠ 0
  { shape: [2, 4, 4, 37], affine: false }, // γ = 1, β = 0; C not a multiple of 16
  { shape: [50, 24], affine: true }, // rank 2 (dense)
  { shape: [1, 1, 1, 8], affine: true }, // one row: σ² = 0
];

/** y, μ, σ², and the gradients of Σ y·w (w random) w.r.t. x, γ, β. */
function run(c: (typeof CASES)[number], fused: boolean) {
  const n = c.shape.reduce((a, b) => a * b, 1), ch = c.shape[c.shape.length - 1];
  const x = tf.tensor(randomArray(n, 51).map((v) => 5 + 3 * v), c.shape); // mean far from 0
  const w = tf.tensor(randomArray(n, 52), c.shape);
  const g = tf.tensor1d(randomArray(ch, 53).map((v) => 1 + 0.5 * v));
  const b = tf.tensor1d(randomArray(ch, 54));
  const axes = c.shape.slice(0, -1).map((_, i) => i);
  const forward = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
    if (fused) {
      const r = batchNormTrain(xx, {
        gamma: c.affine ? gg : null,
        beta: c.affine ? bb : null,
        epsilon: 1e-3,
      });
      assert.ok(r, "the native path applies");
      return r;
    }
    const { mean, variance } = tf.moments(xx, axes);
    // γ = 1, β = 0 passed explicitly: tf.batchNorm's gradient needs a scale tensor to save.
    const [bo, go] = c.affine ? [bb, gg] : [tf.zerosLike(bb), tf.onesLike(gg)];
    const y = tf.batchNorm(xx, mean, variance, bo, go, 1e-3);
    return { y, mean, variance };
  };
  const { y, mean, variance } = forward(x, g, b);
  const loss = (yy: tf.Tensor) => tf.sum(tf.mul(yy, w));
  if (!c.affine) {
    return [
      y,
      mean,
      variance,
      tf.grad((xx: tf.Tensor) => loss(forward(xx, g, b).y))(x),
    ];
  }
  const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
    loss(forward(xx, gg, bb).y)
  )(
    [x, g, b],
  );
  return [y, mean, variance, ...grads];
}

for (const c of CASES) {
  Deno.test(`batchNormTrain (native, wasm) == tf.moments + tf.batchNorm autodiff (cpu): ${c.shape} affine ${c.affine}`, async () => {
    const fused = await runOn("wasm", () => run(c, true));
    const ref = await runOn("cpu", () => run(c, false));
    const names = ["y", "mean", "variance", "dx", "dγ", "dβ"];
    assert.equal(fused.length, ref.length);
    for (let i = 0; i < ref.length; i++) {
      assert.deepEqual(fused[i].shape, ref[i].shape, names[i]);
      const e = relError(fused[i].values, ref[i].values);
      assert.ok(e <= 2e-4, `${names[i]} relative error ${e}`);
    }
  });
}

Deno.test("batchNormTrain: undefined (tfjs ops apply) off wasm, for int tensors and odd γ", async () => {
  await tf.setBackend("cpu");
  assert.equal(batchNormTrain(tf.ones([2, 3]), { epsilon: 1e-3 }), undefined);
  await tf.setBackend("wasm");
  assert.equal(batchNormTrain(tf.ones([2, 3], "int32"), { epsilon: 1e-3 }), undefined);
  assert.equal(batchNormTrain(tf.ones([2, 3]), { gamma: tf.ones([4]), epsilon: 1e-3 }), undefined);
  const r = batchNormTrain(tf.ones([2, 3]), { epsilon: 1e-3 });
  assert.ok(r);
  tf.dispose([r.y, r.mean, r.variance]);
});

Deno.test("movingAverage == tfjs-layers' Sub/Multiply/Sub update, bit for bit, on wasm and cpu", async () => {
  const n = 257;
  const o = randomArray(n, 71), v = randomArray(n, 72);
  for (let i = 0; i < n; i += 5) o[i] *= 1e6, v[i] *= 1e-6; // mixed magnitudes: rounding shows
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    for (const decay of [0.01, 0.1, 1 / 3, 0.9, 0.99]) {
      const [ot, vt] = [tf.tensor1d(o), tf.tensor1d(v)];
      const want = tf.sub(ot, tf.mul(tf.sub(ot, vt), decay));
      const got = movingAverage(ot, vt, decay);
      assertBitIdentical(
        got.dataSync() as Float32Array,
        want.dataSync() as Float32Array,
        `${backend} decay ${decay}`,
      );
      tf.dispose([ot, vt, want, got]);
    }
  }
  await tf.setBackend("wasm");
});

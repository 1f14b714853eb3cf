import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { FUSED_BATCH_NORM_GRAD } from "../../lib/backend/batchnorm_grad.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

// Reference: the same normalization written with elementary ops, so autodiff never touches the
// FusedBatchNorm gradient.
function explicitBn(x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) {
  return tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 1e-3))), s), o);
}

const SHAPES: { x: number[]; c: number }[] = [
  { x: [3, 5, 4, 6], c: 6 },
  { x: [1, 2, 3, 5], c: 5 },
  {
    x: [7, 4],
    c: 4,
  },
];

for (const { x: shape, c } of SHAPES) {
  for (const backend of ["wasm", "cpu"] as const) {
    Deno.test(`batchnorm gradient (project) == autodiff of explicit formula: ${shape} on ${backend}`, async () => {
      assert.equal(tf.getGradient("FusedBatchNorm").gradFunc, FUSED_BATCH_NORM_GRAD.gradFunc);
      const n = shape.reduce((a, b) => a * b);
      const data = [
        randomArray(n, 5),
        randomArray(c, 6),
        randomArray(c, 7),
        randomArray(c, 8),
        randomArray(c, 9),
      ];
      const dyw = randomArray(n, 10);
      const run = (bn: (...t: tf.Tensor[]) => tf.Tensor) => {
        const ts = [
          tf.tensor(data[0], shape),
          ...data.slice(1).map((d, i) =>
            i === 1 ? tf.add(tf.abs(tf.tensor1d(d)), 0.5) : tf.tensor1d(d)
          ),
        ];
        const w = tf.tensor(dyw, shape);
        return tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(bn(...a), w)))(ts);
      };
      const ours = await runOn(
        backend,
        () =>
          run((x, m, v, s, o) =>
            tf.batchNorm(
              x,
              m as tf.Tensor1D,
              v as tf.Tensor1D,
              o as tf.Tensor1D,
              s as tf.Tensor1D,
              1e-3,
            )
          ),
      );
      const ref = await runOn(backend, () => run(explicitBn));
      ["x", "mean", "variance", "scale", "offset"].forEach((name, i) => {
        assert.deepEqual(ours[i].shape, ref[i].shape, name);
        const e = relError(ours[i].values, ref[i].values);
        assert.ok(e <= 1e-4, `d${name}: relative error ${e}`);
      });
    });
  }
}

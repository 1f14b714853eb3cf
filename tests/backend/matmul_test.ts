import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
  Deno.test(`BatchMatMul wasm == cpu: transposeA ${ta} transposeB ${tb}, batch 3, odd sizes`, async () => {
    const [m, k, n] = [7, 13, 5];
    const as = randomArray(3 * m * k, 61), bs = randomArray(3 * k * n, 62);
    const f = () =>
      tf.matMul(
        tf.tensor3d(as, ta ? [3, k, m] : [3, m, k]),
        tf.tensor3d(bs, tb ? [3, n, k] : [3, k, n]),
        ta,
        tb,
      );
    const [w] = await runOn("wasm", f);
    const [c] = await runOn("cpu", f);
    assert.deepEqual(w.shape, [3, m, n]);
    assert.ok(relError(w.values, c.values) <= 1e-5);
  });
}

Deno.test("dense-layer gradients (transposed products) on wasm == cpu", async () => {
  const xs = randomArray(64 * 40, 63), ws = randomArray(40 * 10, 64);
  const f = () => {
    const x = tf.tensor2d(xs, [64, 40]), w = tf.tensor2d(ws, [40, 10]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))
    )([x, w]);
  };
  const wasm = await runOn("wasm", f), cpu = await runOn("cpu", f);
  for (let i = 0; i < 2; i++) assert.ok(relError(wasm[i].values, cpu[i].values) <= 1e-5);
});

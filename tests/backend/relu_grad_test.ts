import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { reluGrad } from "../../lib/backend/relu_grad.ts";
import { randomArray, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

Deno.test("reluGrad on wasm (native) equals dy·step(x) on cpu, zeros and NaN included", async () => {
  const n = 40_003; // several work units and a ragged tail
  const xs = randomArray(n, 71);
  xs[0] = 0, xs[1] = -0, xs[2] = NaN, xs[3] = 1e-30, xs[4] = -1e-30;
  const gs = randomArray(n, 72);
  const f = () => reluGrad(tf.tensor1d(gs), tf.tensor1d(xs));
  const [w] = await runOn("wasm", f);
  const [c] = await runOn("cpu", () => tf.mul(tf.tensor1d(gs), tf.step(tf.tensor1d(xs))));
  assert.deepEqual(Array.from(w.values.slice(0, 5)), [0 * gs[0], 0 * gs[1], NaN, gs[3], 0 * gs[4]]);
  assert.deepEqual(Array.from(w.values), Array.from(c.values));
});

Deno.test("tf.grad of relu uses it and matches the cpu gradient", async () => {
  const xs = randomArray(6 * 50, 73);
  const f = () =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), tf.range(0, 300).reshape([6, 50]))))(
      tf.tensor2d(xs, [6, 50]),
    );
  const [w] = await runOn("wasm", f);
  const [c] = await runOn("cpu", f);
  assert.deepEqual(Array.from(w.values), Array.from(c.values));
});

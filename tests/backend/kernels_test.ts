import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { PROJECT_WASM_KERNELS, registerWasmTrainingKernels } from "../../lib/backend/mod.ts";
import { benchTrainStep, benchVgg } from "../../lib/bench/nets.ts";
import { wasmHeapBytes } from "../../lib/bench/memory.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

Deno.test("registerWasmTrainingKernels is idempotent and registers every project kernel", () => {
  const names = registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  for (const k of Object.keys(PROJECT_WASM_KERNELS)) assert.ok(names.includes(k), k);
  for (const k of Object.keys(PROJECT_WASM_KERNELS)) assert.ok(tf.getKernel(k, "wasm"), k);
});

// A small conv net written with tf ops: strided conv, batch-norm (batch moments), ReLU, max-pool,
// depthwise conv, 'valid' non-square conv, dense, softmax cross-entropy.
const SHAPES = {
  w1: [3, 3, 3, 4],
  gamma: [4],
  beta: [4],
  dw: [3, 3, 4, 2],
  w2: [2, 3, 8, 5],
  dense: [2 * 1 * 5, 3],
} as Record<string, number[]>;

function loss(v: Record<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  let h = tf.conv2d(x, v.w1 as tf.Tensor4D, 2, "same");
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  h = tf.relu(
    tf.batchNorm(h, mean, variance, v.beta as tf.Tensor1D, v.gamma as tf.Tensor1D, 1e-3),
  ) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 1, "valid");
  h = tf.depthwiseConv2d(h, v.dw as tf.Tensor4D, 1, "same");
  h = tf.conv2d(h, v.w2 as tf.Tensor4D, 1, "valid");
  const logits = tf.matMul(tf.reshape(h, [x.shape[0], -1]), v.dense as tf.Tensor2D);
  return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
}

Deno.test("full gradient of a small conv net: wasm == cpu", async () => {
  const xs = randomArray(3 * 7 * 8 * 3, 21);
  const grads = () => {
    const names = Object.keys(SHAPES);
    const vars = names.map((n, i) =>
      n === "gamma"
        ? tf.add(1, tf.tensor(randomArray(4, 30 + i), SHAPES[n]))
        : tf.tensor(randomArray(SHAPES[n].reduce((a, b) => a * b), 30 + i), SHAPES[n])
    );
    const x = tf.tensor4d(xs, [3, 7, 8, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3).toFloat() as tf.Tensor2D;
    const f = (...t: tf.Tensor[]) => loss(Object.fromEntries(names.map((n, i) => [n, t[i]])), x, y);
    return [...tf.grads(f)([...vars]), f(...vars)];
  };
  const wasm = await runOn("wasm", grads);
  const cpu = await runOn("cpu", grads);
  assert.equal(wasm.length, cpu.length);
  wasm.forEach((g, i) => {
    assert.deepEqual(g.shape, cpu[i].shape);
    const e = relError(g.values, cpu[i].values);
    assert.ok(e <= 1e-4, `gradient ${i}: relative error ${e}`);
    assert.ok(cpu[i].values.some((v) => v !== 0), `gradient ${i} is not all zero`);
  });
});

Deno.test("no tensor leak and no wasm-heap growth over 30 training steps", async () => {
  await tf.setBackend("wasm");
  const model = benchVgg({ width: 4 });
  const opt = tf.train.adam(1e-3);
  const x = tf.tensor4d(randomArray(4 * 32 * 32 * 3, 40), [4, 32, 32, 3]);
  const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], "int32"), 10).toFloat();
  const losses: number[] = [];
  const step = () => {
    const l = benchTrainStep(model, { x, y }, { optimizer: opt });
    losses.push(l.dataSync()[0]);
    l.dispose();
  };
  for (let i = 0; i < 5; i++) step();
  const before = { tensors: tf.memory().numTensors, heap: wasmHeapBytes() };
  for (let i = 0; i < 30; i++) step();
  const after = { tensors: tf.memory().numTensors, heap: wasmHeapBytes() };
  assert.deepEqual(after, before);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(
    losses[losses.length - 1] < losses[0],
    `loss did not decrease: ${losses[0]} → ${losses.at(-1)}`,
  );
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});

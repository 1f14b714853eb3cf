import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  clipCallback,
  clipLatentWeights,
  quantConv2d,
  quantDense,
  quantLayers,
} from "../../lib/layers/mod.ts";
import { BETA_MIN, isQuantLayer } from "../../lib/layers/common.ts";

Deno.test("isQuantLayer / quantLayers find binary layers, nested models included", () => {
  const inner = tf.sequential({
    layers: [quantDense({ inputShape: [3], units: 4, kernelQuantizer: "ste_sign" })],
  });
  const outer = tf.sequential({
    layers: [inner, tf.layers.dense({ units: 2 }), quantDense({ units: 2 })],
  });
  assert.equal(isQuantLayer(outer.layers[1]), false);
  assert.equal(isQuantLayer(outer.layers[2]), true);
  assert.equal(isQuantLayer(quantConv2d({ filters: 1, kernelSize: 1 })), true);
  assert.equal(isQuantLayer(null), false);
  assert.equal(quantLayers(outer).length, 2);
});

Deno.test("clipLatentWeights clips binary kernels to ±kernelClip, skips null and full precision", () => {
  const a = quantDense({ inputShape: [2], units: 2, kernelQuantizer: "ste_sign" });
  const b = quantDense({ units: 2, kernelQuantizer: "swish_sign", kernelClip: 0.5 });
  const c = quantDense({ units: 2, kernelQuantizer: "ste_sign", kernelClip: null });
  const d = quantDense({ units: 2 }); // full precision: not clipped
  const model = tf.sequential({ layers: [a, b, c, d] });
  model.predict(tf.zeros([1, 2]));
  const big = [[3, -0.2], [-4, 0.9]];
  for (const l of [a, b, c, d]) l.kernelWeight.write(tf.tensor2d(big));
  const before = tf.memory().numTensors;
  clipLatentWeights(model);
  assert.equal(tf.memory().numTensors, before);
  const clip = (lim: number) => big.map((r) => r.map((v) => Math.min(lim, Math.max(-lim, v))));
  const get = (l: typeof a) => l.kernelWeight.read().arraySync() as number[][];
  assert.deepEqual(get(a), clip(1).map((r) => r.map((v) => Math.fround(v))));
  assert.deepEqual(get(b), clip(0.5).map((r) => r.map((v) => Math.fround(v))));
  assert.deepEqual(get(c), big.map((r) => r.map((v) => Math.fround(v))));
  assert.deepEqual(get(d), big.map((r) => r.map((v) => Math.fround(v))));
});

Deno.test("model.fit includes the BNN+ penalty in its loss, and clipCallback clips", async () => {
  const layer = quantDense({
    inputShape: [3],
    units: 2,
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    regularizer: "euclidean",
    lambda: 0.5,
    activation: "softmax",
  });
  const model = tf.sequential({ layers: [layer] });
  model.compile({ optimizer: tf.train.sgd(0), loss: "categoricalCrossentropy" });
  const x = tf.tensor2d([[0.5, -1, 2], [1, 0.2, -0.3]]);
  const y = tf.tensor2d([[1, 0], [0, 1]]);
  const p = (model.predict(x) as tf.Tensor).arraySync() as number[][];
  const ce = -(Math.log(p[0][0]) + Math.log(p[1][1])) / 2;
  const pen = layer.penalty().dataSync()[0];
  assert.ok(pen > 0);
  const h = await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
  const loss = h.history.loss[0] as number;
  assert.ok(Math.abs(loss - (ce + pen)) < 1e-5, `fit loss ${loss} vs ce ${ce} + penalty ${pen}`);
  // clipCallback: a big SGD step pushes kernels out of [−1, 1]; the callback pulls them back.
  model.compile({ optimizer: tf.train.sgd(100), loss: "categoricalCrossentropy" });
  await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0, callbacks: [clipCallback(model)] });
  const k = layer.kernelWeight.read().dataSync();
  assert.ok(k.every((v) => Math.abs(v) <= 1) && k.some((v) => Math.abs(v) === 1));
});

Deno.test("clipLatentWeights keeps a trainable β at or above BETA_MIN and leaves a valid β alone", () => {
  const a = quantDense({
    inputShape: [2],
    units: 2,
    inputQuantizer: "swish_sign",
    trainableBeta: true,
  });
  const b = quantDense({ units: 2, inputQuantizer: "swish_sign", trainableBeta: true, beta: 3 });
  const model = tf.sequential({ layers: [a, b] });
  model.predict(tf.zeros([1, 2]));
  a.betaWeight!.write(tf.scalar(-2));
  clipLatentWeights(model);
  assert.equal(a.betaWeight!.read().dataSync()[0], Math.fround(BETA_MIN));
  assert.equal(b.betaWeight!.read().dataSync()[0], 3);
});

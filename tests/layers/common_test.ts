import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { isQuantLayer, quantConv2d, quantDense } from "../../lib/layers/mod.ts";

Deno.test("scale 'layer' gives a scalar α = mean|W| over the whole kernel", () => {
  const l = quantDense({
    units: 3,
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    scaleShape: "layer",
  });
  l.apply(tf.zeros([1, 4]));
  const alpha = l.alphaWeight!.read();
  assert.deepEqual(alpha.shape, []);
  const w = l.kernelWeight.read().dataSync();
  const mean = [...w].reduce((acc, v) => acc + Math.abs(v), 0) / w.length;
  assert.ok(Math.abs(alpha.dataSync()[0] - mean) < 1e-6);
  const wb = l.binaryKernel().dataSync();
  wb.forEach((v, i) => assert.ok(Math.abs(v - mean * (w[i] >= 0 ? 1 : -1)) < 1e-6));
});

Deno.test("isQuantLayer: true for the binary layers only", () => {
  assert.equal(isQuantLayer(quantConv2d({ filters: 1, kernelSize: 1 })), true);
  assert.equal(isQuantLayer(quantDense({ units: 1 })), true);
  assert.equal(isQuantLayer(tf.layers.dense({ units: 1 })), false);
  assert.equal(isQuantLayer(null), false);
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { benchVgg, benchVggFlops } from "../../lib/bench/nets.ts";
import { initBackend } from "../../lib/backend/mod.ts";

await initBackend({ backend: "wasm", quiet: true });

/** FLOPs counted from the built model's layer shapes (independent of benchVggFlops). */
function flopsFromModel(model: tf.LayersModel): number {
  let f = 0;
  for (const l of model.layers) {
    const kernel = l.getWeights().find((w) => w.shape.length >= 2 && w.shape.length !== 1);
    if (!kernel) continue;
    const out = l.outputShape as number[];
    const spatial = out.length === 4 ? out[1] * out[2] : 1;
    f += 2 * spatial * kernel.size;
  }
  return f;
}

Deno.test("bench-vgg matches the issue's definition and its FLOP count", () => {
  const m = benchVgg({ width: 4 });
  const convs = m.layers.filter((l) => l.getClassName() === "Conv2D");
  assert.deepEqual(convs.map((l) => (l.getConfig() as { filters: number }).filters), [
    4,
    4,
    8,
    8,
    16,
    16,
  ]);
  assert.ok(convs.every((l) => l.getWeights().length === 1), "convs have no bias");
  assert.equal(m.layers.filter((l) => l.getClassName() === "BatchNormalization").length, 6);
  assert.equal(m.layers.filter((l) => l.getClassName() === "MaxPooling2D").length, 3);
  assert.deepEqual(m.outputs[0].shape, [null, 10]);
  assert.equal(benchVggFlops({ width: 4 }), flopsFromModel(m));
  m.dispose();
});

Deno.test("binary twin: quantized convs/dense with trainable α, same shapes and FLOPs", () => {
  const m = benchVgg({ width: 4, binary: true });
  const q = m.layers.filter((l) => ["QuantConv2D", "QuantDense"].includes(l.getClassName()));
  assert.equal(q.length, 7);
  const cfg = q.map((l) => l.getConfig() as Record<string, unknown>);
  assert.deepEqual(cfg.map((c) => c.inputQuantizer), ["none", ...new Array(6).fill("swish_sign")]);
  assert.ok(cfg.every((c) => c.kernelQuantizer === "swish_sign" && c.scale === "trainable"));
  assert.ok(q.every((l) => l.trainableWeights.some((w) => w.name.endsWith("alpha"))));
  assert.deepEqual(m.outputs[0].shape, [null, 10]);
  assert.equal(benchVggFlops({ width: 4 }), flopsFromModel(m));
  m.dispose();
});

Deno.test("binary twin: its binarized inputs carry the image (no ReLU before a sign)", () => {
  const m = benchVgg({ width: 4, binary: true });
  assert.ok(!m.layers.some((l) => l.getClassName() === "ReLU"), "no ReLU layer");
  const names = m.layers.map((l) => l.getClassName());
  // conv, max-pool, batch norm: the pool comes before the norm in blocks 2, 4 and 6.
  const firstPool = names.indexOf("MaxPooling2D");
  assert.equal(names[firstPool + 1], "BatchNormalization");
  // Two different images must give different logits in inference mode (a ReLU before each
  // sign made every binarized input +1, so every image gave the same logits).
  const logits = tf.tidy(() => {
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 7);
    return (m.predict(x) as tf.Tensor).arraySync() as number[][];
  });
  assert.notDeepEqual(logits[0], logits[1]);
  m.dispose();
});

Deno.test("bench-vgg plain: tfjs-layers' own Conv2D / BatchNormalization, same shapes and FLOPs", () => {
  const lab = benchVgg({ width: 4 }), plain = benchVgg({ width: 4, plain: true });
  const labConv = lab.layers.find((l) => l.getClassName() === "Conv2D")!;
  const conv = plain.layers.find((l) => l.getClassName() === "Conv2D")!;
  const bn = plain.layers.find((l) => l.getClassName() === "BatchNormalization")!;
  const tfjsConv = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 }));
  const tfjsBn = Object.getPrototypeOf(tf.layers.batchNormalization({}));
  assert.equal(Object.getPrototypeOf(conv), tfjsConv, "tfjs-layers' Conv2D");
  assert.notEqual(Object.getPrototypeOf(labConv), tfjsConv, "the lab's Conv2D");
  assert.equal(Object.getPrototypeOf(bn), tfjsBn, "tfjs-layers' BatchNormalization");
  assert.equal(plain.name, "bench-vgg-plain");
  assert.equal(flopsFromModel(plain), flopsFromModel(lab));
  assert.deepEqual(plain.getWeights().map((w) => w.shape), lab.getWeights().map((w) => w.shape));
  lab.dispose();
  plain.dispose();
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { Conv2D, conv2d } from "../../lib/layers/mod.ts";

await initBackend({ backend: "wasm", quiet: true });

function pair(args: Parameters<typeof conv2d>[0]) {
  const lab = conv2d(args), ref = tf.layers.conv2d(args);
  const x = tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 5) as tf.Tensor4D;
  ref.apply(x);
  lab.apply(x);
  lab.setWeights(ref.getWeights());
  return { lab, ref, x };
}

for (
  const args of [
    { filters: 4, kernelSize: 3, padding: "same", useBias: false },
    { filters: 4, kernelSize: [2, 3], strides: 2, padding: "valid", useBias: false },
    { filters: 4, kernelSize: 3, padding: "same", useBias: true, activation: "relu" },
  ] as Parameters<typeof conv2d>[0][]
) {
  Deno.test(`lab Conv2D: same output as tfjs-layers' Conv2D (${JSON.stringify(args)})`, () => {
    const { lab, ref, x } = pair(args);
    const a = (lab.apply(x) as tf.Tensor).dataSync(), b = (ref.apply(x) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b));
  });
}

/** Kernel names run by the gradient of Σ y² with respect to the layer's weights only. */
async function gradKernels(layer: tf.layers.Layer, x: tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => (layer.apply(x) as tf.Tensor).square().sum());
    tf.dispose([value, ...Object.values(grads)]);
  });
  return info.kernelNames;
}

Deno.test("lab Conv2D: no input gradient for a first layer (tfjs-layers' computes one)", async () => {
  const { lab, ref, x } = pair({ filters: 4, kernelSize: 3, padding: "same", useBias: false });
  const labKernels = await gradKernels(lab, x), refKernels = await gradKernels(ref, x);
  assert.ok(labKernels.includes("Conv2DBackpropFilter"), labKernels.join(","));
  assert.ok(!labKernels.includes("Conv2DBackpropInput"), labKernels.join(","));
  assert.ok(refKernels.includes("Conv2DBackpropInput"), "tfjs-layers' fused conv computes dx");
  // Same weight gradient either way.
  const g = (l: tf.layers.Layer) =>
    tf.variableGrads(() => (l.apply(x) as tf.Tensor).square().sum()).grads;
  const gl = Object.values(g(lab))[0].dataSync(), gr = Object.values(g(ref))[0].dataSync();
  assert.deepEqual(Array.from(gl), Array.from(gr));
});

Deno.test("lab Conv2D: serializes as Conv2D and loads back into the lab's class", async () => {
  const m = tf.sequential();
  m.add(conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, useBias: false }));
  const json = m.toJSON(null, false) as { config: { layers: { class_name: string }[] } };
  assert.equal(json.config.layers[0].class_name, "Conv2D");
  const saved: tf.io.ModelArtifacts[] = [];
  await m.save(tf.io.withSaveHandler((a) => {
    saved.push(a);
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  const back = await tf.loadLayersModel(tf.io.fromMemory(saved[0]));
  assert.ok(back.layers[0] instanceof Conv2D);
});

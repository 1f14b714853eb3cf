import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { loadModel, saveModel } from "../lib/io.ts";
import { QuantConv2D, quantConv2d, QuantDense, quantDense } from "../lib/layers/mod.ts";

function binaryModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      quantConv2d({
        inputShape: [6, 6, 2],
        filters: 4,
        kernelSize: 3,
        padding: "same",
        kernelQuantizer: "ste_sign",
        scale: "trainable",
        regularizer: "manhattan",
        lambda: 1e-3,
      }),
      tf.layers.batchNormalization(),
      quantConv2d({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        inputQuantizer: "swish_sign",
        kernelQuantizer: "swish_sign",
        beta: 3,
        trainableBeta: true,
        scale: "fixed",
        scaleShape: "layer",
      }),
      tf.layers.flatten(),
      quantDense({
        units: 3,
        inputQuantizer: "approx_sign",
        kernelQuantizer: "ste_sign",
        scale: "trainable",
        regularizer: "euclidean",
        kernelClip: null,
      }),
    ],
  });
}

Deno.test("saveModel / loadModel: identical predictions, α and trainable β included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = binaryModel();
    const x = tf.randomNormal([5, 6, 6, 2], 0, 1, "float32", 1);
    model.predict(x);
    // Move every weight away from its initial value so the round trip cannot pass by luck.
    model.setWeights(
      model.getWeights().map((w, i) =>
        tf.add(w, tf.randomUniform(w.shape, 0.1, 0.5, "float32", i))
      ),
    );
    const y = (model.predict(x) as tf.Tensor).dataSync();
    await saveModel(model, `${dir}/m`);
    const names = [...Deno.readDirSync(`${dir}/m`)].map((e) => e.name).sort();
    assert.deepEqual(names, ["model.json", "weights.bin"]);
    const loaded = await loadModel(`${dir}/m`);
    const y2 = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(y2, y);
    const w1 = model.getWeights().map((w) => [...w.dataSync()]);
    const w2 = loaded.getWeights().map((w) => [...w.dataSync()]);
    assert.deepEqual(w2, w1);
    // (tfjs uniquifies variable names in one process: "kernel" may load as "kernel_1")
    const short = (n: string) => n.split("/").pop()!.replace(/_\d+$/, "");
    assert.deepEqual(
      loaded.weights.map((w) => [short(w.name), w.trainable]),
      model.weights.map((w) => [short(w.name), w.trainable]),
    );
    const c = loaded.layers[2] as QuantConv2D;
    assert.ok(c instanceof QuantConv2D && c.betaWeight !== null);
    assert.equal(
      c.betaWeight!.read().dataSync()[0],
      (model.layers[2] as QuantConv2D).betaWeight!
        .read().dataSync()[0],
    );
    assert.ok(loaded.layers[4] instanceof QuantDense);
    assert.deepEqual((loaded.layers[4] as QuantDense).quant, (model.layers[4] as QuantDense).quant);
    // Penalties survive too.
    const p1 = model.calculateLosses().map((t) => t.dataSync()[0]);
    const p2 = loaded.calculateLosses().map((t) => t.dataSync()[0]);
    assert.equal(p1.length, 2);
    assert.deepEqual(p2, p1);
    // Overwriting an existing save works and leaves no temp files.
    await saveModel(loaded, `${dir}/m`);
    assert.deepEqual([...Deno.readDirSync(`${dir}/m`)].map((e) => e.name).sort(), names);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadModel: clear errors for a missing dir, bad JSON and mismatched weights", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => loadModel(`${dir}/nope`), /model\.json not found/);
    const model = tf.sequential({
      layers: [quantDense({ inputShape: [3], units: 2, kernelQuantizer: "ste_sign" })],
    });
    await saveModel(model, dir);
    const bin = await Deno.readFile(`${dir}/weights.bin`);
    bin[0] ^= 0xff;
    await Deno.writeFile(`${dir}/weights.bin`, bin);
    await assert.rejects(() => loadModel(dir), /weights\.bin does not match/);
    await Deno.writeTextFile(`${dir}/model.json`, "{ not json");
    await assert.rejects(() => loadModel(dir), /not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadModel: hostile model.json / weights.bin give one error naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = tf.sequential({
      layers: [
        quantConv2d({
          inputShape: [6, 6, 2],
          filters: 4,
          kernelSize: 3,
          kernelQuantizer: "ste_sign",
        }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        quantDense({ units: 3, kernelQuantizer: "ste_sign" }),
      ],
    });
    await saveModel(model, dir);
    const json = await Deno.readTextFile(`${dir}/model.json`);
    const bin = await Deno.readFile(`${dir}/weights.bin`);
    // deno-lint-ignore no-explicit-any
    const cases: [string, (j: any) => void, RegExp][] = [
      ["units 1e9", (j) => j.modelTopology.config.layers[3].config.units = 1e9, /layers\[3\]/],
      ["filters", (j) => j.modelTopology.config.layers[0].config.filters = 5e8, /layers\[0\]/],
      [
        "input shape",
        (j) => j.modelTopology.config.layers[0].config.batch_input_shape = [null, 6e4, 6e4, 2],
        /batch_input_shape|layers\[0\]/,
      ],
      ["dtype", (j) => j.weightsManifest[0].weights[0].dtype = "complex64", /dtype/],
      ["shape", (j) => j.weightsManifest[0].weights[0].shape = [3, 3, 2, 1e9], /shape/],
      ["neg shape", (j) => j.weightsManifest[0].weights[1].shape = [-4], /shape/],
      ["paths", (j) => j.weightsManifest[0].paths = ["../../etc/passwd"], /paths/],
      ["proto", (j) => j.weightsManifest = { __proto__: [] }, /weightsManifest/],
    ];
    for (const [what, mutate, field] of cases) {
      const j = JSON.parse(json);
      mutate(j);
      await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(j));
      await assert.rejects(() => loadModel(dir), (e: Error) => {
        assert.equal(e.name, "ModelFileError", `${what}: ${e.stack}`);
        assert.match(e.message, new RegExp(`${dir}/model\\.json`), what);
        assert.match(e.message, field, `${what}: ${e.message}`);
        return true;
      });
    }
    // Truncated weights without the hash record: the manifest size check names the file.
    const j = JSON.parse(json);
    delete j.userDefinedMetadata;
    await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(j));
    await Deno.writeFile(`${dir}/weights.bin`, bin.subarray(0, bin.length - 8));
    await assert.rejects(() => loadModel(dir), /model\.json: weightsManifest: describes \d+ bytes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

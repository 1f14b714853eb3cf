/**
 * A small binary CNN trained briefly on synthetic data, exported to `.bnn` and reloaded: the
 * engine's predictions equal the tfjs float simulation (argmax everywhere, logits within 1e-4),
 * and the reloaded file predicts bit-identically to the in-memory export.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { quantDense } from "../../lib/layers/mod.ts";
import { batches, channelStats, syntheticDataset } from "../../lib/data/mod.ts";
import { smallBinaryCnn, trainBriefly } from "../../lib/deploy/cifar_check.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import { quantizerSignEpsilon, toDeployModel } from "../../lib/deploy/export.ts";
import { type ConvOp, decodeModel, encodeModel } from "../../lib/deploy/format.ts";
import { exportBinary, loadBinary } from "../../lib/deploy/io.ts";
import { verifyEquivalence } from "../../lib/deploy/verify.ts";

Deno.test("a trained binary CNN exported and reloaded predicts like tfjs", async () => {
  const ds = syntheticDataset(64, { shape: [8, 8, 3], seed: 1 });
  const normalize = channelStats(ds);
  const model = smallBinaryCnn({
    inputShape: [8, 8, 3],
    channels: [8, 16, 40, 33],
    hidden: 24,
    seed: 2,
  });
  const before = model.getWeights().map((w) => w.dataSync().slice());
  trainBriefly(model, ds, { epochs: 1, batchSize: 32, normalize });
  const after = model.getWeights().map((w) => w.dataSync());
  assert.ok(
    before.some((b, i) => b.some((v, j) => v !== after[i][j])),
    "training changed the weights",
  );

  const dir = await Deno.makeTempDir();
  try {
    const info = await exportBinary(model, `${dir}/m.bnn`);
    const loaded = await loadBinary(info.path);
    assert.equal(loaded.signEpsilon, quantizerSignEpsilon());
    const ops = loaded.ops.map((o) => o.type + ("threshold" in o && o.threshold ? "+t" : ""));
    assert.deepEqual(ops, [
      "conv", // fp conv, bn0 folded
      "conv+t",
      "maxpool",
      "conv+t",
      "maxpool",
      "conv+t",
      "maxpool",
      "flatten",
      "dense", // binary dense, bn4 folded, float output for the fp head
      "dense",
    ]);
    const engine = createEngine(loaded);
    const memory = createEngine(toDeployModel(model));
    const test = [...batches(ds, { batchSize: 32, shuffle: false, normalize })];
    const r = verifyEquivalence({ model, engine }, test, { tolerance: 1e-4 });
    assert.equal(r.images, 64);
    assert.equal(r.argmaxAgree, 64);
    assert.equal(r.overTolerance, 0, `max |Δ| ${r.maxAbsDiff}`);
    assert.deepEqual(r.overToleranceImages, []);
    // Sign margins: the global smallest |input| of a binarizing layer, computed here in one pass.
    const binIn = model.layers.filter((l) =>
      (l.getConfig() as { inputQuantizer?: string }).inputQuantizer === "swish_sign"
    ).map((l) => l.input as tf.SymbolicTensor);
    assert.ok(binIn.length >= 2);
    const probe = tf.model({ inputs: model.inputs, outputs: binIn });
    let globalMin = Infinity;
    for (const b of test) {
      const outs = probe.predict(tf.tensor(b.x, [b.size, 8, 8, 3])) as tf.Tensor[];
      for (const o of outs) globalMin = Math.min(globalMin, tf.min(tf.abs(o)).dataSync()[0]);
      tf.dispose(outs);
    }
    assert.ok(r.signMargins);
    assert.deepEqual(r.signMargins.outliers, []);
    assert.equal(r.signMargins.othersMin, globalMin);
    assert.ok(r.signMargins.othersMedian >= r.signMargins.othersMin);
    for (const b of test) {
      assert.deepEqual(
        Array.from(engine.predictBatch(b.x, b.size)),
        Array.from(memory.predictBatch(b.x, b.size)),
      );
    }
    // Size: binary kernels at 1 bit, the rest float32 (much smaller than 4 bytes per weight).
    const floatBytes = model.countParams() * 4;
    assert.ok(info.bytes < floatBytes, `${info.bytes} < ${floatBytes}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exportBinary rejects unsupported layers with a clear error", () => {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 2 }));
  m.add(tf.layers.globalAveragePooling2d({}));
  assert.throws(() => toDeployModel(m), /unsupported layer type GlobalAveragePooling2D/);
});

Deno.test("a binary MLP (flatten of a 1-channel image, BN with negative γ) exports exactly", () => {
  const q = {
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    scale: "fixed",
    scaleShape: "channel",
    useBias: false,
  } as const;
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [6, 6, 1] }));
  m.add(tf.layers.dense({ units: 40 }));
  m.add(tf.layers.batchNormalization({}));
  m.add(quantDense({ ...q, units: 33 }));
  m.add(tf.layers.batchNormalization({}));
  m.add(quantDense({ ...q, units: 70 }));
  m.add(tf.layers.batchNormalization({}));
  m.add(tf.layers.dense({ units: 5 }));
  let seed = 3;
  for (const l of m.layers) {
    if (l.getClassName() !== "BatchNormalization") continue;
    const c = l.getWeights()[0].shape[0];
    l.setWeights([
      tf.randomNormal([c], 0, 1, "float32", seed++),
      tf.randomNormal([c], 0, 1, "float32", seed++),
      tf.randomNormal([c], 0, 1, "float32", seed++),
      tf.randomUniform([c], 0.5, 2, "float32", seed++),
    ]);
  }
  const deploy = toDeployModel(m);
  assert.deepEqual(
    deploy.ops.map((o) => o.type + ("threshold" in o && o.threshold ? "+t" : "")),
    ["flatten", "dense", "dense+t", "dense", "dense"],
  );
  const x = tf.randomNormal([50, 6, 6, 1], 0, 1, "float32", 9);
  const r = verifyEquivalence({ model: m, engine: createEngine(deploy) }, [{
    x: x.dataSync() as Float32Array,
    y: new Int32Array(50),
    size: 50,
  }], { tolerance: 1e-4 });
  x.dispose();
  assert.equal(r.argmaxAgree, 50);
  assert.equal(r.overTolerance, 0, `max |Δ| ${r.maxAbsDiff}`);
});

Deno.test("a float conv's folded batch norm keeps its float32 recipe for exact near-ties", () => {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, padding: "same" }));
  m.add(tf.layers.batchNormalization({ epsilon: 1e-3 }));
  const [conv, bn] = m.layers;
  conv.setWeights([tf.randomNormal([3, 3, 3, 4]), tf.tensor1d([0.1, -0.2, 0.3, -0.4])]);
  const gamma = [1.5, -0.5, 2, 0.25], beta = [0.1, 0.2, -0.3, 0], mean = [0.5, -1, 0, 2];
  const variance = [1, 0.3, 2.5, 0.01];
  bn.setWeights([gamma, beta, mean, variance].map((v) => tf.tensor1d(v)));
  const op = decodeModel(encodeModel(toDeployModel(m))).ops[0] as ConvOp;
  assert.deepEqual(Array.from(op.tieBias!), Array.from(Float32Array.from([0.1, -0.2, 0.3, -0.4])));
  assert.deepEqual(Array.from(op.tieMean!), Array.from(Float32Array.from(mean)));
  assert.deepEqual(Array.from(op.tieShift!), Array.from(Float32Array.from(beta)));
  const s = gamma.map((g, c) =>
    Math.fround(Math.fround(g) / Math.sqrt(Math.fround(variance[c]) + 1e-3))
  );
  assert.deepEqual(Array.from(op.tieScale!), s);
  m.dispose();
});

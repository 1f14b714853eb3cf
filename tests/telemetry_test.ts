import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { quantConv2d, quantDense } from "../lib/layers/mod.ts";
import { signSnapshot, telemetry } from "../lib/telemetry.ts";

function model(): tf.Sequential {
  const m = tf.sequential({ name: "telemetry_small" });
  m.add(quantConv2d({
    inputShape: [4, 4, 2],
    filters: 4,
    kernelSize: 3,
    padding: "same",
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    scaleShape: "channel",
    name: "qconv",
  }));
  m.add(tf.layers.flatten({ name: "flatten" }));
  m.add(quantDense({
    units: 3,
    inputQuantizer: "swish_sign",
    kernelQuantizer: "swish_sign",
    trainableBeta: true,
    beta: 7,
    scale: "none",
    name: "qdense",
  }));
  m.add(tf.layers.dense({ units: 2, name: "fp" }));
  return m;
}

function setWeight(layer: tf.layers.Layer, name: string, values: Float32Array): void {
  const ws = layer.getWeights();
  const i = layer.weights.findIndex((w) => w.originalName.endsWith(`/${name}`));
  assert.ok(i >= 0, `${layer.name} has ${name}`);
  ws[i] = tf.tensor(values, ws[i].shape);
  layer.setWeights(ws);
}

Deno.test("flip ratio counts exactly the weights whose sign changed", () => {
  const m = model();
  const conv = m.getLayer("qconv");
  const k = Float32Array.from({ length: 3 * 3 * 2 * 4 }, (_, i) => (i % 2 ? 0.5 : -0.5));
  setWeight(conv, "kernel", k);
  const previous = signSnapshot(m);
  const k2 = k.slice();
  for (const i of [0, 5, 17, 70]) k2[i] = -k2[i];
  k2[3] = 0; // +0.5 → 0 keeps sign(0) = +1: not a flip
  setWeight(conv, "kernel", k2);
  const t = telemetry(m, { previous, epoch: 3 });
  const layer = t.layers.find((l) => l.name === "qconv")!;
  assert.equal(layer.flipRatio, 4 / 72);
  assert.equal(t.layers.find((l) => l.name === "qdense")!.flipRatio, 0);
  assert.equal(t.flipRatio, 4 / (72 + 64 * 3));
  assert.equal(t.epoch, 3);
  assert.equal(telemetry(m).flipRatio, null, "no previous snapshot → null");
  assert.deepEqual(t.layers.map((l) => l.name), ["qconv", "qdense"], "only binary layers");
});

Deno.test("α statistics, β and the share of weights within 10 % of ±α", () => {
  const m = model();
  const conv = m.getLayer("qconv");
  const alpha = Float32Array.of(0.1, 0.2, 0.4, 0.3);
  setWeight(conv, "alpha", alpha);
  // Channel = index mod 4. Put 18 of 72 weights exactly at ±α, 18 at ±1.09α (inside), 36 at 0.5α.
  const k = Float32Array.from({ length: 72 }, (_, i) => {
    const a = alpha[i % 4], sgn = i % 8 < 4 ? 1 : -1;
    return sgn * (i < 18 ? a : i < 36 ? 1.09 * a : 0.5 * a);
  });
  setWeight(conv, "kernel", k);
  const t = telemetry(m);
  const c = t.layers[0];
  assert.ok(Math.abs(c.alpha!.mean - 0.25) < 1e-7);
  assert.ok(Math.abs(c.alpha!.min - 0.1) < 1e-7 && Math.abs(c.alpha!.max - 0.4) < 1e-7);
  assert.equal(c.nearAlpha, 36 / 72);
  assert.equal(c.beta, null);
  const d = t.layers[1];
  assert.equal(d.alpha, null, "scale none → no α");
  assert.equal(d.beta, 7, "trainable β reported");
  // Without α the reference is ±1: set all dense weights to ±0.95 → all within 10 %.
  setWeight(m.getLayer("qdense"), "kernel", new Float32Array(192).fill(-0.95));
  assert.equal(telemetry(m).layers[1].nearAlpha, 1);
});

Deno.test("histograms cover every weight and the record is plain JSON", () => {
  const m = model();
  const t = telemetry(m, { previous: signSnapshot(m), epoch: 1, histograms: true, bins: 10 });
  for (const l of t.layers) {
    const h = l.histogram!;
    assert.equal(h.edges.length, 11);
    assert.equal(h.counts.reduce((a, b) => a + b, 0) + h.below + h.above, l.size);
    assert.ok(Math.abs(h.edges[0] + 1) < 1e-12 && Math.abs(h.edges[10] - 1) < 1e-12);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
  assert.equal(telemetry(m, { epoch: 1 }).layers[0].histogram, undefined);
});

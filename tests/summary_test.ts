import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { quantConv2d, quantDense } from "../lib/layers/mod.ts";
import { formatSummary, summary } from "../lib/summary.ts";

const SNAPSHOT = new URL("./fixtures/summary_small.txt", import.meta.url);

/** A fixed small model: fp conv → BN → binary conv → pool → BN → binary dense (trainable β) → BN → fp dense. */
function smallModel(): tf.Sequential {
  const q = {
    inputQuantizer: "swish_sign",
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    scaleShape: "channel",
    useBias: false,
  } as const;
  const m = tf.sequential({ name: "summary_small" });
  m.add(
    tf.layers.conv2d({
      inputShape: [8, 8, 3],
      filters: 8,
      kernelSize: 3,
      padding: "same",
      useBias: false,
      name: "conv0",
    }),
  );
  m.add(tf.layers.batchNormalization({ name: "bn0" }));
  m.add(quantConv2d({ ...q, filters: 16, kernelSize: 3, padding: "same", name: "qconv1" }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: "pool1" }));
  m.add(tf.layers.batchNormalization({ name: "bn1" }));
  m.add(tf.layers.flatten({ name: "flatten" }));
  m.add(quantDense({ ...q, units: 32, trainableBeta: true, name: "qdense" }));
  m.add(tf.layers.batchNormalization({ name: "bn2" }));
  m.add(tf.layers.dense({ units: 10, name: "logits" }));
  return m;
}

Deno.test("summary counts match an independent hand count", () => {
  const s = summary(smallModel());
  const by = Object.fromEntries(s.layers.map((l) => [l.name, l]));
  // Hand count: conv0 3·3·3·8, BN 4 per channel, qconv1 kernel 3·3·8·16 (1-bit) + α 16,
  // qdense kernel 256·32 (1-bit) + α 32 + β 1, logits 32·10 + 10.
  assert.equal(by.conv0.params32bit, 216);
  assert.equal(by.bn0.params32bit, 32);
  assert.deepEqual([by.qconv1.params1bit, by.qconv1.params32bit], [1152, 16]);
  assert.deepEqual([by.qdense.params1bit, by.qdense.params32bit], [8192, 33]);
  assert.equal(by.logits.params32bit, 330);
  // MACs per image: conv0 8·8·8·27 float, qconv1 8·8·16·72 binary, qdense 256·32, logits 32·10.
  assert.equal(by.conv0.macsFloat, 13824);
  assert.equal(by.qconv1.macsBinary, 73728);
  assert.equal(by.qdense.macsBinary, 8192);
  assert.equal(by.logits.macsFloat, 320);
  assert.deepEqual([by.qconv1.inputPrecision, by.qconv1.kernelPrecision], ["1-bit", "1-bit"]);
  assert.deepEqual([by.conv0.inputPrecision, by.pool1.kernelPrecision], ["float32", "-"]);
  const t = s.totals;
  assert.equal(t.params1bit, 1152 + 8192);
  assert.equal(t.params32bit, 216 + 32 + 16 + 64 + 33 + 128 + 330);
  assert.equal(t.binaryKiB, (9344 + 32 * 819) / 8 / 1024);
  assert.equal(t.float32KiB, 32 * (9344 + 819) / 8 / 1024);
  assert.ok(Math.abs(t.compressionRatio - t.float32KiB / t.binaryKiB) < 1e-12);
  assert.ok(Math.abs(t.binaryMacShare - (73728 + 8192) / (73728 + 8192 + 13824 + 320)) < 1e-12);
  // Parameter totals agree with tfjs' own count.
  assert.equal(t.params1bit + t.params32bit, smallModel().countParams());
});

Deno.test("formatSummary matches the committed snapshot", async () => {
  const text = formatSummary(summary(smallModel()));
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") await Deno.writeTextFile(SNAPSHOT, text);
  assert.equal(text, await Deno.readTextFile(SNAPSHOT));
});

/**
 * Fuzz test of the two model loaders (issue #15): a few hundred seeded mutations of a `.bnn` file
 * (bit flips, truncations, header field mutations, re-checksummed or as version 1 files) and of
 * a saved model folder (model.json field mutations, weights.bin flips and truncations). Every
 * case must end within 2 s with either the loader's typed error (BnnFormatError /
 * ModelFileError) or the unchanged output; a header mutation that is still a valid model may run
 * and give a different output of the declared shape. No raw JS/tfjs error, no hang, and no case
 * may grow the process by more than MEMORY_BOUND bytes (the loaders reject sizes before
 * allocating: the tight limits below make any allocation past them an error, and RSS is checked).
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { quantConv2d, quantDense } from "../../lib/layers/mod.ts";
import { toDeployModel } from "../../lib/deploy/export.ts";
import {
  BnnFormatError,
  type BnnLimits,
  crc32,
  decodeModel,
  encodeModel,
} from "../../lib/deploy/format.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import { loadModel, ModelFileError, saveModel } from "../../lib/io.ts";

const SEED = 15;
const BNN_CASES = 360;
const FOLDER_CASES = 120;
const CASE_MS = 2000;
/** Largest RSS growth over the run that any one case may cause. */
const MEMORY_BOUND = 256 * 2 ** 20;
/** Engine limits for the fuzz: far above the test model, far below a hostile allocation. */
const LIMITS: Partial<BnnLimits> = { maxValues: 2 ** 20, maxWork: 2 ** 26 };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function buildModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      quantConv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, padding: "same" }),
      tf.layers.batchNormalization(),
      quantConv2d({
        filters: 40,
        kernelSize: 3,
        padding: "same",
        inputQuantizer: "ste_sign",
        kernelQuantizer: "ste_sign",
        scale: "trainable",
      }),
      tf.layers.batchNormalization(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      quantConv2d({
        filters: 16,
        kernelSize: 3,
        strides: 2,
        inputQuantizer: "ste_sign",
        kernelQuantizer: "ste_sign",
      }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      quantDense({ units: 10, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 4, activation: "softmax" }),
    ],
  });
}

/** Random replacement values: huge, negative, fractional, wrong types, prototype keys. */
const NASTY: unknown[] = [
  1e9,
  -1,
  -16,
  0,
  0.5,
  2 ** 31,
  2 ** 53,
  1e308,
  null,
  true,
  "",
  "constructor",
  "__proto__",
  "toString",
  "same",
  "valid",
  "sign",
  "binary",
  "float",
  "f32",
  "u32",
  "i8",
  [],
  [1e9, 1e9],
  {},
  { $t: "constructor", offset: 0, length: 1 },
  { $t: "f32", offset: -16, length: 4 },
  { $t: "f32", offset: 4, length: 4 },
  { $t: "f32", offset: 0, length: 1e9 },
  { $t: "f32", offset: 0.5, length: 2 },
];

type Json = Record<string, unknown> | unknown[];

/** All paths to leaves and containers inside `v`. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  }
  return out;
}

/** Applies one random mutation to a random path of `root` (in place); returns its description. */
function mutateJson(root: Json, r: () => number): string {
  const all = paths(root);
  const path = all[Math.floor(r() * all.length)];
  let parent: unknown = root;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  const key = path[path.length - 1];
  const obj = parent as Record<string | number, unknown>;
  const kind = r();
  if (kind < 0.1 && !Array.isArray(obj)) {
    delete obj[key];
    return `delete ${path.join(".")}`;
  }
  if (kind < 0.15 && !Array.isArray(obj)) {
    Object.defineProperty(obj, "__proto__", { value: { polluted: 1 }, enumerable: true });
    return `add __proto__ next to ${path.join(".")}`;
  }
  if (kind < 0.35 && typeof obj[key] === "number") {
    const v = obj[key] as number;
    const nv = [v * 1e6, -v, v + 0.5, v + 1, v - 1, v * 2][Math.floor(r() * 6)];
    obj[key] = nv;
    return `${path.join(".")} ${v} → ${nv}`;
  }
  const nv = NASTY[Math.floor(r() * NASTY.length)];
  obj[key] = structuredClone(nv);
  return `${path.join(".")} → ${JSON.stringify(nv)}`;
}

function splitBnn(bytes: Uint8Array): { header: Record<string, unknown>; payload: Uint8Array } {
  const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h)));
  return { header, payload: bytes.subarray(16 + h) };
}

/** Writes a header + payload as a version 2 file with a valid checksum, or as version 1. */
function writeBnn(header: unknown, payload: Uint8Array, version: 1 | 2): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pre = version === 1 ? 12 : 16;
  const h = Math.ceil((json.length + pre) / 16) * 16 - pre;
  const out = new Uint8Array(pre + h + payload.length);
  out.set([0x42, 0x4e, 0x4e, 0x50]);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, version, true);
  dv.setUint32(8, h, true);
  out.fill(0x20, pre, pre + h);
  out.set(json, pre);
  out.set(payload, pre + h);
  if (version === 2) dv.setUint32(12, crc32(out.subarray(16), crc32(out.subarray(0, 12))), true);
  return out;
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));
}

interface Tally {
  error: number;
  same: number;
  valid: number;
}

function track(): { check(what: string): void; peak(): number } {
  const base = Deno.memoryUsage().rss;
  let peak = 0;
  return {
    check(what: string) {
      const grow = Deno.memoryUsage().rss - base;
      peak = Math.max(peak, grow);
      assert.ok(grow < MEMORY_BOUND, `${what}: RSS grew by ${(grow / 2 ** 20).toFixed(0)} MiB`);
    },
    peak: () => peak,
  };
}

Deno.test("fuzz: mutated .bnn files end within 2 s in a BnnFormatError or the same output", () => {
  const model = buildModel();
  const deploy = toDeployModel(model, { signEpsilon: 0 });
  const good = encodeModel(deploy);
  const x = Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => Math.sin(i * 1.7));
  const want = createEngine(decodeModel(good)).predict(x);
  const r = rng(SEED);
  const mem = track();
  const tally: Tally = { error: 0, same: 0, valid: 0 };
  for (let i = 0; i < BNN_CASES; i++) {
    let bytes: Uint8Array, what: string, mayDiffer = false;
    const kind = i % 4;
    if (kind === 0) {
      bytes = good.slice();
      const flips = 1 + Math.floor(r() * 3);
      for (let f = 0; f < flips; f++) bytes[Math.floor(r() * bytes.length)] ^= 1 << (r() * 8);
      what = `${flips} bit flips`;
    } else if (kind === 1) {
      bytes = good.slice(0, Math.floor(r() * good.length));
      what = `truncated to ${bytes.length}`;
    } else {
      const { header, payload } = splitBnn(good);
      what = mutateJson(header as Json, r);
      const version = kind === 2 ? 2 : 1;
      if (version === 1) (header as Record<string, unknown>).version = 1;
      bytes = writeBnn(header, payload, version);
      what += ` (v${version})`;
      mayDiffer = true;
    }
    const t0 = performance.now();
    try {
      const m = decodeModel(bytes, { source: "fuzz.bnn", limits: LIMITS });
      const engine = createEngine(m, { limits: LIMITS });
      const inSize = m.inputShape.reduce((a, b) => a * b, 1);
      const input = inSize === x.length ? x : Float32Array.from({ length: inSize }, () => 0.5);
      const got = engine.predict(input);
      if (sameArray(got, want)) tally.same++;
      else {
        assert.ok(mayDiffer, `case ${i} (${what}): output changed silently`);
        const outSize = engine.outputShape.reduce((a, b) => a * b, 1);
        assert.equal(got.length, outSize, `case ${i} (${what})`);
        tally.valid++;
      }
    } catch (e) {
      if (!(e instanceof BnnFormatError)) {
        assert.fail(`case ${i} (${what}): not a BnnFormatError: ${(e as Error).stack}`);
      }
      assert.match(e.message, /^fuzz\.bnn: \S/, `case ${i}`);
      tally.error++;
    }
    const ms = performance.now() - t0;
    assert.ok(ms < CASE_MS, `case ${i} (${what}) took ${ms.toFixed(0)} ms`);
    mem.check(`case ${i} (${what})`);
  }
  assert.equal(tally.error + tally.same + tally.valid, BNN_CASES);
  assert.ok(tally.error > BNN_CASES / 2, JSON.stringify(tally));
  console.log(`.bnn fuzz: ${JSON.stringify(tally)}, peak RSS growth ${mem.peak() >> 20} MiB`);
});

Deno.test("fuzz: mutated model folders end within 2 s in a ModelFileError or the same output", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_fuzz_" });
  try {
    const model = buildModel();
    const x = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 3 }, (_, i) => Math.cos(i)), [
      1,
      8,
      8,
      3,
    ]);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    await saveModel(model, dir);
    model.dispose();
    const json = await Deno.readTextFile(`${dir}/model.json`);
    const bin = await Deno.readFile(`${dir}/weights.bin`);
    const r = rng(SEED + 1);
    const mem = track();
    const tally: Tally = { error: 0, same: 0, valid: 0 };
    for (let i = 0; i < FOLDER_CASES; i++) {
      let what: string, mayDiffer = false;
      const j = JSON.parse(json);
      let w = bin;
      const kind = i % 4;
      if (kind === 0) {
        w = bin.slice();
        w[Math.floor(r() * w.length)] ^= 1 << (r() * 8);
        what = "weights.bin bit flip";
      } else if (kind === 1) {
        w = bin.slice(0, Math.floor(r() * bin.length));
        if (r() < 0.5) delete j.userDefinedMetadata; // no hash: the manifest size check
        what = `weights.bin truncated to ${w.length}`;
      } else {
        what = mutateJson(j, r);
        mayDiffer = true;
      }
      await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(j));
      await Deno.writeFile(`${dir}/weights.bin`, w);
      const t0 = performance.now();
      try {
        const m = await loadModel(dir);
        const y = tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync());
        m.dispose();
        if (sameArray(y, want)) tally.same++;
        else {
          assert.ok(mayDiffer, `case ${i} (${what}): output changed silently`);
          tally.valid++;
        }
      } catch (e) {
        if (!(e instanceof ModelFileError)) {
          assert.fail(`case ${i} (${what}): not a ModelFileError: ${(e as Error).stack}`);
        }
        assert.ok(e.message.includes(dir), `case ${i}: ${e.message}`);
        tally.error++;
      }
      const ms = performance.now() - t0;
      assert.ok(ms < CASE_MS, `case ${i} (${what}) took ${ms.toFixed(0)} ms`);
      mem.check(`case ${i} (${what})`);
    }
    x.dispose();
    assert.ok(tally.error > FOLDER_CASES / 2, JSON.stringify(tally));
    console.log(`folder fuzz: ${JSON.stringify(tally)}, peak RSS growth ${mem.peak() >> 20} MiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

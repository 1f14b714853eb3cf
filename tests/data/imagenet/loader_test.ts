import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import {
  exampleKey,
  fileSource,
  imagenetBatches,
  type ImagenetBatchOptions,
  imagenetNumBatches,
  type ImageSource,
  selectExamples,
} from "../../../lib/data/imagenet/loader.ts";
import { cropFor, ImageDecodeError } from "../../../lib/data/imagenet/decode.ts";
import { DecodePool } from "../../../lib/data/imagenet/pool.ts";
import { scanImagenet } from "../../../lib/data/imagenet/layout.ts";
import { writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";
import type { Batch } from "../../../lib/data/batches.ts";

const dir = await Deno.makeTempDir({ prefix: "imagenet_loader_" });
await writeSyntheticImagenet(dir, { classes: 3, trainPerClass: 6, valPerClass: 2 });
const train: ImageSource = fileSource(await scanImagenet(dir, "train"));
const inProcess = new DecodePool(0);

async function collect(src: ImageSource, o: ImagenetBatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of imagenetBatches(src, { pool: inProcess, ...o })) out.push(b);
  return out;
}

Deno.test({
  name:
    "imagenetBatches: seeded per (seed, epoch), every example once, resumable, worker-independent",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const o = { size: 16, batchSize: 5, augment: true, seed: 3, epoch: 1 };
    const a = await collect(train, o);
    assertEquals(a.length, 4);
    assertEquals(imagenetNumBatches(train, o), 4);
    assertEquals(a.map((b) => b.size), [5, 5, 5, 3]);
    assertEquals(a[0].shape, [16, 16, 3]);
    // Every example exactly once: the label multiset of the epoch is that of the source.
    const labels = a.flatMap((b) => Array.from(b.y)).sort();
    assertEquals(labels, Array.from(train.labels).sort());
    assertEquals(await collect(train, o), a);
    const other = await collect(train, { ...o, epoch: 2 });
    assert(other.some((b, i) => b.y.join() !== a[i].y.join()), "epoch 2 has another order");
    assertEquals(await collect(train, { ...o, startBatch: 2 }), a.slice(2));
    const viaWorkers = [];
    for await (const b of imagenetBatches(train, { ...o, workers: 2, prefetch: 3 })) {
      viaWorkers.push(b);
    }
    assertEquals(viaWorkers, a);
    // Evaluation: file order, centre crops, no randomness.
    const ev = await collect(train, { size: 16, batchSize: 7 });
    assertEquals(ev.flatMap((b) => Array.from(b.y)), Array.from(train.labels));
  },
});

Deno.test("selectExamples: the first N of every class", () => {
  assertEquals(Array.from(selectExamples(train, 2)), [0, 1, 6, 7, 12, 13]);
  assertEquals(selectExamples(train).length, 18);
  assert.throws(() => selectExamples(train, 0), /subset must be a positive integer/);
});

Deno.test("loader keys: flip rate 1/2 and crop areas as the closed form predicts", () => {
  // Square 1000×1000 image, default scale [0.08, 1] and ratio [3/4, 4/3]: a try (s, r) fits iff
  // s ≤ m(r) = min(r, 1/r), so (10 tries; all failing has probability < 1e-8) the accepted area
  // fraction has mean ∫∫_{0.08}^{m} s ds dl / ∫ (m − 0.08) dl over l = log r uniform.
  let num = 0, den = 0;
  const L = Math.log(4 / 3), steps = 20000;
  for (let i = 0; i < steps; i++) {
    const m = Math.exp(-Math.abs(-L + (2 * L * (i + 0.5)) / steps));
    num += (m * m - 0.08 * 0.08) / 2;
    den += m - 0.08;
  }
  const expected = num / den;
  const n = 20000;
  let flips = 0, area = 0, area2 = 0;
  for (let i = 0; i < n; i++) {
    const { box, flip } = cropFor(1000, 1000, "train", exampleKey(5, 0, i));
    if (flip) flips++;
    const f = (box.width * box.height) / 1e6;
    area += f;
    area2 += f * f;
  }
  const rate = flips / n, mean = area / n, sd = Math.sqrt(area2 / n - mean * mean);
  assert(Math.abs(rate - 0.5) < 4 * Math.sqrt(0.25 / n), `flip rate ${rate}`);
  assert(Math.abs(mean - expected) < 4 * sd / Math.sqrt(n) + 0.003, `area ${mean} vs ${expected}`);
});

Deno.test({
  name: "imagenetBatches: normalisation gives mean 0 / std 1 with the data's own statistics",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const rawOpts = { size: 16, batchSize: 18, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } };
    const [rawBatch] = await collect(train, rawOpts);
    const stats = [0, 1, 2].map((c) => {
      let s = 0, s2 = 0, k = 0;
      for (let i = c; i < rawBatch.x.length; i += 3) {
        s += rawBatch.x[i];
        s2 += rawBatch.x[i] ** 2;
        k++;
      }
      const m = s / k;
      return { m, sd: Math.sqrt(s2 / k - m * m) };
    });
    const normalize = { mean: stats.map((s) => s.m), std: stats.map((s) => s.sd) };
    const check = (x: Float32Array, tolMean: number, tolSd: number, what: string) => {
      for (let c = 0; c < 3; c++) {
        let s = 0, s2 = 0, k = 0;
        for (let i = c; i < x.length; i += 3) {
          s += x[i];
          s2 += x[i] ** 2;
          k++;
        }
        const m = s / k, sd = Math.sqrt(s2 / k - m * m);
        assert(Math.abs(m) < tolMean, `${what} channel ${c}: mean ${m}`);
        assert(Math.abs(sd - 1) < tolSd, `${what} channel ${c}: std ${sd}`);
      }
    };
    check((await collect(train, { ...rawOpts, normalize }))[0].x, 1e-4, 1e-4, "eval");
    // Augmented crops see other pixels; still close to standardised.
    const aug = await collect(train, { ...rawOpts, normalize, augment: true, seed: 1 });
    check(aug[0].x, 0.25, 0.25, "train");
  },
});

Deno.test({
  name: "imagenetBatches: a corrupt file stops the epoch with an error naming it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const bad = `${dir}/train/${train.wnids[1]}/zz_corrupt.JPEG`;
    Deno.writeFileSync(bad, new TextEncoder().encode("GIF89a? no."));
    try {
      const src = fileSource(await scanImagenet(dir, "train"));
      await rejects(collect(src, { size: 16, batchSize: 4, workers: 2 }), (e: Error) => {
        assert(e instanceof ImageDecodeError);
        assertEquals(e.file, bad);
        return true;
      });
    } finally {
      Deno.removeSync(bad);
    }
  },
});

Deno.test("imagenetBatches: cleanup", async () => {
  inProcess.close();
  await Deno.remove(dir, { recursive: true });
});

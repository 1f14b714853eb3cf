/**
 * Bench section "imagenet_loader": images/s of the ImageNet input pipeline (read JPEG, decode with
 * sharp, random-resized crop 224 + flip, normalise) on the calling thread and on 1, 2, … decoding
 * workers, and of the uint8 cache path (64-px records, crop + resize 56 in TypeScript), against
 * the images/s of one training step of ResNet-18 Bi-Real (BNN+) at 224 px on the current backend
 * (the step it must feed). The JPEGs are generated (noise-textured, 333–500 px, ~ImageNet's
 * typical size) so the section runs anywhere; real photos decode at a similar rate per pixel.
 *
 * Opt-in (`deno task bench --only imagenet_loader`): the training-step part builds and trains a
 * full-width ResNet-18 at batch 8; it is measured unless `--quick` (then only the loader rows).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { buildNetwork } from "../models.ts";
import { trainStep } from "../train.ts";
import { makeConfig } from "../experiments/config/config.ts";
import type { DecodePool, ImageSource } from "../data/imagenet/mod.ts";
import { registerBenchSection } from "./registry.ts";

/** The ImageNet modules, loaded on demand (they load sharp's native libvips). */
const imagenet = () => import("../data/imagenet/mod.ts");

async function imagesPerSecond(
  source: ImageSource,
  pool: DecodePool,
  size: number,
  batchSize: number,
): Promise<number> {
  // One warm-up batch (worker start-up, sharp load), then one full pass.
  const { imagenetBatches } = await imagenet();
  for await (const _ of imagenetBatches(source, { size, batchSize, augment: true, pool })) break;
  const t0 = performance.now();
  let n = 0;
  for await (
    const b of imagenetBatches(source, { size, batchSize, augment: true, pool, epoch: 1 })
  ) n += b.size;
  return n / ((performance.now() - t0) / 1000);
}

/** Training images/s of a model at batch `b` (one warm-up step, then `steps` timed ones). */
function trainImagesPerSecond(model: string, size: number, b: number, steps: number): number {
  const config = makeConfig({
    model: model as "resnet18_bireal",
    dataset: "imagenet",
    imageSize: size,
  });
  const net = buildNetwork(config, { inputShape: [size, size, 3], numClasses: 1000 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([b, size, size, 3], 0, 1, "float32", 1);
  const y = tf.tensor1d(Array.from({ length: b }, (_, i) => i), "int32");
  try {
    trainStep(net, { x, y }, { optimizer });
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) trainStep(net, { x, y }, { optimizer });
    return (b * steps) / ((performance.now() - t0) / 1000);
  } finally {
    tf.dispose([x, y]);
    net.dispose();
    optimizer.dispose();
  }
}

registerBenchSection({
  name: "imagenet_loader",
  optIn: true, // ~1–2 min on 2 cores: run with `deno task bench --only imagenet_loader`
  description: "ImageNet pipeline: images/s decoded + augmented (224 px) vs a ResNet-18 step",
  async run(ctx) {
    const {
      buildImagenetCache,
      DecodePool,
      fileSource,
      openImagenetCache,
      scanImagenet,
      writeSyntheticImagenet,
    } = await imagenet();
    const dir = await Deno.makeTempDir({ prefix: "bench_imagenet_" });
    const cores = navigator.hardwareConcurrency ?? 2;
    const perClass = ctx.quick ? 4 : 16;
    const pools: DecodePool[] = [];
    try {
      ctx.log(`imagenet_loader: writing ${4 * perClass} synthetic JPEGs (333–500 px) …`);
      await writeSyntheticImagenet(dir, {
        classes: 4,
        trainPerClass: perClass,
        valPerClass: 1,
        minSide: 333,
        maxSide: 500,
        grayEvery: 0,
        cmykEvery: 0,
      });
      const files = fileSource(await scanImagenet(dir, "train"));
      const rows: Record<string, string | number | null>[] = [];
      const r1 = (v: number) => Math.round(v * 10) / 10;
      for (const workers of [0, ...new Set([1, 2, cores].filter((w) => w <= cores))]) {
        const pool = new DecodePool(workers);
        pools.push(pool);
        ctx.log(`imagenet_loader: JPEG → 224, ${workers} worker(s) …`);
        rows.push({
          path: "JPEG → RRC 224 + flip",
          workers: workers === 0 ? "0 (calling thread)" : workers,
          images_per_s: r1(await imagesPerSecond(files, pool, 224, 16)),
        });
      }
      ctx.log("imagenet_loader: cache (64 px) → 56 …");
      const inProcess = pools[0];
      await buildImagenetCache(files, `${dir}/cache`, { size: 64, pool: inProcess });
      rows.push({
        path: "uint8 cache 64 → RRC 56 + flip",
        workers: "0 (calling thread)",
        images_per_s: r1(
          await imagesPerSecond(openImagenetCache(`${dir}/cache`), inProcess, 56, 16),
        ),
      });
      const notes = [
        `${cores} core(s); timings on a shared machine are noisy: compare rows of one run only.`,
        "Synthetic noise-textured JPEGs (quality 92) of 333–500 px; ImageNet's are ~400×350 on " +
        "average (mean file ~110 kB).",
      ];
      if (!ctx.quick) {
        ctx.log(
          `imagenet_loader: ResNet-18 Bi-Real training step at 224, batch 8 (${tf.getBackend()}) …`,
        );
        const train = trainImagesPerSecond("resnet18_bireal", 224, 8, 2);
        const best = Math.max(...rows.slice(0, -1).map((r) => Number(r.images_per_s)));
        rows.push({
          path: `training step: ResNet-18 Bi-Real BNN+ 224 px, batch 8 (tfjs-${tf.getBackend()})`,
          workers: null,
          images_per_s: r1(train),
        });
        notes.push(
          `The fastest JPEG row decodes ${r1(best / train)}× the images this backend trains per ` +
            "second. A GPU trains ResNet-18 at ~1000–3000 images/s: it needs about that many " +
            "decoded images/s, i.e. tens of decoding workers, or the cache.",
        );
      } else notes.push("--quick: training step not measured.");
      return { rows, notes };
    } finally {
      for (const p of pools) p.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

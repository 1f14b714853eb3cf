/**
 * The seeded ImageNet batch iterator. Like the CIFAR iterator (`batches`), an epoch's order is a
 * shuffle seeded by (seed, epoch) and every random choice of an example (its crop box and flip)
 * is seeded by (seed, epoch, position in the epoch), so `startBatch` resumes an epoch exactly and
 * the batches do not depend on the number of workers. Images are decoded lazily, batch by batch,
 * `prefetch` batches ahead, by a {@link DecodePool}.
 *
 * @module
 */
import { mulberry32, seedFrom, shuffleInPlace } from "../rng.ts";
import type { Batch } from "../batches.ts";
import type { DecodeItem, DecodeMode } from "./decode.ts";
import type { ImagenetIndex } from "./layout.ts";
import { DecodePool } from "./pool.ts";
import { IMAGENET_MEAN, IMAGENET_STD } from "./transform.ts";

/** Examples with labels whose pixels are decoded on demand: JPEG files or a cache. */
export interface ImageSource {
  /** What it is, for messages ("…/train (JPEG)", "cache …"). */
  description: string;
  /** Number of examples. */
  n: number;
  /** Label of each example. */
  labels: Uint16Array;
  /** Class wnids in label order. */
  wnids: string[];
  /** The decode item of example `i` in `mode` with random key `key`. */
  item(i: number, mode: DecodeMode, key: number): DecodeItem;
}

/** An {@link ImageSource} over the image files of a scanned ImageNet split. */
export function fileSource(index: ImagenetIndex): ImageSource {
  return {
    description: `${index.root}/${index.split} (image files, ${index.layout})`,
    n: index.files.length,
    labels: index.labels,
    wnids: index.wnids,
    item: (i, mode, key) => ({
      source: "file",
      path: `${index.root}/${index.files[i]}`,
      mode,
      key,
    }),
  };
}

/** Options of {@link imagenetBatches}. */
export interface ImagenetBatchOptions {
  /** Output side S: batches are `[n, S, S, 3]`. Default 224. */
  size?: number;
  /** Examples per batch. Default 64. */
  batchSize?: number;
  /** Run seed. Default 0. */
  seed?: number;
  /** Epoch; with `seed` it fixes the order, crops and flips. Default 0. */
  epoch?: number;
  /** `true`: random-resized crop + flip (training); `false` (default): centre crop (evaluation). */
  augment?: boolean;
  /** Shuffle each epoch. Default: `augment`. */
  shuffle?: boolean;
  /** Keep the first `subset` examples of every class (in source order). Default all. */
  subset?: number;
  /** First batch to produce (resume). Default 0. */
  startBatch?: number;
  /** Drop a last, smaller batch. Default false. */
  dropRemainder?: boolean;
  /** Per-channel normalisation of pixel/255. Default ImageNet's mean/std. */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /** Decode with this pool (kept open); otherwise one of `workers` workers is made and closed. */
  pool?: DecodePool;
  /** Workers of the pool made when `pool` is absent. Default: cores, at most 8. */
  workers?: number;
  /** Batches decoded ahead of the consumer. Default 2. */
  prefetch?: number;
}

/** The example indices a run uses: all, or the first `subset` of every class, ascending. */
export function selectExamples(source: ImageSource, subset?: number): Uint32Array {
  if (subset === undefined) return Uint32Array.from({ length: source.n }, (_, i) => i);
  if (!(Number.isInteger(subset) && subset > 0)) {
    throw new Error(`subset must be a positive integer (examples per class), got ${subset}`);
  }
  const taken = new Uint32Array(source.wnids.length);
  const out: number[] = [];
  for (let i = 0; i < source.n; i++) {
    const l = source.labels[i];
    if (taken[l] < subset) {
      taken[l]++;
      out.push(i);
    }
  }
  return Uint32Array.from(out);
}

/** Batches per epoch of {@link imagenetBatches} with these options (from batch 0). */
export function imagenetNumBatches(
  source: ImageSource,
  options: ImagenetBatchOptions = {},
): number {
  const n = selectExamples(source, options.subset).length, bs = options.batchSize ?? 64;
  return options.dropRemainder ? Math.floor(n / bs) : Math.ceil(n / bs);
}

/**
 * The random key of the example at `position` of epoch `epoch` under `seed` (its crop and flip
 * depend on nothing else).
 */
export function exampleKey(seed: number, epoch: number, position: number): number {
  return seedFrom([seed, epoch, position, 3]);
}

/**
 * Yields the batches of one epoch of `source`, decoded `prefetch` batches ahead. Deterministic in
 * (seed, epoch, options) and independent of the worker count; a decode error (corrupt file)
 * rejects with an `ImageDecodeError` naming the file.
 *
 * @example
 * ```ts
 * const train = fileSource(await scanImagenet("/data/imagenet", "train"));
 * using pool = new DecodePool(8);
 * for await (const b of imagenetBatches(train, { size: 224, batchSize: 256, augment: true, pool })) {
 *   // b.x: Float32Array [b.size, 224, 224, 3], b.y: Int32Array
 * }
 * ```
 */
export async function* imagenetBatches(
  source: ImageSource,
  options: ImagenetBatchOptions = {},
): AsyncGenerator<Batch> {
  const size = options.size ?? 224, bs = options.batchSize ?? 64;
  if (!(Number.isInteger(size) && size >= 8)) throw new Error(`size must be ≥ 8, got ${size}`);
  if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`batchSize must be ≥ 1, got ${bs}`);
  const seed = options.seed ?? 0, epoch = options.epoch ?? 0;
  const augment = options.augment ?? false;
  const order = selectExamples(source, options.subset);
  if (options.shuffle ?? augment) shuffleInPlace(order, mulberry32(seedFrom([seed, epoch, 1])));
  const total = options.dropRemainder
    ? Math.floor(order.length / bs)
    : Math.ceil(order.length / bs);
  const spec = {
    size,
    mean: options.normalize?.mean ?? IMAGENET_MEAN,
    std: options.normalize?.std ?? IMAGENET_STD,
  };
  const mode: DecodeMode = augment ? "train" : "eval";
  const pool = options.pool ?? new DecodePool(options.workers);
  const ahead = Math.max(1, options.prefetch ?? 2);
  const shape: [number, number, number] = [size, size, 3];
  const start = (b: number) => {
    const from = b * bs, n = Math.min(bs, order.length - from);
    const items: DecodeItem[] = [];
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const idx = order[from + i];
      y[i] = source.labels[idx];
      items.push(source.item(idx, mode, exampleKey(seed, epoch, from + i)));
    }
    const x = pool.decode(items, spec);
    x.catch(() => {}); // observed when awaited; avoids an unhandled rejection for prefetched ones
    return { x, y, n, b };
  };
  const queue: ReturnType<typeof start>[] = [];
  let next = options.startBatch ?? 0;
  try {
    while (queue.length > 0 || next < total) {
      while (queue.length < ahead && next < total) queue.push(start(next++));
      const job = queue.shift()!;
      yield { x: await job.x, y: job.y, size: job.n, shape, index: job.b, epoch };
    }
  } finally {
    if (!options.pool) pool.close();
  }
}

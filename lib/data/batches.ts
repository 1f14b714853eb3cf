/**
 * The seeded batch iterator: which examples (validation split, balanced subsets), in which order
 * (a shuffle derived from (seed, epoch)), and how they are turned into float32 (normalisation and
 * CIFAR augmentation derived from (seed, epoch, batch index)). A run resumes exactly at any
 * (epoch, batch) by passing `epoch` and `startBatch`.
 *
 * @module
 */
import { normalizationTable, writeExample } from "./augment.ts";
import type { Dataset } from "./dataset.ts";
import { mulberry32, randInt, seedFrom, shuffleInPlace } from "./rng.ts";

/** Which examples of a dataset a run uses; see {@link selectIndices}. */
export interface SelectOptions {
  /** Keep the first `subset` examples of every class (of the training part). Default: all. */
  subset?: number;
  /** Examples held out for validation: a count (≥ 1) or a fraction in (0, 1). Default 0. */
  validation?: number;
  /** "train" (default): the examples not held out; "validation": the held-out ones. */
  part?: "train" | "validation";
}

/** Options of {@link batches}. */
export interface BatchOptions extends SelectOptions {
  /** Examples per batch. Default 64. */
  batchSize?: number;
  /** Run seed. Default 0. */
  seed?: number;
  /** Epoch number; with `seed` it fixes the shuffle and augmentation. Default 0. */
  epoch?: number;
  /** Shuffle the examples each epoch. Default true. */
  shuffle?: boolean;
  /** CIFAR augmentation: zero-pad by `pad` (default 4), random crop back, random horizontal flip. */
  augment?: boolean | { pad?: number; flip?: boolean };
  /** `true` (default): per-channel (x/255 − mean)/std with the dataset's mean/std; `false`: x/255. */
  normalize?: boolean | { mean: number[]; std: number[] };
  /** First batch index to produce (resume). Default 0. */
  startBatch?: number;
  /** Drop a last, smaller batch. Default false. */
  dropRemainder?: boolean;
}

/** One batch: NHWC float32 pixels and int32 labels. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  /** Number of examples in this batch. */
  size: number;
  /** `[H, W, C]` of one example. */
  shape: [number, number, number];
  /** Batch index within the epoch. */
  index: number;
  /** Epoch number. */
  epoch: number;
}

/** Per-channel mean and standard deviation of pixel/255 over the whole dataset. */
export function channelStats(ds: Dataset): { mean: number[]; std: number[] } {
  if (ds.decodedPerClass !== undefined) {
    throw new Error(
      `channelStats: ${ds.name}/${ds.split} holds the pixels of only the first ` +
        `${ds.decodedPerClass} examples of every class; load it without firstPerClass`,
    );
  }
  const c = ds.shape[2];
  const hist = new Float64Array(c * 256);
  const img = ds.images;
  for (let i = 0; i < img.length; i += c) {
    for (let ch = 0; ch < c; ch++) hist[ch * 256 + img[i + ch]]++;
  }
  const mean: number[] = [], std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let n = 0, s = 0, s2 = 0;
    for (let v = 0; v < 256; v++) {
      const k = hist[ch * 256 + v], x = v / 255;
      n += k;
      s += k * x;
      s2 += k * x * x;
    }
    const m = s / n;
    mean.push(m);
    std.push(Math.sqrt(Math.max(0, s2 / n - m * m)));
  }
  return { mean, std };
}

/** The validation count for `validation` (count or fraction) out of `n` examples. */
function validationCount(validation: number, n: number): number {
  if (validation > 0 && validation < 1) return Math.round(validation * n);
  if (!Number.isInteger(validation) || validation < 0 || validation >= n) {
    throw new Error(
      `validation must be a fraction in (0,1) or an integer in [0, ${n}), got ` +
        `${validation}`,
    );
  }
  return validation;
}

/**
 * The dataset indices a run uses, ascending. The validation part is a fixed, seed-independent
 * random choice of examples (the same for every run on the same dataset size), so it never
 * leaks into training. `subset` then keeps the first N training examples of each class.
 */
export function selectIndices(ds: Dataset, options: SelectOptions = {}): Uint32Array {
  const v = validationCount(options.validation ?? 0, ds.n);
  const held = new Uint8Array(ds.n);
  if (v > 0) {
    const perm = shuffleInPlace(
      Uint32Array.from({ length: ds.n }, (_, i) => i),
      mulberry32(
        seedFrom([0x76616c, ds.n]),
      ),
    );
    for (let i = 0; i < v; i++) held[perm[i]] = 1;
  }
  const want = options.part === "validation" ? 1 : 0;
  if (options.part !== undefined && options.part !== "train" && options.part !== "validation") {
    throw new Error(`part must be "train" or "validation", got "${options.part}"`);
  }
  const out: number[] = [];
  const subset = want === 0 ? options.subset : undefined;
  if (subset !== undefined && !(Number.isInteger(subset) && subset > 0)) {
    throw new Error(`subset must be a positive integer (examples per class), got ${subset}`);
  }
  const decoded = ds.decodedPerClass;
  if (decoded !== undefined && (v > 0 || subset === undefined || subset > decoded)) {
    throw new Error(
      `${ds.name}/${ds.split} holds the pixels of only the first ${decoded} examples of every ` +
        `class; this selection (subset ${subset ?? "all"}, validation ${v}) needs others: load ` +
        "it without firstPerClass",
    );
  }
  const taken = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.n; i++) {
    if (held[i] !== want) continue;
    if (subset !== undefined) {
      if (taken[ds.labels[i]] >= subset) continue;
      taken[ds.labels[i]]++;
    }
    out.push(i);
  }
  if (subset !== undefined) {
    const short = taken.findIndex((t) => t < subset);
    if (short >= 0) {
      throw new Error(
        `subset ${subset} per class: class ${short} has only ${taken[short]} ` +
          `training examples in ${ds.name}/${ds.split}`,
      );
    }
  }
  return Uint32Array.from(out);
}

/** Number of batches {@link batches} yields per epoch (from batch 0). */
export function numBatches(ds: Dataset, options: BatchOptions = {}): number {
  const n = selectIndices(ds, options).length;
  const bs = options.batchSize ?? 64;
  return options.dropRemainder ? Math.floor(n / bs) : Math.ceil(n / bs);
}

const statsCache = new WeakMap<Dataset, { mean: number[]; std: number[] }>();

function lutFor(ds: Dataset, normalize: BatchOptions["normalize"]): Float32Array {
  const c = ds.shape[2];
  if (normalize === false) return normalizationTable(c);
  if (normalize && normalize !== true) return normalizationTable(c, normalize.mean, normalize.std);
  if (ds.mean && ds.std) return normalizationTable(c, ds.mean, ds.std);
  let st = statsCache.get(ds);
  if (!st) statsCache.set(ds, st = channelStats(ds));
  return normalizationTable(c, st.mean, st.std.map((s) => s > 0 ? s : 1));
}

/**
 * Yields the batches of one epoch. Deterministic in (seed, epoch, options): the order is a shuffle
 * seeded by (seed, epoch), and the crop/flip of batch b by (seed, epoch, b), so starting at
 * `startBatch` reproduces exactly the batches an uninterrupted epoch would give.
 */
export function* batches(ds: Dataset, options: BatchOptions = {}): Generator<Batch> {
  const bs = options.batchSize ?? 64;
  if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`batchSize must be ≥ 1, got ${bs}`);
  const seed = options.seed ?? 0, epoch = options.epoch ?? 0;
  const order = selectIndices(ds, options);
  if (options.shuffle ?? true) shuffleInPlace(order, mulberry32(seedFrom([seed, epoch, 1])));
  const aug = options.augment ?? false;
  const pad = aug === false ? 0 : aug === true ? 4 : aug.pad ?? 4;
  if (!(Number.isInteger(pad) && pad >= 0)) throw new Error(`augment.pad must be ≥ 0, got ${pad}`);
  const flipOn = aug === false ? false : aug === true ? true : aug.flip ?? true;
  const lut = lutFor(ds, options.normalize);
  const shape: [number, number, number] = [...ds.shape];
  const size = shape[0] * shape[1] * shape[2];
  const total = options.dropRemainder
    ? Math.floor(order.length / bs)
    : Math.ceil(order.length / bs);
  const crop = { dy: 0, dx: 0, pad, flip: false };
  for (let b = options.startBatch ?? 0; b < total; b++) {
    const start = b * bs, n = Math.min(bs, order.length - start);
    const x = new Float32Array(n * size), y = new Int32Array(n);
    const rng = mulberry32(seedFrom([seed, epoch, b, 2]));
    for (let i = 0; i < n; i++) {
      const idx = order[start + i];
      y[i] = ds.labels[idx];
      if (aug !== false) {
        crop.dy = randInt(rng, 2 * pad + 1);
        crop.dx = randInt(rng, 2 * pad + 1);
        crop.flip = flipOn && (rng() & 1) === 1;
      }
      writeExample(ds.images, idx * size, shape, x, i * size, lut, crop);
    }
    yield { x, y, size: n, shape, index: b, epoch };
  }
}

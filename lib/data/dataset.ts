/**
 * The in-memory dataset type (uint8 pixels, HWC) and a synthetic dataset for tests and benchmarks.
 *
 * @module
 */
import { mulberry32 } from "./rng.ts";

/** A split of a dataset held in memory as uint8 pixels in NHWC order. */
export interface Dataset {
  /** Dataset name, e.g. "cifar10". */
  name: string;
  /** Split name, e.g. "train" or "test". */
  split: string;
  /** Pixels, `n·H·W·C` bytes, example-major, then row, column, channel (HWC). */
  images: Uint8Array;
  /** One label per example, each in `[0, numClasses)`. */
  labels: Uint8Array;
  /** Number of examples. */
  n: number;
  /** `[H, W, C]` of one example. */
  shape: [number, number, number];
  /** Number of classes. */
  numClasses: number;
  /** Class names in label order. */
  classNames: string[];
  /** Per-channel mean of pixel/255 used by default normalisation. */
  mean?: number[];
  /** Per-channel standard deviation of pixel/255 used by default normalisation. */
  std?: number[];
  /** Directory or files the data was read from (absent for synthetic data). */
  source?: string;
  /**
   * Set when only the first `decodedPerClass` examples of every class (file order) have their
   * pixels (`loadDataset`'s `firstPerClass`); the others are zeros. Batching refuses to read
   * them.
   */
  decodedPerClass?: number;
}

/** Options of {@link syntheticDataset}. */
export interface SyntheticOptions {
  /** `[H, W, C]`; default `[32, 32, 3]`. */
  shape?: [number, number, number];
  /** Number of classes; default 10. Labels are `i % numClasses`. */
  numClasses?: number;
  /** Seed of the random pixels; default 0. */
  seed?: number;
  /** Name; default "synthetic". */
  name?: string;
  /** Split; default "train". */
  split?: string;
}

/**
 * A dataset of `n` examples with seeded random uint8 pixels and labels `i % numClasses`, for tests
 * and benchmarks. Deterministic in `seed`.
 */
export function syntheticDataset(n: number, options: SyntheticOptions = {}): Dataset {
  const shape = options.shape ?? [32, 32, 3];
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(n) || n < 0) throw new Error(`syntheticDataset: n must be ≥ 0, got ${n}`);
  if (!(numClasses >= 1 && numClasses <= 256)) {
    throw new Error(`syntheticDataset: numClasses must be in 1..256, got ${numClasses}`);
  }
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * size);
  const rng = mulberry32(options.seed ?? 0);
  const words = new Uint32Array(images.buffer, 0, Math.floor(images.length / 4));
  for (let i = 0; i < words.length; i++) words[i] = rng();
  for (let i = words.length * 4; i < images.length; i++) images[i] = rng() & 255;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % numClasses;
  return {
    name: options.name ?? "synthetic",
    split: options.split ?? "train",
    images,
    labels,
    n,
    shape,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => `class_${i}`),
  };
}

/**
 * The error thrown for malformed data files: names the file, the byte offset and what was expected.
 */
export function formatError(file: string, offset: number, message: string): Error {
  return new Error(`${file}: at byte offset ${offset}: ${message}`);
}

/** Number of examples per class (length `numClasses`). */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.n; i++) counts[ds.labels[i]]++;
  return counts;
}

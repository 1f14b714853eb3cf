/**
 * The data of a run: the train and test splits of the config's dataset, reduced to the config's
 * subset sizes by a fixed stratified sample (the same images for every run and seed, so grid
 * rows differ only in what they vary), and the tiny learnable "synthetic" dataset of the smoke
 * preset.
 *
 * @module
 */
import { type Dataset, loadDataset, syntheticDataset } from "../data/mod.ts";
import type { ExperimentConfig } from "./config.ts";

/** Seed of the subset sample: fixed, independent of the run's seed. */
export const SUBSET_SEED = 20181231;

/** Sizes of the synthetic dataset used by the smoke preset. */
export const SYNTHETIC_SIZES = { train: 256, test: 128, shape: [16, 16, 3] as [number, number, number] };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stratified sample of `n` examples of `ds` (each class keeps its share, ±1), in a seeded
 * random order of the original indices sorted back to ascending order. `n ≥ ds.n` returns `ds`.
 */
export function stratifiedSubset(ds: Dataset, n: number, seed = SUBSET_SEED): Dataset {
  if (!Number.isInteger(n) || n < 1) throw new Error(`subset: expected a positive integer, got ${n}`);
  if (n >= ds.n) return ds;
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.n; i++) byClass[ds.labels[i]].push(i);
  const rand = rng(seed);
  for (const idx of byClass) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  }
  // Largest-remainder allocation of n across classes.
  const quotas = byClass.map((c) => (c.length * n) / ds.n);
  const take = quotas.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, c) => [q - Math.floor(q), c]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, c] of order) {
    if (left === 0) break;
    if (take[c] < byClass[c].length) {
      take[c]++;
      left--;
    }
  }
  const chosen = byClass.flatMap((idx, c) => idx.slice(0, take[c])).sort((a, b) => a - b);
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Uint8Array(chosen.length * size);
  const labels = new Uint8Array(chosen.length);
  chosen.forEach((src, i) => {
    images.set(ds.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = ds.labels[src];
  });
  return { ...ds, images, labels, n: chosen.length };
}

/**
 * A small learnable dataset for smoke tests: each class has a fixed random 16×16×3 pattern, and
 * every example is its class pattern blended with seeded noise (labels `i % classes`).
 */
export function learnableSynthetic(n: number, split: "train" | "test", numClasses = 4): Dataset {
  const shape = SYNTHETIC_SIZES.shape;
  const noise = syntheticDataset(n, { shape, numClasses, seed: split === "train" ? 1 : 2, split });
  const patterns = syntheticDataset(numClasses, { shape, numClasses, seed: 99 });
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    const c = noise.labels[i];
    for (let k = 0; k < size; k++) {
      images[i * size + k] = (patterns.images[c * size + k] * 3 + noise.images[i * size + k] * 2) / 5;
    }
  }
  return { ...noise, name: "synthetic", images };
}

/** Options of {@link loadRunData}. */
export interface RunDataOptions {
  /** Data folder passed to `loadDataset` (default: the data module's). */
  dataDir?: string;
}

/** The train and test splits of `config` (subsets applied). */
export async function loadRunData(
  config: Pick<ExperimentConfig, "dataset" | "trainSubset" | "testSubset">,
  options: RunDataOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  let train: Dataset;
  let test: Dataset;
  if (config.dataset === "synthetic") {
    train = learnableSynthetic(SYNTHETIC_SIZES.train, "train");
    test = learnableSynthetic(SYNTHETIC_SIZES.test, "test");
  } else {
    train = await loadDataset(config.dataset, { dataDir: options.dataDir, split: "train" });
    test = await loadDataset(config.dataset, { dataDir: options.dataDir, split: "test" });
  }
  if (config.trainSubset !== null) train = stratifiedSubset(train, config.trainSubset);
  if (config.testSubset !== null) test = stratifiedSubset(test, config.testSubset);
  return { train, test };
}

/** Number of training examples of a config without loading the data (for ETAs and dry runs). */
export function trainSize(config: Pick<ExperimentConfig, "dataset" | "trainSubset">): number {
  const full = { cifar10: 50000, mnist: 60000, "fashion-mnist": 60000, synthetic: SYNTHETIC_SIZES.train }[
    config.dataset
  ];
  return Math.min(full, config.trainSubset ?? full);
}

/** Number of test examples of a config without loading the data. */
export function testSize(config: Pick<ExperimentConfig, "dataset" | "testSubset">): number {
  const full = { cifar10: 10000, mnist: 10000, "fashion-mnist": 10000, synthetic: SYNTHETIC_SIZES.test }[
    config.dataset
  ];
  return Math.min(full, config.testSubset ?? full);
}

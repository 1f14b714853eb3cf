/**
 * The data of a run: the train and test splits of the config's dataset, the per-class subset
 * sizes that implement the config's `trainSubset` / `testSubset` (the data module's `subset`: the
 * first N examples of every class, so every run and seed sees the same images and grid rows differ
 * only in what they vary), and the tiny learnable "synthetic" dataset of the smoke preset.
 *
 * @module
 */
import {
  type Batch,
  batches,
  channelStats,
  type Dataset,
  loadDataset,
  numBatches,
  syntheticDataset,
} from "../../data/mod.ts";
import type { ExperimentConfig } from "../config/config.ts";
import { datasetSpec, IMAGENET, imagenetShape } from "../../data/specs.ts";
import type { ModelDataShape } from "../../models.ts";

/** Sizes of the synthetic dataset used by the smoke preset. */
export const SYNTHETIC_SIZES = {
  train: 256,
  test: 128,
  classes: 4,
  shape: [16, 16, 3] as [number, number, number],
};

/**
 * Input shape and classes of a run's dataset without loading it: the spec in `lib/data/specs.ts`
 * (the one place shapes are written; ImageNet's at side `imageSize`, default 224), or
 * {@link SYNTHETIC_SIZES} for the synthetic stand-in.
 */
export function dataShape(
  dataset: ExperimentConfig["dataset"],
  imageSize?: number,
): ModelDataShape {
  if (dataset === "synthetic") {
    return { inputShape: SYNTHETIC_SIZES.shape, numClasses: SYNTHETIC_SIZES.classes };
  }
  if (dataset === "imagenet") {
    return { inputShape: imagenetShape(imageSize), numClasses: IMAGENET.numClasses };
  }
  const spec = datasetSpec(dataset);
  return { inputShape: [...spec.shape], numClasses: spec.numClasses };
}

/**
 * A small learnable dataset for smoke tests: each class has a fixed random 16×16×3 pattern, and
 * every example is its class pattern blended with seeded noise (labels `i % classes`).
 */
export function learnableSynthetic(
  n: number,
  split: "train" | "test",
  numClasses = SYNTHETIC_SIZES.classes,
): Dataset {
  const shape = SYNTHETIC_SIZES.shape;
  const noise = syntheticDataset(n, { shape, numClasses, seed: split === "train" ? 1 : 2, split });
  const patterns = syntheticDataset(numClasses, { shape, numClasses, seed: 99 });
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    const c = noise.labels[i];
    for (let k = 0; k < size; k++) {
      images[i * size + k] = (patterns.images[c * size + k] * 3 + noise.images[i * size + k] * 2) /
        5;
    }
  }
  return { ...noise, name: "synthetic", images };
}

/** Options of {@link loadRunData}. */
export interface RunDataOptions {
  /** Data folder passed to `loadDataset` (default: the data module's). */
  dataDir?: string;
}

/**
 * The train and test splits of `config`'s dataset (subsets are applied by batching). With
 * `trainSubset` / `testSubset` given, only the examples they select have their pixels decoded
 * (`loadDataset`'s `firstPerClass`; labels and counts are those of the full splits).
 */
export async function loadRunData(
  config:
    & Pick<ExperimentConfig, "dataset">
    & Partial<Pick<ExperimentConfig, "trainSubset" | "testSubset">>,
  options: RunDataOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  if (config.dataset === "synthetic") {
    return {
      train: learnableSynthetic(SYNTHETIC_SIZES.train, "train"),
      test: learnableSynthetic(SYNTHETIC_SIZES.test, "test"),
    };
  }
  const opts = { dataDir: options.dataDir, quiet: true };
  // Only the examples the run reads get their pixels decoded (the first N of every class).
  return {
    train: await loadDataset(config.dataset, {
      ...opts,
      split: "train",
      firstPerClass: perClassSubset(config.dataset, config.trainSubset ?? null),
    }),
    test: await loadDataset(config.dataset, {
      ...opts,
      split: "test",
      firstPerClass: testPerClass({
        dataset: config.dataset,
        testSubset: config.testSubset ?? null,
      }),
    }),
  };
}

/** Full split sizes and classes of a dataset (from `lib/data/specs.ts`, or the synthetic sizes). */
function fullSizes(
  dataset: ExperimentConfig["dataset"],
): { train: number; test: number; classes: number } {
  if (dataset === "synthetic") return SYNTHETIC_SIZES;
  const spec = dataset === "imagenet" ? IMAGENET : datasetSpec(dataset);
  return { ...spec.records, classes: spec.numClasses };
}

/**
 * The data module's `subset` (examples per class) for a total of `n` examples, or undefined for
 * all. `n` is rounded down to a multiple of the number of classes.
 */
export function perClassSubset(
  dataset: ExperimentConfig["dataset"],
  n: number | null,
): number | undefined {
  if (n === null) return undefined;
  const f = fullSizes(dataset);
  if (n >= (f.train)) return undefined;
  return Math.max(1, Math.floor(n / f.classes));
}

/** Number of classes of a dataset (without loading it). */
export function numClasses(dataset: ExperimentConfig["dataset"]): number {
  return fullSizes(dataset).classes;
}

/** Number of training examples of a config without loading the data (for ETAs and dry runs). */
export function trainSize(config: Pick<ExperimentConfig, "dataset" | "trainSubset">): number {
  const f = fullSizes(config.dataset);
  const per = perClassSubset(config.dataset, config.trainSubset);
  return per === undefined ? f.train : per * f.classes;
}

/** Test examples per class a config evaluates on (the first N of every class), or undefined for all. */
export function testPerClass(
  config: Pick<ExperimentConfig, "dataset" | "testSubset">,
): number | undefined {
  const f = fullSizes(config.dataset);
  return config.testSubset === null || config.testSubset >= f.test
    ? undefined
    : Math.max(1, Math.floor(config.testSubset / f.classes));
}

/** Number of test examples of a config without loading the data. */
export function testSize(config: Pick<ExperimentConfig, "dataset" | "testSubset">): number {
  const per = testPerClass(config);
  return per === undefined
    ? fullSizes(config.dataset).test
    : per * fullSizes(config.dataset).classes;
}

/** Per-channel mean/std of the training set (the dataset's published values when it has them). */
export function trainNormalization(train: Dataset): { mean: number[]; std: number[] } {
  const norm = train.mean && train.std ? { mean: train.mean, std: train.std } : channelStats(train);
  return { mean: norm.mean, std: norm.std.map((s) => (s > 0 ? s : 1)) };
}

/**
 * The test batches of a run, as typed arrays for `evaluate`: the first testSubset/classes examples
 * of every class (all when null), in file order, normalised with `normalize`.
 */
export function* testBatches(
  ds: Dataset,
  config: ExperimentConfig,
  normalize: { mean: number[]; std: number[] },
): Generator<{ x: Float32Array; y: Int32Array }> {
  // Test examples: the first testSubset/classes of every class (all when null), in file order.
  const per = config.testSubset === null || config.testSubset >= ds.n
    ? undefined
    : Math.max(1, Math.floor(config.testSubset / ds.numClasses));
  for (
    const b of batches(ds, {
      batchSize: config.batchSize,
      shuffle: false,
      augment: false,
      normalize,
      subset: per,
    })
  ) {
    yield { x: b.x, y: b.y };
  }
}

/**
 * The batches of a run, whatever the dataset: in-memory datasets (CIFAR-10, MNIST, synthetic)
 * through `batches`, ImageNet streamed from files or a cache through `imagenetBatches`.
 */
export interface RunData {
  /** `[H, W, C]` of one example. */
  inputShape: [number, number, number];
  /** Number of classes. */
  numClasses: number;
  /** Training batches per epoch. */
  stepsPerEpoch: number;
  /** The training batches of `epoch` from `startBatch` (seeded by the config's seed). */
  trainBatches(epoch: number, startBatch: number): Iterable<Batch> | AsyncIterable<Batch>;
  /** The test batches (fixed order, no augmentation). */
  testBatches(): Iterable<{ x: Float32Array; y: Int32Array }> | AsyncIterable<Batch>;
  /** What the data is (for logs). */
  description: string;
  /** Releases decoding workers. */
  close(): void;
}

/** Options of {@link openRunData}. */
export interface OpenRunDataOptions extends RunDataOptions {
  /**
   * ImageNet decoding workers; default `$BNN_DECODE_WORKERS`, else `$SLURM_CPUS_PER_TASK`, else
   * the cores (at most 8).
   */
  decodeWorkers?: number;
}

/** Opens the data of `config` as a {@link RunData}. */
export async function openRunData(
  config: ExperimentConfig,
  options: OpenRunDataOptions = {},
): Promise<RunData> {
  if (config.dataset === "imagenet") {
    // Loaded on demand: the ImageNet modules load sharp's native libvips, which nothing else needs.
    const { DecodePool, imagenetBatches, imagenetNumBatches } = await import(
      "../../data/imagenet/mod.ts"
    );
    const { openImagenet } = await import("../../data/imagenet/locate.ts");
    const data = await openImagenet(options.dataDir);
    // Workers: $BNN_DECODE_WORKERS, else the CPUs Slurm gave this task, else the cores (≤ 8).
    const envWorkers = Number(
      Deno.env.get("BNN_DECODE_WORKERS") ?? Deno.env.get("SLURM_CPUS_PER_TASK") ?? NaN,
    );
    const pool = new DecodePool(
      options.decodeWorkers ?? (Number.isInteger(envWorkers) ? envWorkers : undefined),
    );
    const size = config.imageSize ?? IMAGENET.defaultImageSize;
    const trainSubset = perClassSubset("imagenet", config.trainSubset);
    const testPer = config.testSubset === null || config.testSubset >= IMAGENET.records.test
      ? undefined
      : Math.max(1, Math.floor(config.testSubset / data.val.wnids.length));
    const common = { size, batchSize: config.batchSize, pool };
    return {
      inputShape: imagenetShape(size),
      numClasses: data.train.wnids.length,
      stepsPerEpoch: imagenetNumBatches(data.train, { ...common, subset: trainSubset }),
      trainBatches: (epoch, startBatch) =>
        imagenetBatches(data.train, {
          ...common,
          seed: config.seed,
          epoch,
          startBatch,
          augment: config.augment,
          shuffle: true,
          subset: trainSubset,
        }),
      testBatches: () => imagenetBatches(data.val, { ...common, augment: false, subset: testPer }),
      description: data.cached
        ? `ImageNet cache ${data.dir} (${data.cacheSize} px)`
        : `ImageNet ${data.dir}`,
      close: () => pool.close(),
    };
  }
  const { train, test } = await loadRunData(config, options);
  const normalize = trainNormalization(train); // train and test use the train statistics
  const subset = perClassSubset(config.dataset, config.trainSubset);
  return {
    inputShape: train.shape,
    numClasses: train.numClasses,
    stepsPerEpoch: numBatches(train, { batchSize: config.batchSize, subset }),
    trainBatches: (epoch, startBatch) =>
      batches(train, {
        batchSize: config.batchSize,
        seed: config.seed,
        epoch,
        shuffle: true,
        augment: config.augment,
        normalize,
        subset,
        startBatch, // resume inside an epoch: same order, same augmentation
      }),
    testBatches: () => testBatches(test, config, normalize),
    description: `${config.dataset} ${train.source ?? ""}`.trim(),
    close: () => {},
  };
}

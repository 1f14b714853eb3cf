/**
 * Presets: named grids with a base config, a default number of seeds and an honest description
 * of what their numbers are.
 *
 * - `smoke`: the whole ablation grid on a tiny synthetic dataset with a tiny VGG-small, in well
 *   under 2 minutes; used by tests and notebook CI. Its accuracies mean nothing.
 * - `quick`: the whole grid on real CIFAR-10 at reduced scale (see {@link QUICK_BASE}), sized to
 *   finish in under an hour on a 2-core machine with 2 workers (wasm backend), 2 seeds.
 * - `paper`: paper scale (full CIFAR-10, full widths, 200 epochs, 3 seeds) on VGG-small, plus the
 *   headline rows on AlexNet and the DoReFa net. For machines with tfjs-node or much more time.
 *
 * @module
 */
import type { ExperimentConfig } from "./config.ts";
import { ablationGrid, expandGrid, filterRuns, type GridEntry, type RunSpec } from "./grid.ts";

/** A named grid. */
export interface Preset {
  name: string;
  /** One line: what the preset is for. */
  description: string;
  /** Config fields shared by every run of the preset (on top of the defaults). */
  base: Partial<ExperimentConfig>;
  /** Grid entries (before seeds). */
  entries: GridEntry[];
  /** Default number of seeds (seeds 0 … K−1). */
  seeds: number;
  /** Lines for the table header: what the numbers are and are not. */
  notes: string[];
}

/**
 * Base of the `quick` preset, chosen from measured step times on the wasm backend of the 2-core
 * project machine (see README, "Reproducing the paper"): VGG-small at width 0.125
 * (16-16-32-32-64-64 convs, FC 128-128), 9 000 training images (the first 900 of every class),
 * 5 000 test images (500 per class), batch 100, 2 epochs, Adam lr 1e-2 with cosine decay to 1e-4
 * (the short schedule needs a larger lr than the paper-scale 1e-3: measured 29.3 % vs 23.4 % test
 * accuracy for the BNN+ default after 2 epochs), crop+flip augmentation: 180 steps per run,
 * ~2 min of CPU per run, ~40–46 min for the 40 runs on 2 workers.
 */
export const QUICK_BASE: Partial<ExperimentConfig> = {
  model: "vgg_small",
  width: 0.125,
  dataset: "cifar10",
  trainSubset: 9000,
  testSubset: 5000,
  batchSize: 100,
  epochs: 2,
  lr: 1e-2,
  augment: true,
};

/**
 * Rows of the `standard` preset: the baselines and the paper's three ablation axes (regularizer
 * type, scale factor α, backward estimator/β), each varied once around the BNN+ default. The
 * headline rows (BNN+ default, BNN) run every seed of the preset; the others
 * {@link STANDARD_OTHER_SEEDS}.
 */
export const STANDARD_ROWS: readonly string[] = [
  "BNN+ (default)",
  "full precision",
  "BNN (ste, no α, no R)",
  "XNOR-style (ste, fixed mean|W| α)",
  "reg=none",
  "reg=manhattan",
  "α=none",
  "α=fixed/channel",
  "α=trainable/layer",
  "act=ste_sign",
  "act=swish_sign β=1",
  "act=swish_sign β=2",
  "act=swish_sign β=10",
];
/**
 * Row labels the tables' paired differences refer to (per model: "AlexNet: BNN+ (default)" …).
 */
export const REFERENCE_ROWS = {
  default: "BNN+ (default)",
  baseline: "BNN (ste, no α, no R)",
} as const;
/** The rows of `standard` that get all of its seeds (the paired tests' references). */
export const HEADLINE_ROWS: readonly string[] = [REFERENCE_ROWS.default, REFERENCE_ROWS.baseline];
/** Seeds of the non-headline rows of `standard`. */
export const STANDARD_OTHER_SEEDS = 2;

/**
 * Entries of `standard` that are the BNN+ default seen from an axis: they merge into the default
 * row, which then appears in each axis' table.
 */
export const STANDARD_DEFAULT_ALIASES: readonly string[] = [
  "reg=euclidean",
  "α=trainable/channel",
  "act=swish_sign β=5",
];

function standardGrid(): GridEntry[] {
  const all = ablationGrid();
  return [...STANDARD_ROWS, ...STANDARD_DEFAULT_ALIASES].map((label) => {
    const e = all.find((x) => x.label === label);
    if (!e) throw new Error(`standard preset: no grid entry '${label}'`);
    return HEADLINE_ROWS.includes(label) ? e : { ...e, seeds: STANDARD_OTHER_SEEDS };
  });
}

/**
 * Base of the `standard` preset: the whole CIFAR-10 training set (50 000 images) and test set
 * (10 000), VGG-small ×0.125, batch 128, crop+flip, Adam with cosine decay per step from 1e-2 to
 * 1e-4 (Adam: Kingma & Ba 2015; cosine annealing without restarts: Loshchilov & Hutter, SGDR,
 * ICLR 2017; Adam at lr 1e-2 with decay for binary nets on CIFAR-10: Bethge et al., BMXNet-v2 /
 * "Back to Simplicity", 2019; the 2-epoch measurement of {@link QUICK_BASE} favoured 1e-2 over 1e-3
 * at short schedules). Epochs sized from measured step time so that the grid finishes in
 * ≤ 150 min on the 2-core project machine (see `docs/statistics.md`, "Sizing `standard`").
 */
export const STANDARD_BASE: Partial<ExperimentConfig> = {
  model: "vgg_small",
  width: 0.125,
  dataset: "cifar10",
  trainSubset: null,
  testSubset: null,
  batchSize: 128,
  epochs: 8,
  lr: 1e-2,
  lrSchedule: "cosine",
  lrFinalFactor: 1e-2,
  augment: true,
};

/**
 * Base of the `long` preset: between `standard` and `paper`. VGG-small ×0.5 (64-64-128-128-256-256
 * convs, FC 512-512: about ¼ of the paper net's multiply-adds; see docs/statistics.md for the
 * measured cost), full CIFAR-10, 100 epochs, Adam 1e-3 → 1e-5 cosine (the reproduction defaults
 * of the paper notes), batch 128. For a workstation with tfjs-node/a GPU or a small Slurm cluster.
 */
export const LONG_BASE: Partial<ExperimentConfig> = {
  model: "vgg_small",
  width: 0.5,
  dataset: "cifar10",
  trainSubset: null,
  testSubset: null,
  batchSize: 128,
  epochs: 100,
  lr: 1e-3,
  lrSchedule: "cosine",
  lrFinalFactor: 1e-2,
  augment: true,
};

function headline(model: "alexnet" | "dorefa", name: string): GridEntry[] {
  return ablationGrid({ lambdas: [], betas: [], kernelSwish: false })
    .filter((e) => e.axis === "baseline")
    .map((e) => ({
      axis: "model",
      label: `${name}: ${e.label}`,
      overrides: { ...e.overrides, model },
    }));
}

/**
 * The ImageNet grid: on AlexNet (the paper's ImageNet network) the baselines BNN and XNOR-style,
 * full precision, the BNN+ default, and the three BNN+ ablation axes at the headline settings
 * (regularizer none/Manhattan/Euclidean; α none/fixed/trainable per channel; backward STE /
 * SignSwish β = 5 / β = 10 with fixed β, as in the paper's ImageNet runs); on ResNet-18 with
 * Bi-Real shortcuts the four baseline rows as a modern reference.
 */
export function imagenetEntries(): GridEntry[] {
  const axes = ablationGrid({ lambdas: [], betas: [5, 10], kernelSwish: false }).filter((e) =>
    !(e.axis === "scale" && e.overrides.scaleShape === "layer") &&
    e.overrides.inputQuantizer !== "approx_sign" && e.overrides.trainableBeta !== true
  );
  const alex = axes.map((e) => ({
    ...e,
    label: `AlexNet: ${e.label}`,
    overrides: { ...e.overrides, model: "alexnet_imagenet" as const },
  }));
  const resnet = axes.filter((e) => e.axis === "baseline").map((e) => ({
    axis: "model",
    label: `ResNet-18 Bi-Real: ${e.label}`,
    overrides: { ...e.overrides, model: "resnet18_bireal" as const },
  }));
  return [...alex, ...resnet];
}

/** The base of the ImageNet presets (AlexNet, all of ILSVRC-2012, 45 epochs of Adam). */
const IMAGENET_BASE = {
  model: "alexnet_imagenet",
  width: 1,
  dataset: "imagenet",
  trainSubset: null,
  testSubset: null,
  batchSize: 256,
  epochs: 45,
  lr: 1e-3,
  augment: true,
} as const;

/** The presets by name. */
export const PRESETS: Readonly<Record<string, Preset>> = {
  smoke: {
    name: "smoke",
    description: "whole grid, tiny synthetic data and a tiny VGG-small (tests, notebook CI)",
    base: {
      model: "vgg_small",
      width: 1 / 16,
      dataset: "synthetic",
      trainSubset: null,
      testSubset: null,
      batchSize: 32,
      epochs: 3,
      augment: false,
    },
    entries: ablationGrid(),
    seeds: 1,
    notes: [
      "Smoke test only: a 1/16-width VGG-small on a tiny synthetic dataset for 3 epochs.",
      "These accuracies say nothing about BNN+; they only show that every grid row trains.",
    ],
  },
  quick: {
    name: "quick",
    description: "whole grid on real CIFAR-10 at reduced scale, < 1 h on 2 cores (wasm)",
    base: QUICK_BASE,
    entries: ablationGrid(),
    seeds: 2,
    notes: [
      "Reduced scale: VGG-small at width 0.125, 9 000 training images (first 900 per class),",
      "2 epochs (Adam lr 1e-2, cosine), test accuracy on 5 000 test images (first 500 per class)",
      "after the last epoch.",
      "These are NOT the paper's numbers and are not comparable to them: the paper trains the",
      "full-width networks on all 50 000 images for ~200 epochs. Use the rows to compare",
      "ablation settings against each other: read the 95 % CIs and the paired differences, not",
      "the means alone (2 seeds: a row's CI is ± 9 std). A 2-epoch ranking is a hypothesis: see",
      "ranking stability (notebook 08) and the `standard` preset.",
    ],
  },
  standard: {
    name: "standard",
    description:
      "paper's three ablation axes + baselines on all of CIFAR-10, VGG-small ×0.125, ≤ 150 min on 2 cores",
    base: STANDARD_BASE,
    entries: standardGrid(),
    seeds: 3,
    notes: [
      "Standard scale: VGG-small at width 0.125 on all 50 000 training images, test accuracy on",
      "the full 10 000-image test set after the last epoch; Adam lr 1e-2 → 1e-4 cosine, batch 128.",
      "3 seeds for BNN+ (default) and BNN, 2 for the other rows; paired differences use the seeds",
      "both rows share. Still far from the paper's scale (full width, ~200 epochs): use it to",
      "compare rows, and read the confidence intervals before the means.",
    ],
  },
  long: {
    name: "long",
    description:
      "all rows, full CIFAR-10, VGG-small ×0.5, 100 epochs, 3 seeds (workstation / small cluster)",
    base: LONG_BASE,
    entries: ablationGrid(),
    seeds: 3,
    notes: [
      "Long scale: VGG-small at width 0.5, all of CIFAR-10, 100 epochs (Adam 1e-3 → 1e-5 cosine).",
      "Between `standard` and `paper`: closer to the paper's recipe, still half its width and",
      "epochs; not comparable to the paper's published numbers.",
    ],
  },
  paper: {
    name: "paper",
    description:
      "paper scale: full CIFAR-10, full widths, 200 epochs, 3 seeds (needs big hardware)",
    base: {
      model: "vgg_small",
      width: 1,
      dataset: "cifar10",
      trainSubset: null,
      testSubset: null,
      batchSize: 128,
      epochs: 200,
      augment: true,
    },
    entries: [
      ...ablationGrid(),
      ...headline("alexnet", "AlexNet"),
      ...headline("dorefa", "DoReFa"),
    ],
    seeds: 3,
    notes: [
      "Paper scale (full CIFAR-10, full-width networks, 200 epochs, Adam with cosine decay).",
      "The paper's own training settings (λ, schedule, epochs) were not retrievable; ours are",
      "documented choices, so differences to the paper's numbers are expected.",
    ],
  },
  imagenet: {
    name: "imagenet",
    description:
      "ImageNet (ILSVRC-2012) AlexNet: BNN, XNOR-style, BNN+ and its 3 axes; ResNet-18 Bi-Real " +
      "baselines (needs the data and GPUs or a cluster)",
    base: { ...IMAGENET_BASE, imageSize: 224 },
    entries: imagenetEntries(),
    seeds: 1,
    notes: [
      "ImageNet ILSVRC-2012, 1.28 M training images (random-resized crop 224 + flip), top-1 on",
      "the 50 000 validation images (0.875 centre crop); 45 epochs of Adam (lr 1e-3, cosine), our",
      "choice: the paper's ImageNet schedule was not retrieved.",
      "The paper's ImageNet claim (abstracts v1, v2): with AlexNet, BNN+ beats BNN by 4 points",
      "and XNOR-Net by 2 points top-1. With the usual baselines (XNOR-Net 44.2; BNN 41.8 per",
      "Hubara et al., 41.2 per FDA-BNN) that puts BNN+ near 46 % top-1 (derived, not a",
      "published number). Full-precision references (FDA-BNN, Table 5): AlexNet 56.6 / 80.2,",
      "ResNet-18 69.6 / 89.2 top-1 / top-5; BinaryNet ResNet-18 42.2, XNOR-Net ResNet-18 51.2.",
      "One seed by default: the seed spread of ImageNet runs is ~0.1–0.3 points, below the",
      "claimed gaps, but state it when comparing rows.",
    ],
  },
  "imagenet-112": {
    name: "imagenet-112",
    description: "the imagenet grid at 112 px, for repeated ablations from a 128-px cache " +
      "(deno task imagenet:cache --size 128)",
    base: { ...IMAGENET_BASE, imageSize: 112 },
    entries: imagenetEntries(),
    seeds: 1,
    notes: [
      "ImageNet at 112 px (random-resized crops of 128-px cached images; 0.875 centre crop of",
      "the cached image for evaluation), same grid and schedule as the imagenet preset.",
      "About 4× cheaper per step than 224 px, and NOT comparable to the paper's 224-px numbers",
      "(AlexNet's last feature map is 2×2 instead of 6×6); use it to compare rows with each",
      "other. The paper's ImageNet claim: BNN+ beats BNN by 4 and XNOR-Net by 2 points top-1",
      "(AlexNet, 224 px).",
    ],
  },
};

/** The preset `name`, or one error listing the known presets. */
export function getPreset(name: string): Preset {
  const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!p) {
    throw new Error(
      `preset: unknown name '${name}'; expected one of ${Object.keys(PRESETS).join(", ")}`,
    );
  }
  return p;
}

/** Options of {@link planPreset}. */
export interface PlanOptions {
  /** Number of seeds (seeds 0 … K−1); default: the preset's. */
  seeds?: number;
  /** Keep only runs matching this pattern (see `filterRuns`). */
  only?: string;
}

/** The runs of a preset: its grid expanded over seeds, deduplicated, filtered by `only`. */
export async function planPreset(name: string, options: PlanOptions = {}): Promise<RunSpec[]> {
  const preset = getPreset(name);
  const k = options.seeds ?? preset.seeds;
  if (!Number.isInteger(k) || k < 1 || k > 1000) {
    throw new Error(`--seeds: expected an integer from 1 to 1000, got ${options.seeds}`);
  }
  const runs = await expandGrid(preset.entries, {
    base: preset.base,
    seeds: Array.from({ length: k }, (_, i) => i),
  });
  return filterRuns(runs, options.only);
}

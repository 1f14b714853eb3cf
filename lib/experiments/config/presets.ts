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

function headline(model: "alexnet" | "dorefa", name: string): GridEntry[] {
  return ablationGrid({ lambdas: [], betas: [], kernelSwish: false })
    .filter((e) => e.axis === "baseline")
    .map((e) => ({
      axis: "model",
      label: `${name}: ${e.label}`,
      overrides: { ...e.overrides, model },
    }));
}

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
      "ablation settings against each other, keeping the seed spread (± std) in mind.",
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

/**
 * Time estimates for `reproduce --dry-run`: measures the training-step time of each distinct
 * model shape of a plan on the current backend (random data of the right shape, one warm-up step
 * then a few timed steps), and extrapolates to the whole plan on N workers.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { buildModel } from "../models.ts";
import { trainStep } from "../train.ts";
import { SYNTHETIC_SIZES, testSize, trainSize } from "./data_setup.ts";
import type { RunSpec } from "./grid.ts";
import { formatDuration } from "./progress.ts";

/** Input shape and classes of a dataset name. */
export function dataShape(
  dataset: string,
): { inputShape: [number, number, number]; numClasses: number } {
  if (dataset === "synthetic") return { inputShape: SYNTHETIC_SIZES.shape, numClasses: 4 };
  if (dataset === "cifar10") return { inputShape: [32, 32, 3], numClasses: 10 };
  return { inputShape: [28, 28, 1], numClasses: 10 };
}

/** Seconds per training step of `run`'s model at its batch size (median of `steps`). */
export function measureStep(run: RunSpec, steps = 3): number {
  const { config } = run;
  const shape = dataShape(config.dataset);
  const model = buildModel(config, shape);
  const optimizer = tf.train.adam(config.lr);
  const x = tf.randomNormal([config.batchSize, ...shape.inputShape], 0, 1, "float32", 1);
  const y = tf.tensor1d(
    Array.from({ length: config.batchSize }, (_, i) => i % shape.numClasses),
    "int32",
  );
  try {
    trainStep(model, { x, y }, { optimizer });
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      trainStep(model, { x, y }, { optimizer });
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** A plan's estimate. */
export interface PlanEstimate {
  /** Estimated seconds of each run (same order as the plan). */
  perRun: number[];
  /** Estimated wall seconds on `workers` workers. */
  wallSeconds: number;
  /** Measured seconds per step, by cost class. */
  stepSeconds: Record<string, number>;
}

function costClass(r: RunSpec): string {
  const c = r.config;
  const fp = c.inputQuantizer === "none" ? "fp" : "bin";
  return `${c.model} ×${c.width} ${c.dataset} b${c.batchSize} ${fp}`;
}

/**
 * Estimates a plan: one measured step time per cost class (model, width, dataset, batch,
 * binary or not); evaluation counted at a third of a training step per test batch; wall time by
 * greedy assignment of runs to `workers` (longest first).
 */
export function estimatePlan(runs: RunSpec[], workers: number): PlanEstimate {
  const stepSeconds: Record<string, number> = {};
  for (const r of runs) {
    const k = costClass(r);
    if (stepSeconds[k] === undefined) stepSeconds[k] = measureStep(r);
  }
  const perRun = runs.map((r) => {
    const c = r.config;
    const step = stepSeconds[costClass(r)];
    const train = Math.ceil(trainSize(c) / c.batchSize) * step;
    const evalS = Math.ceil(testSize(c) / c.batchSize) * step / 3;
    return c.epochs * (train + evalS) + 3; // + process start and data loading
  });
  const loads = new Array<number>(Math.max(1, workers)).fill(0);
  for (const t of [...perRun].sort((a, b) => b - a)) {
    const i = loads.indexOf(Math.min(...loads));
    loads[i] += t;
  }
  return { perRun, wallSeconds: Math.max(...loads), stepSeconds };
}

/** A printable dry-run listing: one line per run, then the estimate. */
export function formatPlan(runs: RunSpec[], est: PlanEstimate | null, workers: number): string {
  const lines = runs.map((r, i) =>
    `${r.runId}  seed ${r.config.seed}  ${r.labels.join(" = ")}` +
    (est ? `  ~${formatDuration(est.perRun[i])}` : "")
  );
  if (est) {
    lines.push("", "measured seconds per training step:");
    for (const [k, v] of Object.entries(est.stepSeconds)) lines.push(`  ${k}: ${v.toFixed(3)} s`);
    lines.push(
      `estimated wall time on ${workers} worker(s): ${formatDuration(est.wallSeconds)} ` +
        `(total ${formatDuration(est.perRun.reduce((a, b) => a + b, 0))} of run time)`,
    );
  }
  lines.push(`${runs.length} runs`);
  return lines.join("\n");
}

/**
 * Aggregation of stored runs: {@link meanStd} (the one used by every table; defined in
 * `statistics.ts`), the chance flag of a run, ablation rows (mean ± std over seeds), the per-row
 * statistics of a set of runs ({@link runsStatistics}, the one path to `rowStatistics`) and mean
 * learning curves.
 *
 * @module
 */
import { PRESETS, REFERENCE_ROWS } from "../experiments/config/presets.ts";
import { DATASET_NAMES } from "../experiments/config/config.ts";
import { numClasses, trainSize } from "../experiments/run/data_setup.ts";
import type { EpochMetrics, StoredRun } from "../experiments/store/store.ts";
import {
  chanceFlag,
  meanStd,
  type RowStatistics,
  rowStatistics,
  type TableStatistics,
} from "./statistics.ts";

export { meanStd };

let gridOrder: Map<string, number> | null = null;

/** Position of a row label in the ablation grids (grid order), or Infinity when unknown. */
export function gridPosition(label: string): number {
  if (!gridOrder) {
    gridOrder = new Map();
    for (const p of Object.values(PRESETS)) {
      for (const e of p.entries) {
        if (!gridOrder.has(e.label)) gridOrder.set(e.label, gridOrder.size);
      }
    }
  }
  return gridOrder.get(label) ?? Infinity;
}

/**
 * The broken-recipe flag of a run: its training accuracy after epoch 1 is still at chance
 * (see `chanceFlag`), or null. Null too when the config does not say which dataset it used, and
 * for the `synthetic` smoke data: 8 steps per epoch on 256 images are too few to expect learning,
 * and smoke accuracies mean nothing by design (19 of its 20 rows are at chance after epoch 1).
 */
export function runChanceFlag(
  run: { metrics: readonly Partial<EpochMetrics>[]; record: { config: object } },
): string | null {
  const c = run.record.config as Partial<StoredRun["record"]["config"]>;
  if (!c.dataset || !DATASET_NAMES.includes(c.dataset) || c.trainSubset === undefined) return null;
  if (c.dataset === "synthetic") return null;
  return chanceFlag(
    run.metrics[0]?.trainAcc,
    trainSize({ dataset: c.dataset, trainSubset: c.trainSubset }),
    numClasses(c.dataset),
  );
}

/** One row of an ablation table. */
export interface AblationRow {
  /** The row's label on this axis (e.g. "reg=manhattan"). */
  label: string;
  configKey: string;
  /**
   * Mean and sample std of the final test accuracy (fraction) over finished seeds (std 0 for one
   * seed; NaN when no seed finished).
   */
  mean: number;
  std: number;
  /** Finished seeds / all seeds of the row. */
  n: number;
  runs: number;
  epochs: number;
  /** Mean training wall time per run, seconds. */
  seconds: number;
  backend: string;
}

function labelOn(run: StoredRun, axis: string): string | null {
  const i = (run.record.axes ?? []).indexOf(axis);
  return i < 0 ? null : run.record.labels[i] ?? run.record.labels[0];
}

/**
 * Groups the runs of one axis by row label, in grid order (labels the grids do not know keep
 * their first-seen order, after the known ones).
 */
export function groupRows(runs: StoredRun[], axis: string): Map<string, StoredRun[]> {
  const groups = new Map<string, StoredRun[]>();
  for (const r of runs) {
    const label = labelOn(r, axis);
    if (label === null) continue;
    const list = groups.get(label) ?? [];
    list.push(r);
    groups.set(label, list);
  }
  const sorted = [...groups.entries()].map((e, i) => ({ e, i }))
    .sort((a, b) => (gridPosition(a.e[0]) - gridPosition(b.e[0])) || a.i - b.i);
  return new Map(sorted.map((x) => x.e));
}

/** The ablation table of `axis`: one row per config, final test accuracy mean ± std over seeds. */
export function ablationRows(runs: StoredRun[], axis: string): AblationRow[] {
  const rows: AblationRow[] = [];
  for (const [label, group] of groupRows(runs, axis)) {
    // Runs at chance after epoch 1 are left out of the mean (listed by the tables' statistics).
    const done = group.filter((r) =>
      r.summary?.status === "done" && r.summary.finalTestAcc !== null && !runChanceFlag(r)
    );
    const { mean, std } = meanStd(done.map((r) => r.summary!.finalTestAcc as number));
    rows.push({
      label,
      configKey: group[0].record.configKey,
      mean: mean ?? NaN,
      std: std ?? NaN,
      n: done.length,
      runs: group.length,
      epochs: Math.max(0, ...done.map((r) => r.summary!.epochs)),
      seconds: meanStd(done.map((r) => Number(r.summary!.trainSeconds ?? NaN))).mean ?? NaN,
      backend: [...new Set(done.map((r) => r.summary!.backend ?? "?"))].join("+"),
    });
  }
  return rows;
}

/**
 * Statistics of every row (config) of `runs`, keyed by config key: final test accuracy in %,
 * n / mean / std / 95 % CI, paired differences against the same model's BNN+ default and BNN
 * rows, runs excluded as at chance. `table` is the first model's table-level statistics (pooled
 * paired spread, seeds to resolve 1 point); null without runs.
 */
export function runsStatistics(
  runs: StoredRun[],
): { byKey: Map<string, RowStatistics>; table: TableStatistics | null } {
  const groups = new Map<string, StoredRun[]>();
  for (const r of runs) {
    groups.set(r.record.configKey, [...(groups.get(r.record.configKey) ?? []), r]);
  }
  const modelOf = (g: StoredRun[]) => String(g[0].record.config.model ?? "vgg_small");
  const models = [...new Set([...groups.values()].map(modelOf))];
  const byKey = new Map<string, RowStatistics>();
  let table: TableStatistics | null = null;
  for (const model of models) {
    const mine = [...groups.entries()].filter(([, g]) => modelOf(g) === model);
    const ref = (label: string) =>
      mine.find(([, g]) => g[0].record.labels.some((l) => l === label || l.endsWith(`: ${label}`)))
        ?.[0];
    const stats = rowStatistics(
      mine.map(([key, g]) => ({
        key,
        runs: g.map((r) => ({
          seed: Number(r.record.config.seed ?? 0),
          value: r.summary?.status === "done" && r.summary.finalTestAcc !== null
            ? 100 * r.summary.finalTestAcc
            : null,
          flag: runChanceFlag(r),
        })),
      })),
      { defaultKey: ref(REFERENCE_ROWS.default), baselineKey: ref(REFERENCE_ROWS.baseline) },
    );
    for (const row of stats.rows) byKey.set(row.key, row);
    table ??= stats;
  }
  return { byKey, table };
}

/** A mean learning curve of one row. */
export interface MeanCurve {
  name: string;
  epochs: number[];
  values: number[];
}

/**
 * Mean per-epoch `metric` (a field name, default `testAcc`, or a function of the epoch line) over
 * each row's seeds, for one axis. Epochs where the value is missing or not finite are skipped.
 */
export function meanCurves(
  runs: StoredRun[],
  axis: string,
  options: { metric?: (keyof EpochMetrics & string) | ((m: EpochMetrics) => number) } = {},
): MeanCurve[] {
  const metric = options.metric ?? "testAcc";
  const value = typeof metric === "function" ? metric : (m: EpochMetrics) => Number(m[metric]);
  const out: MeanCurve[] = [];
  for (const [label, group] of groupRows(runs, axis)) {
    const byEpoch = new Map<number, number[]>();
    for (const r of group) {
      for (const m of r.metrics) {
        const v = value(m);
        if (!Number.isFinite(v)) continue;
        byEpoch.set(m.epoch, [...(byEpoch.get(m.epoch) ?? []), v]);
      }
    }
    const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
    if (epochs.length === 0) continue;
    out.push({ name: label, epochs, values: epochs.map((e) => meanStd(byEpoch.get(e)!).mean!) });
  }
  return out;
}

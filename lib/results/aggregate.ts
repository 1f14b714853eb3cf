/**
 * Aggregation of stored runs: {@link meanStd} (the one used by every table), ablation rows
 * (mean ± std over seeds) and mean learning curves.
 *
 * @module
 */
import { PRESETS } from "../experiments/config/presets.ts";
import type { EpochMetrics, StoredRun } from "../experiments/store/store.ts";

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

/**
 * Mean and sample standard deviation (n − 1; 0 for one value); nulls for no values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanStd } from "./aggregate.ts";
 * assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1 });
 * assert.deepEqual(meanStd([]), { mean: null, std: null });
 * ```
 */
export function meanStd(values: number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length < 2) return { mean, std: 0 };
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(v) };
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
    const done = group.filter((r) =>
      r.summary?.status === "done" && r.summary.finalTestAcc !== null
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

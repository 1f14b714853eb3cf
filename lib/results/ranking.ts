/**
 * Ranking stability (pure: plain data in, numbers out). Does the order of the table's rows after
 * a few epochs predict the order at the end? Does a short preset predict a longer one?
 *
 * - {@link rankingOverEpochs}: Kendall τ-b between the rows' mean test accuracy at each epoch and
 *   at the last epoch.
 * - {@link rankingAgreement}: Kendall τ-b between two sets of rows matched by key (e.g. the rows of
 *   `quick` and `standard`, by label), with the pairs of rows whose order flips.
 * - {@link rowCurves} / {@link rowFinals}: the per-row mean curves and final values of runs as
 *   read by `readRuns`, for the two functions above.
 *
 * @module
 */
import { kendallTauB, meanStd } from "./statistics.ts";
import type { StoredRun } from "../experiments/store/store.ts";

/** One row's mean metric per epoch: `values[e − 1]` at epoch e (null: no value). */
export interface RowCurve {
  key: string;
  values: readonly (number | null)[];
}

/** τ at one epoch. */
export interface EpochTau {
  epoch: number;
  /** Kendall τ-b between the ranking at `epoch` and at the last epoch (NaN: undefined). */
  tau: number;
  /** Rows with a value at both epochs. */
  rows: number;
}

/**
 * Kendall τ-b between the ranking of rows at each epoch and at the last epoch `E` (the longest
 * curve's length): one entry per epoch 1 … E; τ at E is 1 (unless every row ties). Rows lacking a
 * value at an epoch or at E are left out of that epoch's τ.
 */
export function rankingOverEpochs(curves: readonly RowCurve[]): EpochTau[] {
  const last = Math.max(0, ...curves.map((c) => c.values.length));
  const out: EpochTau[] = [];
  for (let e = 1; e <= last; e++) {
    const both = curves.filter((c) => isNum(c.values[e - 1]) && isNum(c.values[last - 1]));
    out.push({
      epoch: e,
      tau: both.length < 2
        ? NaN
        : kendallTauB(both.map((c) => c.values[e - 1]!), both.map((c) => c.values[last - 1]!)),
      rows: both.length,
    });
  }
  return out;
}

function isNum(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** A row's single value (e.g. final mean test accuracy). */
export interface RowValue {
  key: string;
  value: number;
}

/** Result of {@link rankingAgreement}. */
export interface RankingAgreement {
  /** Kendall τ-b over the common rows (NaN with fewer than 2). */
  tau: number;
  /** Keys present in both, in `a`'s order. */
  common: string[];
  /** Keys only in `a` / only in `b`. */
  onlyA: string[];
  onlyB: string[];
  /** Pairs of common rows ordered one way by `a` and the other way by `b`. */
  flips: [string, string][];
}

/**
 * Kendall τ-b between two rankings of rows matched by `key` (rows in only one of them are listed,
 * not ranked), and the pairs whose order flips between them.
 *
 * @example
 * ```ts
 * import { rankingAgreement } from "./ranking.ts";
 * const r = rankingAgreement(
 *   [{ key: "a", value: 1 }, { key: "b", value: 2 }, { key: "c", value: 3 }],
 *   [{ key: "a", value: 10 }, { key: "b", value: 30 }, { key: "c", value: 20 }],
 * );
 * r.flips; // [["b", "c"]]
 * ```
 */
export function rankingAgreement(
  a: readonly RowValue[],
  b: readonly RowValue[],
): RankingAgreement {
  const mapOf = (rows: readonly RowValue[], name: string) => {
    const m = new Map<string, number>();
    for (const r of rows) {
      if (m.has(r.key)) throw new RangeError(`rankingAgreement: key '${r.key}' twice in ${name}`);
      if (!Number.isFinite(r.value)) {
        throw new RangeError(
          `rankingAgreement: ${name} row '${r.key}' has value ${r.value}; expected a finite number`,
        );
      }
      m.set(r.key, r.value);
    }
    return m;
  };
  const ma = mapOf(a, "a"), mb = mapOf(b, "b");
  const common = [...ma.keys()].filter((k) => mb.has(k));
  const flips: [string, string][] = [];
  for (let i = 0; i < common.length; i++) {
    for (let j = i + 1; j < common.length; j++) {
      const [x, y] = [common[i], common[j]];
      const da = Math.sign(ma.get(x)! - ma.get(y)!), db = Math.sign(mb.get(x)! - mb.get(y)!);
      if (da !== 0 && db !== 0 && da !== db) flips.push([x, y]);
    }
  }
  return {
    tau: common.length < 2
      ? NaN
      : kendallTauB(common.map((k) => ma.get(k)!), common.map((k) => mb.get(k)!)),
    common,
    onlyA: [...ma.keys()].filter((k) => !mb.has(k)),
    onlyB: [...mb.keys()].filter((k) => !ma.has(k)),
    flips,
  };
}

/** A run counts when it finished (status done). */
function finished(r: StoredRun): boolean {
  return r.summary?.status === "done";
}

/**
 * Mean per-epoch `metric` (default test accuracy) over each row's finished seeds, keyed by the
 * row label (the first label of its runs), in first-seen order. Rows of other models than
 * `model` (default: every model) are left out.
 */
export function rowCurves(
  runs: readonly StoredRun[],
  options: { metric?: string; model?: string } = {},
): RowCurve[] {
  const metric = options.metric ?? "testAcc";
  const rows = new Map<string, Map<number, number[]>>();
  for (const r of runs) {
    if (!finished(r)) continue;
    if (options.model && (r.record.config.model ?? "vgg_small") !== options.model) continue;
    const key = r.record.labels[0];
    const byEpoch = rows.get(key) ?? new Map<number, number[]>();
    for (const m of r.metrics) {
      const v = Number(m[metric]);
      if (Number.isFinite(v)) byEpoch.set(m.epoch, [...(byEpoch.get(m.epoch) ?? []), v]);
    }
    rows.set(key, byEpoch);
  }
  return [...rows].map(([key, byEpoch]) => {
    const last = Math.max(0, ...byEpoch.keys());
    return {
      key,
      values: Array.from({ length: last }, (_, i) => {
        const vs = byEpoch.get(i + 1);
        return vs ? meanStd(vs).mean : null;
      }),
    };
  });
}

/**
 * Mean final test accuracy over each row's finished seeds, keyed by row label (for
 * {@link rankingAgreement} across presets: labels name the same ablation setting in every preset).
 * Only `model` rows when given.
 */
export function rowFinals(
  runs: readonly StoredRun[],
  options: { model?: string } = {},
): RowValue[] {
  const rows = new Map<string, number[]>();
  for (const r of runs) {
    if (!finished(r) || r.summary!.finalTestAcc === null) continue;
    if (options.model && (r.record.config.model ?? "vgg_small") !== options.model) continue;
    const key = r.record.labels[0];
    rows.set(key, [...(rows.get(key) ?? []), r.summary!.finalTestAcc as number]);
  }
  return [...rows].map(([key, vs]) => ({ key, value: meanStd(vs).mean! }));
}

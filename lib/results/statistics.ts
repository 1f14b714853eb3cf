/**
 * Statistics for result tables (pure: numbers in, numbers out; no I/O, no tensors).
 *
 * - Student-t distribution: CDF through the regularized incomplete beta function, quantiles by
 *   bisection on the CDF (accurate to ~1e-10).
 * - {@link summarize}: n, mean, sample std, 95 % CI of the mean.
 * - {@link pairedTTest}: the paired difference of two rows over the seeds they share, its CI and
 *   two-sided p-value.
 * - {@link seedsToResolve}: how many seeds a paired comparison needs to resolve a difference δ at
 *   a measured paired-difference spread (power 80 %, α 0.05 by default).
 * - {@link kendallTauB}: rank correlation with ties.
 * - {@link atChance}: the "broken recipe" test (training accuracy within binomial noise of chance).
 * - {@link rowStatistics}: all of the above for the rows of one table, from plain arrays.
 *
 * Formulas and what the numbers can and cannot say: `docs/statistics.md`.
 *
 * @module
 */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: expected x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) return h;
  }
  return h; // converged to double precision long before for the a, b used here
}

/**
 * The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for x ∈ [0, 1] and
 * a, b > 0 (continued fraction, using I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster).
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) {
    throw new RangeError(`regularizedBeta: expected a > 0 and b > 0, got a=${a}, b=${b}`);
  }
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta: expected x in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) +
    b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function checkDf(df: number, fn: string): void {
  if (!(df > 0) || !Number.isFinite(df)) {
    throw new RangeError(`${fn}: expected degrees of freedom > 0, got ${df}`);
  }
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  checkDf(df, "studentTCdf");
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom, e.g. `studentTQuantile(0.975, 2)`
 * = 4.3027 (the 95 % two-sided critical value at n = 3).
 *
 * @example
 * ```ts
 * import { studentTQuantile } from "./statistics.ts";
 * studentTQuantile(0.975, 30); // 2.0423
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df, "studentTQuantile");
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: expected p in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  let lo = hi === 1 ? 0 : hi / 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Two-sided p-value of a t statistic: P(|T| ≥ |t|). */
export function twoSidedP(t: number, df: number): number {
  checkDf(df, "twoSidedP");
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * Mean and sample standard deviation (n − 1; 0 for one value); nulls for no values. The one
 * definition used by every table, view and {@link summarize} (re-exported by `aggregate.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanStd } from "./statistics.ts";
 * assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1 });
 * assert.deepEqual(meanStd([]), { mean: null, std: null });
 * ```
 */
export function meanStd(values: readonly number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length < 2) return { mean, std: 0 };
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(v) };
}

/** Summary of a sample: n, mean, sample std (n − 1), standard error and the CI of the mean. */
export interface Summary {
  n: number;
  /** NaN when n = 0. */
  mean: number;
  /** Sample standard deviation (n − 1); NaN when n < 2. */
  std: number;
  /** std / √n; NaN when n < 2. */
  sem: number;
  /** Confidence interval of the mean (t-based); NaN bounds when n < 2. */
  ci: [number, number];
  /** Confidence level of `ci`. */
  level: number;
}

function checkLevel(level: number, fn: string): void {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`${fn}: expected a confidence level in (0, 1), got ${level}`);
  }
}

function checkFinite(values: readonly number[], fn: string, name = "values"): void {
  const i = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (i >= 0) {
    throw new RangeError(`${fn}: ${name}[${i}] is ${values[i]}; expected a finite number`);
  }
}

/**
 * n, mean, sample std and the `level` (default 95 %) confidence interval of the mean,
 * mean ± t_{(1+level)/2, n−1}·std/√n. Fewer than 2 values: std, sem and the CI are NaN.
 */
export function summarize(values: readonly number[], options: { level?: number } = {}): Summary {
  const level = options.level ?? 0.95;
  checkLevel(level, "summarize");
  checkFinite(values, "summarize");
  const n = values.length;
  const ms = meanStd(values);
  if (ms.mean === null) return { n, mean: NaN, std: NaN, sem: NaN, ci: [NaN, NaN], level };
  const mean = ms.mean;
  if (n < 2) return { n, mean, std: NaN, sem: NaN, ci: [NaN, NaN], level };
  const std = ms.std!;
  const sem = std / Math.sqrt(n);
  const h = studentTQuantile((1 + level) / 2, n - 1) * sem;
  return { n, mean, std, sem, ci: [mean - h, mean + h], level };
}

/** A paired t-test of `a − b`. */
export interface PairedTest {
  /** Number of pairs. */
  n: number;
  /** Mean of the differences a − b. */
  meanDiff: number;
  /** Sample std of the differences (NaN when n < 2). */
  stdDiff: number;
  /** t = meanDiff / (stdDiff / √n) (±Infinity when every difference is the same non-zero value). */
  t: number;
  df: number;
  /** Two-sided p-value (NaN when n < 2, or when every difference is 0). */
  p: number;
  /** Confidence interval of the mean difference. */
  ci: [number, number];
  level: number;
  /** p < 1 − level (equivalently: the CI excludes 0); false when it cannot be tested. */
  significant: boolean;
}

/**
 * Paired t-test of `a[i] − b[i]` (e.g. two table rows at the same seeds): mean difference, its
 * `level` CI, t with n − 1 degrees of freedom and the two-sided p-value.
 */
export function pairedTTest(
  a: readonly number[],
  b: readonly number[],
  options: { level?: number } = {},
): PairedTest {
  if (a.length !== b.length) {
    throw new RangeError(
      `pairedTTest: a and b must have the same length (pairs), got ${a.length} and ${b.length}`,
    );
  }
  checkFinite(a, "pairedTTest", "a");
  checkFinite(b, "pairedTTest", "b");
  const d = a.map((v, i) => v - b[i]);
  const s = summarize(d, options);
  const df = s.n - 1;
  if (s.n < 2) {
    return {
      n: s.n,
      meanDiff: s.mean,
      stdDiff: NaN,
      t: NaN,
      df,
      p: NaN,
      ci: [NaN, NaN],
      level: s.level,
      significant: false,
    };
  }
  const t = s.std === 0 ? (s.mean === 0 ? NaN : Math.sign(s.mean) * Infinity) : s.mean / s.sem;
  const p = twoSidedP(t, df);
  return {
    n: s.n,
    meanDiff: s.mean,
    stdDiff: s.std,
    t,
    df,
    p,
    ci: s.ci,
    level: s.level,
    significant: Number.isFinite(p) && p < 1 - s.level,
  };
}

/**
 * Seeds (pairs) a two-sided paired t-test needs to detect a true mean difference `delta` with
 * probability `power` at significance `alpha`, when the paired differences have standard
 * deviation `stdDiff`: the smallest n ≥ 2 with
 *
 *   n ≥ ((t_{1−α/2, n−1} + t_{power, n−1}) · stdDiff / delta)²
 *
 * (the usual t-approximation of the power of a one-sample t-test, iterated because the quantiles
 * depend on n). `delta` and `stdDiff` in the same unit (points of accuracy in the tables).
 * Returns null when `stdDiff` is not finite (fewer than 2 seeds measured). Capped at `max`.
 */
export function seedsToResolve(
  stdDiff: number,
  delta = 1,
  options: { alpha?: number; power?: number; max?: number } = {},
): number | null {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const max = options.max ?? 100000;
  if (!(delta > 0)) throw new RangeError(`seedsToResolve: expected delta > 0, got ${delta}`);
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(`seedsToResolve: expected alpha in (0, 1), got ${alpha}`);
  }
  if (!(power > 0 && power < 1)) {
    throw new RangeError(`seedsToResolve: expected power in (0, 1), got ${power}`);
  }
  if (!Number.isFinite(stdDiff) || stdDiff < 0) return null;
  for (let n = 2; n <= max; n++) {
    const q = studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1);
    if (n >= (q * stdDiff / delta) ** 2) return n;
  }
  return max;
}

/**
 * Kendall's τ-b between two equally long score lists (ties handled):
 * τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2, n₁ / n₂ = pairs tied in x / in y.
 * NaN when either list is constant (or has fewer than 2 entries).
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) {
    throw new RangeError(
      `kendallTauB: x and y must have the same length, got ${x.length} and ${y.length}`,
    );
  }
  checkFinite(x, "kendallTauB", "x");
  checkFinite(y, "kendallTauB", "y");
  const n = x.length;
  let concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiesX) * (n0 - tiesY));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

/** Result of {@link atChance}. */
export interface ChanceCheck {
  /** True when the accuracy is at or below chance + 3σ. */
  atChance: boolean;
  /** 1 / classes. */
  chance: number;
  /** The threshold chance + k·σ, σ = √(chance·(1 − chance)/n). */
  threshold: number;
}

/**
 * The broken-recipe test: is a training accuracy measured on `n` examples of `classes`
 * balanced classes still at chance? True when accuracy ≤ 1/classes + k·σ with the binomial
 * σ = √(p(1 − p)/n), p = 1/classes, k = 3 (so below chance counts as at chance too).
 */
export function atChance(
  accuracy: number,
  n: number,
  classes: number,
  options: { sigmas?: number } = {},
): ChanceCheck {
  if (!Number.isFinite(accuracy) || accuracy < 0 || accuracy > 1) {
    throw new RangeError(`atChance: accuracy is ${accuracy}; expected a fraction in [0, 1]`);
  }
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`atChance: n is ${n}; expected a positive integer`);
  }
  if (!Number.isInteger(classes) || classes < 2) {
    throw new RangeError(`atChance: classes is ${classes}; expected an integer ≥ 2`);
  }
  const k = options.sigmas ?? 3;
  const chance = 1 / classes;
  const threshold = chance + k * Math.sqrt((chance * (1 - chance)) / n);
  return { atChance: accuracy <= threshold, chance, threshold };
}

/**
 * The flag of a run whose training accuracy after its first epoch (`trainAcc`, a fraction,
 * measured on `n` examples of `classes` classes) is still at chance ({@link atChance}), or null.
 * Null too when there is no first epoch to judge.
 */
export function chanceFlag(
  trainAcc: number | null | undefined,
  n: number,
  classes: number,
): string | null {
  if (trainAcc === null || trainAcc === undefined || !Number.isFinite(trainAcc)) return null;
  const c = atChance(trainAcc, n, classes);
  return c.atChance
    ? `train acc ${(100 * trainAcc).toFixed(1)} % after epoch 1 is at chance ` +
      `(≤ ${(100 * c.threshold).toFixed(1)} % = 1/${classes} + 3σ)`
    : null;
}

/** One run of a row, as {@link rowStatistics} needs it. */
export interface RowRun {
  seed: number;
  /** The value (e.g. final test accuracy in %); null: the run has no value (failed, pending). */
  value: number | null;
  /** A reason to exclude the run from the statistics (e.g. "train acc at chance after epoch 1"). */
  flag?: string | null;
}

/** One row, as {@link rowStatistics} needs it. */
export interface RowInput {
  key: string;
  runs: readonly RowRun[];
}

/** A row's paired comparison against a reference row. */
export interface RowComparison extends PairedTest {
  /** The reference row's key. */
  against: string;
  /** Seeds both rows have an unflagged value for (the pairs). */
  seeds: number[];
}

/** The statistics of one row. */
export interface RowStatistics {
  key: string;
  /** Summary over the unflagged runs with a value. */
  summary: Summary;
  /** Seeds used in the summary. */
  seeds: number[];
  /** Runs left out because they were flagged, with the flag. */
  excluded: { seed: number; flag: string }[];
  /** Paired difference row − default row (null for the default row itself or when absent). */
  vsDefault: RowComparison | null;
  /** Paired difference row − baseline row (null for the baseline row itself or when absent). */
  vsBaseline: RowComparison | null;
}

/** The statistics of a table. */
export interface TableStatistics {
  rows: RowStatistics[];
  /**
   * Pooled std of the paired differences against the default row (Σ(nᵢ−1)sᵢ² / Σ(nᵢ−1), over
   * rows with ≥ 2 pairs); null when no row has 2 pairs.
   */
  pooledDiffStd: number | null;
  /** Seeds needed to resolve `delta` at `pooledDiffStd` (power 80 %, α 0.05). */
  seedsToResolve: number | null;
  /** The difference `seedsToResolve` is for (default 1, i.e. 1 point of accuracy in %). */
  delta: number;
  level: number;
}

/**
 * Per-row statistics of a table: n, mean, std and CI over each row's unflagged runs; the paired
 * difference (same seeds) against the row `defaultKey` and the row `baselineKey`; and, pooled over
 * the rows, how many seeds would resolve a `delta`-point difference against the default row.
 *
 * @example
 * ```ts
 * import { rowStatistics } from "./statistics.ts";
 * const s = rowStatistics([
 *   { key: "bnn+", runs: [{ seed: 0, value: 30 }, { seed: 1, value: 31 }, { seed: 2, value: 29 }] },
 *   { key: "bnn", runs: [{ seed: 0, value: 38 }, { seed: 1, value: 39 }, { seed: 2, value: 38.5 }] },
 * ], { defaultKey: "bnn+", baselineKey: "bnn" });
 * s.rows[1].vsDefault!.meanDiff; // 8.5
 * ```
 */
export function rowStatistics(
  rows: readonly RowInput[],
  options: { defaultKey?: string; baselineKey?: string; level?: number; delta?: number } = {},
): TableStatistics {
  const level = options.level ?? 0.95;
  const delta = options.delta ?? 1;
  const keys = new Set<string>();
  for (const r of rows) {
    if (keys.has(r.key)) throw new RangeError(`rowStatistics: row key '${r.key}' appears twice`);
    keys.add(r.key);
  }
  const valid = (r: RowInput) => {
    const m = new Map<number, number>();
    for (const run of r.runs) {
      if (run.value === null || run.flag) continue;
      if (!Number.isFinite(run.value)) {
        throw new RangeError(
          `rowStatistics: row '${r.key}' seed ${run.seed} has value ${run.value}; ` +
            `expected a finite number or null`,
        );
      }
      if (m.has(run.seed)) {
        throw new RangeError(`rowStatistics: row '${r.key}' has seed ${run.seed} twice`);
      }
      m.set(run.seed, run.value);
    }
    return m;
  };
  const values = new Map(rows.map((r) => [r.key, valid(r)]));
  const compare = (key: string, ref: string | undefined): RowComparison | null => {
    if (ref === undefined || ref === key || !values.has(ref)) return null;
    const a = values.get(key)!, b = values.get(ref)!;
    const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
    const test = pairedTTest(seeds.map((s) => a.get(s)!), seeds.map((s) => b.get(s)!), { level });
    return { ...test, against: ref, seeds };
  };
  const out: RowStatistics[] = rows.map((r) => {
    const v = values.get(r.key)!;
    const seeds = [...v.keys()].sort((x, y) => x - y);
    return {
      key: r.key,
      summary: summarize(seeds.map((s) => v.get(s)!), { level }),
      seeds,
      excluded: r.runs.filter((x) => x.flag).map((x) => ({ seed: x.seed, flag: x.flag! })),
      vsDefault: compare(r.key, options.defaultKey),
      vsBaseline: compare(r.key, options.baselineKey),
    };
  });
  let ss = 0, dof = 0;
  for (const r of out) {
    const c = r.vsDefault;
    if (c && c.n >= 2) {
      ss += (c.n - 1) * c.stdDiff ** 2;
      dof += c.n - 1;
    }
  }
  const pooledDiffStd = dof > 0 ? Math.sqrt(ss / dof) : null;
  return {
    rows: out,
    pooledDiffStd,
    seedsToResolve: pooledDiffStd === null ? null : seedsToResolve(pooledDiffStd, delta),
    delta,
    level,
  };
}

/** The header line of a table on its statistics: how, spread, seeds to resolve 1 point. */
export function statisticsLine(stats: TableStatistics | null): string {
  const how = "paired over the seeds two rows share; 95 % CIs from Student's t; " +
    "'n.s.' = the difference's CI includes 0 (p ≥ 0.05); see docs/statistics.md";
  if (!stats || stats.pooledDiffStd === null) {
    return `${how}. Too few seeds to measure the paired spread.`;
  }
  return `${how}. Pooled std of paired differences vs BNN+ (default): ` +
    `${stats.pooledDiffStd.toFixed(2)} pts → ${stats.seedsToResolve} seeds per row resolve a ` +
    `${stats.delta}-point difference (two-sided paired t-test, α 0.05, power 80 %)`;
}

/** `lo … hi` with `digits` decimals, e.g. "[−1.20, 3.40]" (— when not finite). */
export function formatInterval(ci: readonly [number, number], digits = 2): string {
  if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return "—";
  return `[${ci[0].toFixed(digits)}, ${ci[1].toFixed(digits)}]`;
}

/** A p-value for tables: "<0.001", 3 decimals below 0.1, else 2; "—" when NaN. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return "—";
  if (p < 0.001) return "<0.001";
  return p < 0.1 ? p.toFixed(3) : p.toFixed(2);
}

/**
 * A paired comparison as one table cell: "+1.23 [0.40, 2.06] p=0.02" with " n.s." appended when
 * not significant, or "—" when it cannot be tested (fewer than 2 common seeds).
 */
export function formatComparison(c: RowComparison | null, digits = 2): string {
  if (!c || c.n < 2) return "—";
  const sign = c.meanDiff >= 0 ? "+" : "";
  const p = formatP(c.p);
  return `${sign}${c.meanDiff.toFixed(digits)} ${formatInterval(c.ci, digits)} ` +
    `p${p.startsWith("<") ? "" : "="}${p}${c.significant ? "" : " n.s."}`;
}

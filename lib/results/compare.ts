/**
 * Compares runs trained here with the shared (committed) runs of the same preset, run by run:
 * the lab's runs are bit-identical per seed (batch order, augmentation and initialisation depend
 * only on the seed), so every per-epoch number of a run should equal the shared one exactly.
 * Used by `deno task reproduce` after a local run; pure (no file access).
 *
 * @module
 */

/** The per-epoch fields compared (timings, throughput and backend names are not results). */
export const COMPARED_FIELDS = [
  "loss",
  "ce",
  "penalty",
  "trainAcc",
  "testLoss",
  "testAcc",
  "lr",
] as const;

/** The parts of a stored run the comparison reads (`readRuns` of lib/results/runs.ts fits). */
export interface ComparableRun {
  record: { runId: string; labels?: string[]; config?: { seed?: number } };
  summary: { status: string; finalTestAcc?: number | null; backend?: string } | null;
  metrics: Record<string, unknown>[];
}

/** One number that differs. */
export interface FieldDifference {
  /** Epoch (1-based) of the per-epoch value, or 0 for the epoch count. */
  epoch: number;
  field: string;
  local: number | null;
  shared: number | null;
}

/** The verdict on one local run. */
export interface RunComparison {
  runId: string;
  /** First label and seed, e.g. "BNN+ default s1". */
  label: string;
  /**
   * `identical`: every compared number is bit-equal; `different`: at least one is not;
   * `no-shared`: the shared results have no finished run with this id; `unfinished`: the local
   * run has no summary or failed.
   */
  status: "identical" | "different" | "no-shared" | "unfinished";
  differences: FieldDifference[];
  /**
   * The backends (with thread counts, e.g. `wasm×1`) of a different run here and in the shared
   * results, when they differ: some kernels' float sums depend on the thread split.
   */
  backends?: { local: string; shared: string };
}

/** The result of {@link compareRuns}. */
export interface ComparisonReport {
  runs: RunComparison[];
  identical: number;
  different: number;
  /** Runs compared (identical + different). */
  compared: number;
}

function labelOf(r: ComparableRun): string {
  const seed = r.record.config?.seed;
  return `${r.record.labels?.[0] ?? "?"}${seed === undefined ? "" : ` s${seed}`}`;
}

function num(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

/**
 * Compares every local run with the shared run of the same id. Numbers are compared with
 * `Object.is` (bit-identical; NaN equals NaN). Never throws on differing data.
 */
export function compareRuns(local: ComparableRun[], shared: ComparableRun[]): ComparisonReport {
  const byId = new Map(shared.map((r) => [r.record.runId, r]));
  const runs = local.map((l): RunComparison => {
    const base = { runId: l.record.runId, label: labelOf(l), differences: [] };
    if (!l.summary || l.summary.status !== "done") return { ...base, status: "unfinished" };
    const s = byId.get(l.record.runId);
    if (!s || !s.summary || s.summary.status !== "done") return { ...base, status: "no-shared" };
    const differences: FieldDifference[] = [];
    if (l.metrics.length !== s.metrics.length) {
      differences.push({
        epoch: 0,
        field: "epochs",
        local: l.metrics.length,
        shared: s.metrics.length,
      });
    }
    for (let i = 0; i < Math.min(l.metrics.length, s.metrics.length); i++) {
      for (const f of COMPARED_FIELDS) {
        const a = num(l.metrics[i][f]), b = num(s.metrics[i][f]);
        if (!Object.is(a, b)) differences.push({ epoch: i + 1, field: f, local: a, shared: b });
      }
    }
    const [lb, sb] = [l.summary.backend, s.summary.backend];
    const backends = differences.length && lb && sb && lb !== sb ? { local: lb, shared: sb } : {};
    return {
      ...base,
      status: differences.length ? "different" : "identical",
      differences,
      ...(backends.local ? { backends } : {}),
    };
  });
  const identical = runs.filter((r) => r.status === "identical").length;
  const different = runs.filter((r) => r.status === "different").length;
  return { runs, identical, different, compared: identical + different };
}

function fmt(v: number | null): string {
  return v === null ? "missing" : String(v);
}

/**
 * A short text: "40/40 runs identical to the shared results in results/quick/", or the count and
 * one line per differing run (its largest differences first, at most `maxLines` per run).
 */
export function formatComparison(
  report: ComparisonReport,
  sharedDir: string,
  options: { maxLines?: number } = {},
): string {
  const maxLines = options.maxLines ?? 3;
  const total = report.runs.length;
  const lines = [
    report.compared === 0
      ? `no run to compare with the shared results in ${sharedDir}/`
      : `${report.identical}/${report.compared} runs identical to the shared results in ` +
        `${sharedDir}/` + (report.different ? `; ${report.different} differ:` : ""),
  ];
  for (const r of report.runs.filter((r) => r.status === "different")) {
    const diffs = [...r.differences].sort((x, y) =>
      Math.abs((y.local ?? 0) - (y.shared ?? 0)) - Math.abs((x.local ?? 0) - (x.shared ?? 0))
    );
    lines.push(`  ${r.runId} (${r.label}): ${r.differences.length} value(s) differ`);
    for (const d of diffs.slice(0, maxLines)) {
      const delta = d.local !== null && d.shared !== null
        ? ` (Δ ${(d.local - d.shared).toExponential(2)})`
        : "";
      const where = d.epoch ? `epoch ${d.epoch} ${d.field}` : d.field;
      lines.push(`    ${where}: ${fmt(d.local)} here, ${fmt(d.shared)} shared${delta}`);
    }
  }
  const other = report.runs.filter((r) => r.backends);
  if (other.length) {
    const pairs = [
      ...new Set(other.map((r) => `${r.backends!.local} here, ${r.backends!.shared} shared`)),
    ];
    lines.push(
      `  ${other.length} differing run(s) ran on another backend or thread count (${
        pairs.join("; ")
      }): ` +
        "some kernels' float sums depend on the thread split, so runs match bit for bit only on " +
        "the same backend and threads per run (reproduce gives each of W workers cores/W threads: " +
        "use the --workers of the shared runs; docs/reproduce.md)",
    );
  }
  const noShared = report.runs.filter((r) => r.status === "no-shared");
  const unfinished = report.runs.filter((r) => r.status === "unfinished");
  if (noShared.length) {
    lines.push(`  ${noShared.length} of ${total} run(s) have no finished shared counterpart`);
  }
  if (unfinished.length) {
    lines.push(`  ${unfinished.length} of ${total} run(s) did not finish here`);
  }
  return lines.join("\n");
}

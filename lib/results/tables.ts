/**
 * Result tables of a preset, built from the run folders on disk: one row per config (runs that
 * differ only in seed), test accuracy mean ± std over seeds, epochs, time, backend, status; a
 * header that says what the numbers are and are not; and the paper's published headline numbers
 * with the version each comes from. Written as `table.md`, `table.csv` and `table.json`.
 *
 * @module
 */
import type { ExperimentConfig } from "../experiments/config/config.ts";
import { getPreset, planPreset, PRESETS } from "../experiments/config/presets.ts";
import { formatDuration } from "../util/format.ts";
import {
  formatComparison,
  formatInterval,
  type RowStatistics,
  statisticsLine,
  type TableStatistics,
} from "./statistics.ts";
import {
  join,
  presetDir,
  readJson,
  readRuns,
  removeStaleTemps,
  type StoredRun,
} from "../experiments/store/store.ts";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../util/atomic.ts";
import { meanStd, runChanceFlag, runsStatistics } from "./aggregate.ts";
import { usesBeta } from "../quantizers.ts";
import { PAPER_NUMBERS } from "./paper.ts";

/** One table row. */
export interface TableRow {
  label: string;
  aliases: string[];
  axis: string;
  configKey: string;
  config: Omit<ExperimentConfig, "seed">;
  runIds: string[];
  seedsPlanned: number;
  seedsDone: number;
  failed: { runId: string; reason: string }[];
  testAccMean: number | null;
  testAccStd: number | null;
  trainAccMean: number | null;
  epochs: number | null;
  secondsPerRun: number | null;
  backends: string[];
  status: "ok" | "failed" | "partial" | "pending";
  /**
   * Runs left out of the mean because their training accuracy after epoch 1 was at chance (see
   * `docs/statistics.md`); their accuracies are listed, not averaged in.
   */
  flagged: { runId: string; seed: number; flag: string; testAcc: number | null }[];
  /** n, CI and paired differences against the BNN+ default and BNN rows (docs/statistics.md). */
  stats: RowStatistics | null;
}

/**
 * Fills each row's `stats` from {@link runsStatistics} (the one statistics path: rows of one
 * model are compared with that model's BNN+ default and BNN rows) and returns the statistics of
 * the table's first model (the header's "seeds to resolve 1 point"; null without runs).
 */
export function attachStatistics(rows: TableRow[], runs: StoredRun[]): TableStatistics | null {
  const { byKey, table } = runsStatistics(runs);
  for (const row of rows) row.stats = byKey.get(row.configKey) ?? null;
  return table;
}

/** Builds the rows from stored runs, in the preset's grid order (unknown configs last). */
export async function buildRows(runs: StoredRun[], preset: string): Promise<TableRow[]> {
  const order = new Map<string, number>();
  if (PRESETS[preset]) {
    (await planPreset(preset, { seeds: 1 })).forEach((r, i) => order.set(r.configKey, i));
  }
  const groups = new Map<string, StoredRun[]>();
  for (const r of runs) {
    const g = groups.get(r.record.configKey) ?? [];
    g.push(r);
    groups.set(r.record.configKey, g);
  }
  const rows: TableRow[] = [];
  for (const [key, g] of groups) {
    g.sort((a, b) => a.record.config.seed - b.record.config.seed);
    const flagOf = runChanceFlag;
    const all = g.filter((r) => r.summary?.status === "done");
    const flagged = all.filter((r) => flagOf(r) !== null);
    const done = all.filter((r) => flagOf(r) === null);
    const failed = g.filter((r) => r.summary?.status === "failed");
    const acc = meanStd(done.map((r) => 100 * (r.summary!.finalTestAcc ?? NaN)));
    const train = meanStd(done.map((r) => 100 * (r.summary!.finalTrainAcc ?? NaN)));
    const secs = meanStd(done.map((r) => r.summary!.trainSeconds));
    const { seed: _s, ...config } = g[0].record.config;
    rows.push({
      label: g[0].record.labels[0],
      aliases: g[0].record.labels.slice(1),
      axis: g[0].record.axes[0],
      configKey: key,
      config,
      runIds: g.map((r) => r.record.runId),
      seedsPlanned: g.length,
      seedsDone: all.length,
      failed: failed.map((r) => ({ runId: r.record.runId, reason: r.summary!.reason ?? "failed" })),
      testAccMean: acc.mean,
      testAccStd: acc.std,
      trainAccMean: train.mean,
      epochs: done.length ? Math.max(...done.map((r) => r.summary!.epochs)) : null,
      secondsPerRun: secs.mean,
      backends: [...new Set(g.flatMap((r) => r.summary?.backends ?? []))],
      status: failed.length > 0
        ? "failed"
        : all.length === g.length
        ? "ok"
        : all.length > 0
        ? "partial"
        : "pending",
      flagged: flagged.map((r) => ({
        runId: r.record.runId,
        seed: r.record.config.seed,
        flag: flagOf(r)!,
        testAcc: r.summary!.finalTestAcc === null ? null : 100 * r.summary!.finalTestAcc,
      })),
      stats: null,
    });
  }
  rows.sort((a, b) =>
    (order.get(a.configKey) ?? 1e9) - (order.get(b.configKey) ?? 1e9) ||
    (a.label < b.label ? -1 : 1)
  );
  attachStatistics(rows, runs);
  return rows;
}

function cell(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function ours(rows: TableRow[]): string[] {
  const pick = rows.filter((r) =>
    r.testAccMean !== null &&
    /^(BNN\+ \(default\)|full precision|[A-Za-z]+: BNN\+ \(default\))$/.test(r.label)
  );
  if (pick.length === 0) return [];
  return [
    "This table's counterparts (same caveats as above):",
    "",
    ...pick.map((r) =>
      `- ${r.label}, ${r.config.model} ×${r.config.width}, ${r.config.epochs} epochs: ` +
      `${r.testAccMean!.toFixed(2)} ± ${r.testAccStd!.toFixed(2)} % (${r.stats?.summary.n ?? 0} ` +
      `seeds; 95 % CI ${r.stats ? formatInterval(r.stats.summary.ci) : "—"})`
    ),
  ];
}

/** The "flagged" note of a row: runs at chance after epoch 1, left out of the mean. */
function flaggedNote(r: TableRow): string {
  if (r.flagged.length === 0) return "";
  return `; ${r.flagged.length} run(s) at chance after epoch 1, not averaged: ` +
    r.flagged.map((f) =>
      `seed ${f.seed} (test ${f.testAcc === null ? "?" : f.testAcc.toFixed(2)} %)`
    ).join(", ");
}

function mdRow(r: TableRow): string {
  const label = cell(r.label) + (r.aliases.length ? ` (= ${cell(r.aliases.join("; "))})` : "");
  const status = r.status +
    (r.failed.length ? `: ${cell(r.failed.map((f) => f.reason).join("; "))}` : "") +
    cell(flaggedNote(r));
  const st = r.stats;
  return [
    label,
    factors(r.config),
    st ? st.summary.n : "—",
    fmtAcc(r),
    st ? formatInterval(st.summary.ci) : "—",
    st ? formatComparison(st.vsDefault) : "—",
    st ? formatComparison(st.vsBaseline) : "—",
    r.trainAccMean?.toFixed(2) ?? "—",
    `${r.seedsDone}/${r.seedsPlanned}`,
    r.epochs ?? "—",
    r.secondsPerRun?.toFixed(0) ?? "—",
    r.backends.join(", ") || "—",
    status,
  ].reduce((line: string, c) => `${line} ${c} |`, "|");
}

function fmtAcc(r: TableRow): string {
  if (r.testAccMean === null) return r.status === "failed" ? "FAILED" : "—";
  return `${r.testAccMean.toFixed(2)} ± ${r.testAccStd!.toFixed(2)}`;
}

function factors(c: TableRow["config"]): string {
  const fp = c.inputQuantizer === "none" && c.kernelQuantizer === "none";
  if (fp) return "full precision";
  const beta = c.trainableBeta ? "β trainable" : `β=${c.beta}`;
  const withBeta = usesBeta(c.inputQuantizer) || usesBeta(c.kernelQuantizer);
  return [
    `act ${c.inputQuantizer}${withBeta ? ` ${beta}` : ""}`,
    `w ${c.kernelQuantizer}`,
    c.scale === "none" ? "α none" : `α ${c.scale}/${c.scaleShape}`,
    c.regularizer === "none" ? "R none" : `R ${c.regularizer} λ=${c.lambda.toExponential()}`,
  ].join(", ");
}

/** The header facts of a preset's table. */
export function tableHeader(preset: string, runs: StoredRun[]): Record<string, string> {
  const p = PRESETS[preset];
  const done = runs.filter((r) => r.summary);
  const cpus = [
    ...new Set(
      done.map((r) => `${r.summary!.cpu} (${r.summary!.cores ?? "?"} cores, ${r.summary!.host})`),
    ),
  ];
  const ends = done.map((r) => Date.parse(r.summary!.finishedAt));
  const starts = done.map((r) =>
    Date.parse(r.summary!.finishedAt) - 1000 * r.summary!.trainSeconds
  );
  const span = done.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : 0;
  const compute = done.reduce((s, r) => s + r.summary!.trainSeconds, 0);
  const seeds = [...new Set(runs.map((r) => r.record.config.seed))].sort((a, b) => a - b);
  const c = runs[0]?.record.config;
  return {
    preset: p ? `${preset}: ${p.description}` : preset,
    data: c
      ? `${c.dataset}, train ${c.trainSubset ?? "all"} / test ${c.testSubset ?? "all"} images, ` +
        `${c.model} ×${c.width}, ${c.epochs} epochs, batch ${c.batchSize}, Adam lr ${c.lr} ${c.lrSchedule}`
      : "no runs",
    seeds: `${
      seeds.join(", ") || "none"
    } (mean ± sample std over seeds; final-epoch test accuracy, %)`,
    runs: `${done.filter((r) => r.summary!.status === "done").length} done, ` +
      `${done.filter((r) => r.summary!.status === "failed").length} failed, ` +
      `${runs.length - done.length} not finished, of ${runs.length}`,
    machine: cpus.join("; ") || "—",
    backend: [...new Set(done.flatMap((r) => r.summary!.backends))].join(", ") || "—",
    time: `wall time ≈ ${formatDuration(span)} (first run start to last run end), ` +
      `total run time ${formatDuration(compute)}`,
    generated: new Date().toISOString(),
  };
}

/** Builds and writes `table.md`, `table.csv` and `table.json` of a preset; returns their paths. */
export async function writeTables(
  resultsDir: string,
  preset: string,
): Promise<{ md: string; csv: string; json: string }> {
  removeStaleTemps(presetDir(resultsDir, preset)); // left by a kill -9 during an earlier write
  const runs = readRuns(resultsDir, preset);
  const rows = await buildRows(runs, preset);
  const stats = attachStatistics(rows, runs);
  const header: Record<string, string> = {
    ...tableHeader(preset, runs),
    statistics: statisticsLine(stats),
  };
  const notes = PRESETS[preset] ? getPreset(preset).notes : [];
  const dir = presetDir(resultsDir, preset);
  const paths = {
    md: join(dir, "table.md"),
    csv: join(dir, "table.csv"),
    json: join(dir, "table.json"),
  };
  // The paper block keeps its published fields (the table's JSON shape predates `model`).
  const paper = PAPER_NUMBERS.map(({ version, network, top1, note }) => ({
    version,
    network,
    top1,
    note,
  }));
  const statistics = stats
    ? {
      pooledDiffStd: stats.pooledDiffStd,
      seedsToResolve: stats.seedsToResolve,
      delta: stats.delta,
      level: stats.level,
    }
    : null;
  // Nothing changed since the last write: keep its date, so the files stay byte-identical.
  const before = readJson<{ header?: { generated?: string } }>(paths.json);
  if (before?.header?.generated) {
    const generated = before.header.generated;
    const same = { preset, header: { ...header, generated }, notes, statistics, rows, paper };
    if (JSON.stringify(before) === JSON.stringify(same)) header.generated = generated;
  }
  writeJsonAtomicSync(paths.json, { preset, header, notes, statistics, rows, paper }, {
    mkdir: true,
  });
  const csvCols = [
    "label",
    "axis",
    "model",
    "width",
    "factors",
    "seeds_done",
    "seeds_planned",
    "n",
    "test_acc_mean",
    "test_acc_std",
    "ci95_low",
    "ci95_high",
    "diff_vs_default",
    "diff_vs_default_ci95_low",
    "diff_vs_default_ci95_high",
    "p_vs_default",
    "significant_vs_default",
    "diff_vs_bnn",
    "diff_vs_bnn_ci95_low",
    "diff_vs_bnn_ci95_high",
    "p_vs_bnn",
    "significant_vs_bnn",
    "excluded_at_chance",
    "train_acc_mean",
    "epochs",
    "seconds_per_run",
    "backends",
    "status",
    "config_key",
  ];
  const q = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const num = (v: number | undefined, d = 4) =>
    v === undefined || !Number.isFinite(v) ? "" : v.toFixed(d);
  const cmp = (c: RowStatistics["vsDefault"] | undefined) =>
    c && c.n >= 2
      ? [num(c.meanDiff), num(c.ci[0]), num(c.ci[1]), num(c.p, 6), String(c.significant)]
      : ["", "", "", "", ""];
  const csv = [csvCols.join(",")].concat(rows.map((r) =>
    [
      r.label,
      r.axis,
      r.config.model,
      r.config.width,
      factors(r.config),
      r.seedsDone,
      r.seedsPlanned,
      r.stats?.summary.n,
      r.testAccMean?.toFixed(4),
      r.testAccStd?.toFixed(4),
      num(r.stats?.summary.ci[0]),
      num(r.stats?.summary.ci[1]),
      ...cmp(r.stats?.vsDefault),
      ...cmp(r.stats?.vsBaseline),
      r.flagged.map((f) => `seed ${f.seed}`).join(" "),
      r.trainAccMean?.toFixed(4),
      r.epochs,
      r.secondsPerRun?.toFixed(1),
      r.backends.join(" "),
      r.status,
      r.configKey,
    ].map(q).join(",")
  ));
  writeFileAtomicSync(paths.csv, csv.join("\n") + "\n", { mkdir: true });
  const md: string[] = [
    `# Results: preset \`${preset}\``,
    "",
    ...Object.entries(header).map(([k, v]) => `- **${k}**: ${v}`),
    "",
    ...notes.map((n) => `> ${n}`),
    "",
    "| row | factors | n | test acc % (mean ± std) | 95 % CI | Δ vs BNN+ default [95 % CI] | " +
    "Δ vs BNN [95 % CI] | train acc % | seeds | epochs | s/run | backend | status |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(mdRow),
    "",
    "## The paper's published CIFAR-10 numbers (for orientation, not comparable at reduced scale)",
    "",
    "| paper version | network | top-1 % | note |",
    "|---|---|---|---|",
    ...PAPER_NUMBERS.map((p) => `| ${p.version} | ${p.network} | ${p.top1} | ${p.note} |`),
    "",
    "Source: the abstracts of arXiv 1812.11800 v1/v2 (the paper's tables were not retrievable).",
    "",
    ...ours(rows),
    "",
  ];
  writeFileAtomicSync(paths.md, md.join("\n"), { mkdir: true });
  return paths;
}

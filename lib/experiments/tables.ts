/**
 * Result tables of a preset, built from the run folders on disk: one row per config (runs that
 * differ only in seed), test accuracy mean ± std over seeds, epochs, time, backend, status; a
 * header that says what the numbers are and are not; and the paper's published headline numbers
 * with the version each comes from. Written as `table.md`, `table.csv` and `table.json`.
 *
 * @module
 */
import type { ExperimentConfig } from "./config.ts";
import { getPreset, planPreset, PRESETS } from "./presets.ts";
import { formatDuration } from "./progress.ts";
import {
  join,
  presetDir,
  readJson,
  readRuns,
  removeStaleTemps,
  type StoredRun,
  writeFileAtomic,
  writeJsonAtomic,
} from "./store.ts";

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
}

/** The paper's published CIFAR-10 headline numbers (abstracts; see notes/paper.md §1, §4.1). */
export const PAPER_NUMBERS: readonly {
  version: string;
  network: string;
  top1: number;
  note: string;
}[] = [
  {
    version: "v1 (arXiv 1812.11800v1, PDF text)",
    network: "AlexNet",
    top1: 86.5,
    note: "the v1 arXiv listing says 86.7",
  },
  { version: "v1 (arXiv 1812.11800v1)", network: "VGG", top1: 91.3, note: "" },
  { version: "v2 (arXiv 1812.11800v2)", network: "AlexNet", top1: 87.4, note: "" },
  { version: "v2 (arXiv 1812.11800v2)", network: "DoReFa-Net", top1: 83.9, note: "" },
];

/** Mean and sample standard deviation (n−1; 0 for one value); nulls for none. */
export function meanStd(xs: number[]): { mean: number | null; std: number | null } {
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v) };
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
    const done = g.filter((r) => r.summary?.status === "done");
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
      seedsDone: done.length,
      failed: failed.map((r) => ({ runId: r.record.runId, reason: r.summary!.reason ?? "failed" })),
      testAccMean: acc.mean,
      testAccStd: acc.std,
      trainAccMean: train.mean,
      epochs: done.length ? Math.max(...done.map((r) => r.summary!.epochs)) : null,
      secondsPerRun: secs.mean,
      backends: [...new Set(g.flatMap((r) => r.summary?.backends ?? []))],
      status: failed.length > 0
        ? "failed"
        : done.length === g.length
        ? "ok"
        : done.length > 0
        ? "partial"
        : "pending",
    });
  }
  rows.sort((a, b) =>
    (order.get(a.configKey) ?? 1e9) - (order.get(b.configKey) ?? 1e9) ||
    (a.label < b.label ? -1 : 1)
  );
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
      `${r.testAccMean!.toFixed(2)} ± ${r.testAccStd!.toFixed(2)} % (${r.seedsDone} seeds)`
    ),
  ];
}

function mdRow(r: TableRow): string {
  const label = cell(r.label) + (r.aliases.length ? ` (= ${cell(r.aliases.join("; "))})` : "");
  const status = r.status +
    (r.failed.length ? `: ${cell(r.failed.map((f) => f.reason).join("; "))}` : "");
  return [
    label,
    factors(r.config),
    fmtAcc(r),
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
  const usesSwish = c.inputQuantizer === "swish_sign" || c.kernelQuantizer === "swish_sign";
  return [
    `act ${c.inputQuantizer}${usesSwish ? ` ${beta}` : ""}`,
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
  const header = tableHeader(preset, runs);
  const notes = PRESETS[preset] ? getPreset(preset).notes : [];
  const dir = presetDir(resultsDir, preset);
  const paths = {
    md: join(dir, "table.md"),
    csv: join(dir, "table.csv"),
    json: join(dir, "table.json"),
  };
  // Nothing changed since the last write: keep its date, so the files stay byte-identical.
  const before = readJson<{ header?: { generated?: string } }>(paths.json);
  if (before?.header?.generated) {
    const same = { preset, header: { ...header, generated: before.header.generated }, notes, rows };
    if (JSON.stringify({ ...before, paper: undefined }) === JSON.stringify(same)) {
      header.generated = before.header.generated;
    }
  }
  writeJsonAtomic(paths.json, { preset, header, notes, rows, paper: PAPER_NUMBERS });
  const csvCols = [
    "label",
    "axis",
    "model",
    "width",
    "factors",
    "seeds_done",
    "seeds_planned",
    "test_acc_mean",
    "test_acc_std",
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
  const csv = [csvCols.join(",")].concat(rows.map((r) =>
    [
      r.label,
      r.axis,
      r.config.model,
      r.config.width,
      factors(r.config),
      r.seedsDone,
      r.seedsPlanned,
      r.testAccMean?.toFixed(4),
      r.testAccStd?.toFixed(4),
      r.trainAccMean?.toFixed(4),
      r.epochs,
      r.secondsPerRun?.toFixed(1),
      r.backends.join(" "),
      r.status,
      r.configKey,
    ].map(q).join(",")
  ));
  writeFileAtomic(paths.csv, csv.join("\n") + "\n");
  const md: string[] = [
    `# Results: preset \`${preset}\``,
    "",
    ...Object.entries(header).map(([k, v]) => `- **${k}**: ${v}`),
    "",
    ...notes.map((n) => `> ${n}`),
    "",
    "| row | factors | test acc % (mean ± std) | train acc % | seeds | epochs | s/run | backend | status |",
    "|---|---|---|---|---|---|---|---|---|",
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
  writeFileAtomic(paths.md, md.join("\n"));
  return paths;
}

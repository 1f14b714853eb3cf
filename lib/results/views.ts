/**
 * What the ablation notebooks and the report show: the results of a preset (running the `smoke`
 * grid when none exist, with a visible banner), ablation tables, accuracy bars with error bars and
 * mean learning curves per axis.
 *
 * @module
 */
import { type DataTable, dataTable } from "../notebooks/table.ts";
import { baseLayout, type Figure } from "../plots/figure.ts";
import { accuracyBarsFigure, learningCurvesFigure } from "../plots/training_figures.ts";
import { ablationRows, groupRows, meanCurves } from "./aggregate.ts";
import { paperComparison } from "./paper.ts";
import {
  axesOf,
  displayPath,
  type EpochRecordView,
  notebookPreset,
  readRuns,
  resultsRoot,
  type RunView,
} from "./runs.ts";

/** Human names of the grid's axes. */
export const AXIS_TITLES: Record<string, string> = {
  baseline: "baselines",
  regularizer: "regularizer type",
  scale: "scale factor α (mode/shape)",
  backward: "backward pass (estimator, β)",
  lambda: "regularization strength λ",
  model: "network",
};

/** The results of one preset, as shown by notebooks. */
export interface OpenResults {
  preset: string;
  resultsDir: string;
  runs: RunView[];
  /** True when the smoke grid was run (or used) because the requested preset had no results. */
  fallback: boolean;
  /** A Markdown banner saying what is shown (displayed when it ends a cell). */
  banner: { markdown: string };
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "–" : (100 * v).toFixed(2);
}

function acc(mean: number | null, std: number | null): string {
  return mean === null || !Number.isFinite(mean) ? "–" : `${pct(mean)} ± ${pct(std)}`;
}

function banner(markdown: string): { markdown: string } {
  const b = { markdown };
  Object.defineProperty(b, Symbol.for("Jupyter.display"), {
    value: () => ({ "text/markdown": markdown, "text/plain": markdown }),
  });
  return b;
}

async function runSmoke(resultsDir: string): Promise<string> {
  const root = new URL("../../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "reproduce", "--preset", "smoke"],
    cwd: root,
    env: { NO_COLOR: "1", BNN_RESULTS_DIR: resultsDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return out.code === 0 ? "" : `\`deno task reproduce --preset smoke\` exited ${out.code}: ` +
    text.trim().split("\n").slice(-3).join(" / ");
}

/**
 * Opens the results of `preset` (default `$BNN_PRESET`, else `quick`). When it has no finished
 * run, the `smoke` results are used instead, running `deno task reproduce --preset smoke` first
 * if needed (≈ 1–2 min), and the banner says so in bold.
 */
export async function openResults(
  preset: string = notebookPreset(),
  options: {
    resultsDir?: string; /** Run the smoke grid when needed; default true. */
    run?: boolean;
  } = {},
): Promise<OpenResults> {
  const resultsDir = options.resultsDir ?? resultsRoot();
  const done = (rs: RunView[]) => rs.filter((r) => r.summary?.status === "done").length;
  let runs = readRuns(preset, { resultsDir });
  if (done(runs) > 0) {
    return {
      preset,
      resultsDir,
      runs,
      fallback: false,
      banner: banner(
        `Results of preset **${preset}**: ${runs.length} runs (${done(runs)} finished) from ` +
          `\`${displayPath(`${resultsDir}/${preset}`)}/\`.`,
      ),
    };
  }
  runs = readRuns("smoke", { resultsDir });
  let problem = "";
  if (done(runs) === 0 && (options.run ?? true)) {
    problem = await runSmoke(resultsDir);
    runs = readRuns("smoke", { resultsDir });
  }
  if (done(runs) === 0) {
    throw new Error(
      `openResults: no finished runs for preset "${preset}"${
        preset === "smoke" ? "" : ' nor "smoke"'
      } in ${resultsDir}` +
        (problem ? `; ${problem}` : ""),
    );
  }
  const why = preset === "smoke"
    ? "No smoke results existed"
    : `No results for preset \`${preset}\``;
  const epochs = Math.max(0, ...runs.map((r) => r.summary?.epochs ?? 0));
  return {
    preset: "smoke",
    resultsDir,
    runs,
    fallback: true,
    banner: banner(
      `> ⚠️ **${why}: showing the \`smoke\` grid** (${done(runs)} finished runs, tiny synthetic ` +
        `data, ${epochs} epochs). **These accuracies mean nothing**; run \`deno task reproduce\` for ` +
        `real numbers.${problem ? `\n>\n> ${problem}` : ""}`,
    ),
  };
}

/** The ablation table of `axis` (accuracy in %, mean ± std over seeds). */
export function ablationTable(runs: RunView[], axis: string): DataTable {
  return dataTable(
    ablationRows(runs, axis).map((r) => ({
      [AXIS_TITLES[axis] ?? axis]: r.label,
      "test acc %": acc(r.mean, r.std),
      seeds: `${r.n}/${r.runs}`,
      epochs: r.epochs,
      "train s/run": Number.isFinite(r.seconds) ? Math.round(r.seconds) : null,
      backend: r.backend,
    })),
    { caption: `Ablation: ${AXIS_TITLES[axis] ?? axis}` },
  );
}

/** Readable names of the per-epoch metrics. */
export const METRIC_TITLES: Record<string, string> = {
  testAcc: "test accuracy %",
  trainAcc: "train accuracy %",
  loss: "train loss",
  testLoss: "test loss",
};

/** Accuracy bars (%, ± std over seeds) for each row of `axis`. */
export function ablationBars(runs: RunView[], axis: string): Figure {
  const rows = ablationRows(runs, axis).filter((r) => r.n > 0);
  if (rows.length === 0) throw new Error(`ablationBars: no finished runs on axis "${axis}"`);
  const fig = accuracyBarsFigure(
    rows.map((r) => ({ label: r.label, mean: 100 * r.mean, std: 100 * r.std, n: r.n })),
    { factor: AXIS_TITLES[axis] ?? axis, metric: "final test accuracy %" },
  );
  fig.layout.xaxis = { ...(fig.layout.xaxis as object), rangemode: "tozero" };
  return fig;
}

/** Mean learning curves (default test accuracy % per epoch) for each row of `axis`. */
export function ablationCurves(
  runs: RunView[],
  axis: string,
  options: { metric?: "testAcc" | "trainAcc" | "loss" | "testLoss" } = {},
): Figure {
  const metric = options.metric ?? "testAcc";
  const curves = meanCurves(runs, axis, { metric });
  if (curves.length === 0) throw new Error(`ablationCurves: no metrics on axis "${axis}"`);
  const scale = metric.endsWith("Acc") ? 100 : 1;
  const fig = learningCurvesFigure(
    curves.map((c) => ({ ...c, values: c.values.map((v) => scale * v) })),
    {
      metric: METRIC_TITLES[metric],
      title: `${AXIS_TITLES[axis] ?? axis}: ${METRIC_TITLES[metric]} per epoch (mean over seeds)`,
    },
  );
  return fig;
}

/** Our BNN+ default against the paper's published numbers. */
export function paperTable(runs: RunView[]): DataTable {
  return dataTable(
    paperComparison(runs).map((r) => ({
      paper: r.version,
      network: r.network,
      "paper %": pct(r.paper),
      "ours %": acc(r.ours, r.oursStd),
      seeds: r.seeds,
      "gap (pts)": r.gap === null ? "–" : (100 * r.gap).toFixed(2),
      note: r.note,
    })),
    { caption: "BNN+ default vs the paper's published CIFAR-10 numbers" },
  );
}

/** Every row of every axis in one table (axis, row, accuracy mean ± std, seeds, epochs, time). */
export function fullTable(runs: RunView[]): DataTable {
  const rows = axesOf(runs).flatMap((axis) =>
    ablationRows(runs, axis).map((r) => ({
      factor: AXIS_TITLES[axis] ?? axis,
      row: r.label,
      "test acc %": acc(r.mean, r.std),
      seeds: `${r.n}/${r.runs}`,
      epochs: r.epochs,
      "train s/run": Number.isFinite(r.seconds) ? Math.round(r.seconds) : null,
      backend: r.backend,
    }))
  );
  return dataTable(rows, { caption: "All ablation rows (final test accuracy, mean ± std)" });
}

interface TelemetryLine {
  flipRatio: number | null;
  layers: { size: number; nearAlpha: number; alpha: { mean: number } | null }[];
}

/** One number per epoch line from its `telemetry` field (NaN when absent). */
export function telemetryValue(
  m: EpochRecordView,
  kind: "flips" | "nearAlpha" | "alpha",
): number {
  const t = m.telemetry as TelemetryLine | undefined;
  if (!t || !Array.isArray(t.layers)) return NaN;
  if (kind === "flips") return t.flipRatio ?? NaN;
  const layers = kind === "alpha" ? t.layers.filter((l) => l.alpha) : t.layers;
  const total = layers.reduce((s, l) => s + l.size, 0);
  if (total === 0) return NaN;
  return layers.reduce(
    (s, l) => s + l.size * (kind === "alpha" ? l.alpha!.mean : l.nearAlpha),
    0,
  ) / total;
}

/**
 * Per-epoch telemetry of each row of `axis` (mean over seeds; layers weighted by size): share of
 * sign(W) flipped (`"flips"`), share of latent weights within 10 % of ±α (`"nearAlpha"`) or α
 * (`"alpha"`).
 */
export function ablationTelemetry(
  runs: RunView[],
  axis: string,
  options: { kind?: "flips" | "nearAlpha" | "alpha" } = {},
): Figure {
  const kind = options.kind ?? "nearAlpha";
  const curves = meanCurves(runs, axis, { metric: (m) => telemetryValue(m, kind) });
  const label = {
    flips: "share of sign(W) flipped",
    nearAlpha: "share of |w| within 10 % of α",
    alpha: "mean α",
  }[kind];
  if (curves.length === 0) {
    // Runs made before telemetry was recorded: say so in the figure instead of failing the cell.
    if (groupRows(runs, axis).size === 0) {
      throw new Error(`ablationTelemetry: no runs on axis "${axis}"`);
    }
    return {
      data: [],
      layout: baseLayout({
        title: `${AXIS_TITLES[axis] ?? axis}: ${label}`,
        height: 200,
        layout: {
          annotations: [{
            text: "No telemetry in these runs' metrics (rerun them to record it).",
            showarrow: false,
            xref: "paper",
            yref: "paper",
            x: 0.5,
            y: 0.5,
          }],
          xaxis: { visible: false },
          yaxis: { visible: false },
        },
      }),
    };
  }
  const fig = learningCurvesFigure(curves, {
    metric: label,
    title: `${AXIS_TITLES[axis] ?? axis}: ${label} per epoch`,
  });
  if (kind === "flips") {
    // A share from 0 (not Plotly's −1…1 around a single point); epochs from 0.
    const last = Math.max(1, ...curves.flatMap((c) => c.epochs));
    fig.layout.yaxis = { ...(fig.layout.yaxis as object), rangemode: "tozero", tickformat: ".1%" };
    fig.layout.xaxis = { ...(fig.layout.xaxis as object), range: [0, last + 0.5] };
  }
  return fig;
}

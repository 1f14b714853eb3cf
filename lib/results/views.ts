/**
 * What the ablation notebooks and the report show: the results of a preset (the `smoke` results,
 * with a visible banner, when the preset has none), ablation tables, accuracy bars with error bars
 * and mean learning curves per axis. Reads only; running a grid is the caller's business (the
 * notebook entry point's `openResults` runs the smoke grid when nothing exists).
 *
 * @module
 */
import { type DataTable, dataTable } from "../plots/table.ts";
import { baseLayout, type Figure } from "../plots/figure.ts";
import { accuracyBarsFigure, learningCurvesFigure } from "../plots/training_figures.ts";
import { defaultResultsDir, readRuns, type StoredRun } from "../experiments/store/store.ts";
import { ablationRows, groupRows, meanCurves, runsStatistics } from "./aggregate.ts";
import {
  formatComparison,
  formatInterval,
  type RowStatistics,
  statisticsLine,
} from "./statistics.ts";
import { paperComparison } from "./paper.ts";
import { rankingAgreement, rankingOverEpochs, rowCurves, rowFinals } from "./ranking.ts";
import { axesOf, displayPath } from "./runs.ts";

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
  runs: StoredRun[];
  /** True when the smoke grid is shown because the requested preset had no results. */
  fallback: boolean;
  /** A Markdown banner saying what is shown (displayed when it ends a cell). */
  banner: { markdown: string };
}

/** Thrown by {@link loadResults} when neither the preset nor `smoke` has a finished run. */
export class NoResultsError extends Error {
  constructor(
    /** The preset asked for. */
    readonly preset: string,
    /** The results folder searched. */
    readonly resultsDir: string,
    detail = "",
  ) {
    super(
      `openResults: no finished runs for preset "${preset}"${
        preset === "smoke" ? "" : ' nor "smoke"'
      } in ${resultsDir}` + (detail ? `; ${detail}` : "") +
        " (run `deno task reproduce --preset smoke` to make some)",
    );
    this.name = "NoResultsError";
  }
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

/** Options of {@link loadResults}. */
export interface LoadResultsOptions {
  /** Results folder; default `BNN_RESULTS_DIR` or `<repo>/results`. */
  resultsDir?: string;
  /** Said in the banner (or the error) when the smoke fallback is shown, e.g. why it was run. */
  detail?: string;
}

/**
 * The results of `preset`. When it has no finished run, the `smoke` results are returned instead
 * and the banner says so in bold; when those are missing too, throws {@link NoResultsError}.
 */
export function loadResults(preset: string, options: LoadResultsOptions = {}): OpenResults {
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  const done = (rs: StoredRun[]) => rs.filter((r) => r.summary?.status === "done").length;
  let runs = readRuns(resultsDir, preset);
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
  runs = readRuns(resultsDir, "smoke");
  if (done(runs) === 0) throw new NoResultsError(preset, resultsDir, options.detail);
  const why = preset === "smoke"
    ? "No smoke results existed"
    : `No results for preset \`${preset}\``;
  const epochs = Math.max(0, ...runs.map((r) => r.summary?.epochs ?? 0));
  const problem = options.detail ?? "";
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

/**
 * The statistics columns of a row (docs/statistics.md): n, 95 % CI of the mean, paired
 * difference vs the BNN+ default and vs BNN ([95 % CI] p, "n.s." when not significant), and the
 * runs left out as at chance after epoch 1.
 */
function statColumns(st: RowStatistics | undefined): Record<string, string | number> {
  return {
    n: st?.summary.n ?? 0,
    "95 % CI": st ? formatInterval(st.summary.ci) : "–",
    "Δ vs BNN+ default [95 % CI]": st ? formatComparison(st.vsDefault) : "–",
    "Δ vs BNN [95 % CI]": st ? formatComparison(st.vsBaseline) : "–",
    "at chance (excluded)": st?.excluded.map((e) => `seed ${e.seed}`).join(", ") || "",
  };
}

/**
 * The ablation table of `axis`: final test accuracy in %, mean ± std over seeds, with n, the 95 %
 * CI and the paired differences against the BNN+ default and BNN rows (caption: the seeds a
 * 1-point difference needs at the measured spread).
 */
export function ablationTable(runs: StoredRun[], axis: string): DataTable {
  const stats = runsStatistics(runs);
  return dataTable(
    ablationRows(runs, axis).map((r) => ({
      [AXIS_TITLES[axis] ?? axis]: r.label,
      "test acc %": acc(r.mean, r.std),
      ...statColumns(stats.byKey.get(r.configKey)),
      seeds: `${r.n}/${r.runs}`,
      epochs: r.epochs,
      "train s/run": Number.isFinite(r.seconds) ? Math.round(r.seconds) : null,
      backend: r.backend,
    })),
    {
      caption: `Ablation: ${AXIS_TITLES[axis] ?? axis}. Statistics: ${statisticsLine(stats.table)}`,
    },
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
export function ablationBars(runs: StoredRun[], axis: string): Figure {
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
  runs: StoredRun[],
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

/** The main model of a set of runs: VGG-small when present (the ablation grid's model). */
function mainModel(runs: StoredRun[]): string {
  const models = [...new Set(runs.map((r) => String(r.record.config.model ?? "vgg_small")))];
  return models.includes("vgg_small") ? "vgg_small" : models[0] ?? "vgg_small";
}

/**
 * Ranking stability over training: Kendall τ-b between the rows' ranking (mean test accuracy over
 * seeds) at each epoch and at the last epoch, over the rows of the main model.
 */
export function rankingStabilityTable(runs: StoredRun[]): DataTable {
  const curves = rowCurves(runs, { model: mainModel(runs) });
  return dataTable(
    rankingOverEpochs(curves).map((t) => ({
      epoch: t.epoch,
      "Kendall τ-b vs last epoch": Number.isFinite(t.tau) ? t.tau.toFixed(3) : "–",
      rows: t.rows,
    })),
    {
      caption: "Ranking stability: does the ranking of rows at epoch e match the final one? " +
        "(τ = 1: same order; 0: unrelated; −1: reversed)",
    },
  );
}

/** {@link rankingStabilityTable} as a line plot of τ per epoch. */
export function rankingStabilityFigure(runs: StoredRun[]): Figure {
  const taus = rankingOverEpochs(rowCurves(runs, { model: mainModel(runs) }))
    .filter((t) => Number.isFinite(t.tau));
  if (taus.length === 0) throw new Error("rankingStabilityFigure: fewer than 2 rows with metrics");
  const fig = learningCurvesFigure(
    [{
      name: "τ-b vs last epoch",
      epochs: taus.map((t) => t.epoch),
      values: taus.map((t) => t.tau),
    }],
    { metric: "Kendall τ-b", title: "Ranking of rows at each epoch vs at the last epoch" },
  );
  fig.layout.yaxis = { ...(fig.layout.yaxis as object), range: [-1.05, 1.05] };
  return fig;
}

/**
 * Does one preset's ranking predict another's? Kendall τ-b between the final mean test accuracy
 * of the rows (matched by label) of `a` and `b`, and the pairs of rows whose order flips.
 */
export function presetAgreementTable(
  a: { preset: string; runs: StoredRun[] },
  b: { preset: string; runs: StoredRun[] },
): DataTable {
  const r = rankingAgreement(
    rowFinals(a.runs, { model: mainModel(a.runs) }),
    rowFinals(b.runs, { model: mainModel(b.runs) }),
  );
  return dataTable(
    [{
      presets: `${a.preset} → ${b.preset}`,
      "common rows": r.common.length,
      "Kendall τ-b": Number.isFinite(r.tau) ? r.tau.toFixed(3) : "–",
      "pairs flipped": `${r.flips.length} of ${(r.common.length * (r.common.length - 1)) / 2}`,
      "flipped pairs": r.flips.map(([x, y]) => `${x} / ${y}`).join("; "),
      [`only in ${a.preset}`]: r.onlyA.join("; "),
      [`only in ${b.preset}`]: r.onlyB.join("; "),
    }],
    { caption: `Does ${a.preset} predict ${b.preset}? Ranking of the rows' final test accuracy` },
  );
}

/** Our BNN+ default against the paper's published numbers. */
export function paperTable(runs: StoredRun[]): DataTable {
  return dataTable(
    paperComparison(runs).map((r) => ({
      paper: r.version,
      network: r.network,
      "paper %": r.paper.toFixed(2),
      "ours %": r.ours === null ? "–" : `${r.ours.toFixed(2)} ± ${r.oursStd!.toFixed(2)}`,
      seeds: r.seeds,
      "gap (pts)": r.gap === null ? "–" : r.gap.toFixed(2),
      note: r.note,
    })),
    { caption: "BNN+ default vs the paper's published CIFAR-10 numbers" },
  );
}

/** Every row of every axis in one table (axis, row, accuracy mean ± std, seeds, epochs, time). */
export function fullTable(runs: StoredRun[]): DataTable {
  const stats = runsStatistics(runs);
  const rows = axesOf(runs).flatMap((axis) =>
    ablationRows(runs, axis).map((r) => ({
      factor: AXIS_TITLES[axis] ?? axis,
      row: r.label,
      "test acc %": acc(r.mean, r.std),
      ...statColumns(stats.byKey.get(r.configKey)),
      seeds: `${r.n}/${r.runs}`,
      epochs: r.epochs,
      "train s/run": Number.isFinite(r.seconds) ? Math.round(r.seconds) : null,
      backend: r.backend,
    }))
  );
  return dataTable(rows, {
    caption: `All ablation rows (final test accuracy, mean ± std). Statistics: ${
      statisticsLine(stats.table)
    }`,
  });
}

interface TelemetryLine {
  flipRatio: number | null;
  layers: { size: number; nearAlpha: number; alpha: { mean: number } | null }[];
}

/** One number per epoch line from its `telemetry` field (NaN when absent). */
export function telemetryValue(
  m: { [field: string]: unknown },
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
  runs: StoredRun[],
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

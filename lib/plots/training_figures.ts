/**
 * Figures of training results: learning curves, accuracy bars with error bars by ablation factor,
 * and latent-weight histograms. Inputs are plain arrays, so any run store can feed them.
 *
 * @module
 */
import {
  baseLayout,
  type Figure,
  histogramFigure,
  lineFigure,
  type LineSeries,
  withVerticalLines,
} from "./figure.ts";

/** One curve of a learning-curve figure: values per epoch. */
export interface CurveSeries {
  name: string;
  epochs: number[];
  values: number[];
}

/** Learning curves (e.g. test accuracy or loss per epoch), one line per run or group. */
export function learningCurvesFigure(
  series: CurveSeries[],
  options: { metric?: string; title?: string } = {},
): Figure {
  const metric = options.metric ?? "test accuracy";
  const lines: LineSeries[] = series.map((s) => ({ name: s.name, x: s.epochs, y: s.values }));
  const fig = lineFigure(lines, {
    title: options.title ?? `Learning curves: ${metric}`,
    xTitle: "epoch",
    yTitle: metric,
  });
  for (const t of fig.data) t.mode = "lines+markers";
  // Whole epochs only on the x axis.
  fig.layout.xaxis = { ...(fig.layout.xaxis as object), tickformat: "d", dtick: epochTick(series) };
  return fig;
}

function epochTick(series: CurveSeries[]): number {
  const max = Math.max(1, ...series.flatMap((s) => s.epochs));
  return Math.max(1, Math.ceil(max / 10));
}

/** One bar: a group label, mean and standard deviation over seeds. */
export interface BarStat {
  label: string;
  mean: number;
  std: number;
  /** Number of seeds behind the mean (shown in hover text). */
  n?: number;
}

/**
 * Accuracy bars with ± std error bars, one bar per level of an ablation factor. Bars are
 * horizontal (labels on the y axis, first row on top, margins sized to the labels), so long
 * grid labels stay readable; the figure grows with the number of rows.
 */
export function accuracyBarsFigure(
  rows: BarStat[],
  options: { factor?: string; metric?: string; title?: string } = {},
): Figure {
  if (rows.length === 0) throw new Error("accuracyBarsFigure: rows must not be empty");
  const metric = options.metric ?? "test accuracy";
  const fig: Figure = {
    data: [{
      type: "bar",
      orientation: "h",
      name: metric,
      y: rows.map((r) => r.label),
      x: rows.map((r) => r.mean),
      error_x: {
        type: "data",
        array: rows.map((r) => r.std),
        visible: rows.some((r) => r.std > 0),
      },
      hovertext: rows.map((r) => `${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} (n=${r.n ?? "?"})`),
    }],
    layout: baseLayout({
      title: options.title ?? `${metric} by ${options.factor ?? "config"}`,
      xTitle: metric,
      height: Math.max(300, 120 + 34 * rows.length),
      layout: {
        yaxis: { autorange: "reversed", automargin: true, title: { text: "" } },
        showlegend: false,
      },
    }),
  };
  return fig;
}

/** One weight snapshot: a label (e.g. "epoch 3") and the latent weights. */
export interface WeightHistogramInput {
  label: string;
  weights: ArrayLike<number>;
}

/** Overlaid histograms of latent weights, with dotted lines at ±α when `alpha` is given. */
export function weightHistogramFigure(
  snapshots: WeightHistogramInput[],
  options: { alpha?: number; bins?: number; title?: string } = {},
): Figure {
  const fig = histogramFigure(
    snapshots.map((s) => ({ name: s.label, values: s.weights })),
    {
      bins: options.bins ?? 80,
      title: options.title ?? "Latent weights",
      xTitle: "w",
    },
  );
  return options.alpha === undefined
    ? fig
    : withVerticalLines(fig, [-options.alpha, options.alpha], { color: "#d62728" });
}

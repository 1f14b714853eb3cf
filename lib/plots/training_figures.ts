/**
 * Figures of training results: learning curves, accuracy bars with error bars by ablation factor,
 * and latent-weight histograms. Inputs are plain arrays, so any run store can feed them.
 *
 * @module
 */
import {
  barFigure,
  type BarGroup,
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

/** Accuracy bars with ± std error bars, one bar per level of an ablation factor. */
export function accuracyBarsFigure(
  rows: BarStat[],
  options: { factor?: string; metric?: string; title?: string } = {},
): Figure {
  if (rows.length === 0) throw new Error("accuracyBarsFigure: rows must not be empty");
  const group: BarGroup = {
    name: options.metric ?? "test accuracy",
    bars: rows.map((r) => ({ category: r.label, value: r.mean, error: r.std })),
  };
  const fig = barFigure([group], {
    title: options.title ?? `${options.metric ?? "Test accuracy"} by ${options.factor ?? "config"}`,
    xTitle: options.factor ?? "config",
    yTitle: options.metric ?? "test accuracy",
  });
  fig.data[0].hovertext = rows.map((r) =>
    `${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} (n=${r.n ?? "?"})`
  );
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
    : withVerticalLines(fig, [-options.alpha, options.alpha], "#d62728");
}

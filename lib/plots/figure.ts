/**
 * Plotly figure specs built in TypeScript: a small {@link Figure} type and generic builders (lines,
 * bars with error bars, histograms). plotly.js itself is only loaded by the headless renderer
 * (`render.ts`); these specs are plain JSON, valid for `application/vnd.plotly.v1+json`.
 *
 * @module
 */

/** One Plotly trace (a subset of the Plotly schema plus a catch-all). */
export interface Trace {
  type?: "scatter" | "bar" | "histogram" | "heatmap";
  name?: string;
  x?: (number | string)[];
  y?: (number | string)[];
  mode?: string;
  line?: Record<string, unknown>;
  marker?: Record<string, unknown>;
  error_y?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A Plotly figure: traces plus layout (what `Plotly.newPlot(div, data, layout)` takes). */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
}

/** Layout options shared by the builders. */
export interface LayoutOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Pixel size used for PNG/SVG export. Default 640 × 400. */
  width?: number;
  height?: number;
  /** Extra layout fields merged last (e.g. `{ yaxis: { range: [0, 1] } }`). */
  layout?: Record<string, unknown>;
}

/** One line series for {@link lineFigure}. */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  /** Dashed line (e.g. for a reference curve). */
  dash?: boolean;
  /** Plotly color string. */
  color?: string;
}

/** One bar for {@link barFigure}: a category, its value and an optional ± error. */
export interface BarSpec {
  category: string;
  value: number;
  error?: number;
}

/** One named group of bars for {@link barFigure}. */
export interface BarGroup {
  name: string;
  bars: BarSpec[];
}

/** One sample for {@link histogramFigure}. */
export interface HistogramSample {
  name: string;
  values: ArrayLike<number>;
}

/** Default export size in pixels. */
export const DEFAULT_SIZE = { width: 640, height: 400 } as const;

/** Builds the layout object shared by all builders. */
export function baseLayout(options: LayoutOptions = {}): Record<string, unknown> {
  return {
    title: options.title ? { text: options.title } : undefined,
    width: options.width ?? DEFAULT_SIZE.width,
    height: options.height ?? DEFAULT_SIZE.height,
    xaxis: { title: { text: options.xTitle ?? "" }, zeroline: true },
    yaxis: { title: { text: options.yTitle ?? "" }, zeroline: true },
    margin: { l: 60, r: 20, t: options.title ? 50 : 20, b: 50 },
    template: "plotly_white",
    ...options.layout,
  };
}

/** `v` rounded to 7 significant digits (float32 precision), keeping notebook JSON small. */
export function round7(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(7)) : v;
}

function finiteArray(name: string, values: ArrayLike<number>): number[] {
  const out = Array.from(values);
  for (const v of out) {
    if (typeof v !== "number") {
      throw new Error(`${name}: expected numbers, got ${JSON.stringify(v)}`);
    }
  }
  return out;
}

/** A line chart with one trace per series. Non-finite y values become gaps. */
export function lineFigure(series: LineSeries[], options: LayoutOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) {
    throw new Error("lineFigure: series must be a non-empty array of {name, x, y}");
  }
  const data = series.map((s): Trace => {
    if (s.x.length !== s.y.length) {
      throw new Error(
        `lineFigure: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`,
      );
    }
    const y = finiteArray(`lineFigure series "${s.name}"`, s.y);
    return {
      type: "scatter",
      mode: "lines",
      name: s.name,
      x: finiteArray(`lineFigure series "${s.name}"`, s.x).map(round7),
      // JSON has no NaN: a null makes Plotly draw a gap.
      y: y.map((v) => (Number.isFinite(v) ? round7(v) : null)) as number[],
      line: { dash: s.dash ? "dash" : "solid", ...(s.color ? { color: s.color } : {}) },
    };
  });
  return { data, layout: baseLayout(options) };
}

/** Grouped bars, each with an optional symmetric error bar (e.g. ± std over seeds). */
export function barFigure(groups: BarGroup[], options: LayoutOptions = {}): Figure {
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new Error("barFigure: groups must be a non-empty array of {name, bars}");
  }
  const data = groups.map((g): Trace => ({
    type: "bar",
    name: g.name,
    x: g.bars.map((b) => b.category),
    y: g.bars.map((b) => b.value),
    error_y: {
      type: "data",
      array: g.bars.map((b) => b.error ?? 0),
      visible: g.bars.some((b) => (b.error ?? 0) > 0),
    },
  }));
  return {
    data,
    layout: baseLayout({ ...options, layout: { barmode: "group", ...options.layout } }),
  };
}

/**
 * Overlaid histograms, one per sample, binned here (not by plotly, so the spec stays small however
 * many values there are): `bins` equal-width bins over the common range, heights as densities.
 */
export function histogramFigure(
  samples: HistogramSample[],
  options: LayoutOptions & { bins?: number } = {},
): Figure {
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new Error("histogramFigure: samples must be a non-empty array of {name, values}");
  }
  const bins = options.bins ?? 60;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new Error(`histogramFigure: bins must be a positive integer, got ${bins}`);
  }
  const all = samples.map((s) => finiteArray(`histogramFigure sample "${s.name}"`, s.values));
  let lo = Infinity, hi = -Infinity;
  for (const vs of all) {
    for (const v of vs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  const size = (hi - lo) / bins;
  const centers = Array.from({ length: bins }, (_, i) => round7(lo + (i + 0.5) * size));
  const data = samples.map((s, k): Trace => {
    const counts = new Array(bins).fill(0);
    for (const v of all[k]) counts[Math.min(bins - 1, Math.floor((v - lo) / size))]++;
    const n = all[k].length || 1;
    return {
      type: "bar",
      name: s.name,
      x: centers,
      y: counts.map((c) => round7(c / (n * size))),
      width: size,
      opacity: samples.length > 1 ? 0.6 : 1,
      marker: { line: { width: 0 } },
    };
  });
  return {
    data,
    layout: baseLayout({
      yTitle: "density",
      ...options,
      layout: { barmode: "overlay", bargap: 0, ...options.layout },
    }),
  };
}

/** Adds vertical reference lines at the given x positions (e.g. ±α or zero crossings). */
export function withVerticalLines(
  fig: Figure,
  xs: number[],
  options: { color?: string } = {},
): Figure {
  const color = options.color ?? "#888";
  const shapes = xs.map((x) => ({
    type: "line",
    xref: "x",
    yref: "paper",
    x0: x,
    x1: x,
    y0: 0,
    y1: 1,
    line: { color, width: 1, dash: "dot" },
  }));
  const old = (fig.layout.shapes as unknown[] | undefined) ?? [];
  return { data: fig.data, layout: { ...fig.layout, shapes: [...old, ...shapes] } };
}

/** The pixel size a figure is exported at (its layout width/height, else the default). */
export function figureSize(fig: Figure): { width: number; height: number } {
  const w = Number(fig.layout.width ?? DEFAULT_SIZE.width);
  const h = Number(fig.layout.height ?? DEFAULT_SIZE.height);
  return { width: w > 0 ? w : DEFAULT_SIZE.width, height: h > 0 ? h : DEFAULT_SIZE.height };
}

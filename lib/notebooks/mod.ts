/**
 * The notebooks' entry point: everything of the core API (`lib/mod.ts`) plus figures (Plotly specs,
 * shown in Jupyter, saved as PNG/SVG/HTML), data tables, the quantizer and regularizer curves, the
 * views of `deno task reproduce` results and the notebook helpers. Notebooks import from here only.
 *
 * @example Draw the pseudo-gradients of every registered quantizer
 * ```ts
 * import assert from "node:assert/strict";
 * import { pseudoGradientFigure } from "./mod.ts";
 * const fig = pseudoGradientFigure({ beta: 5 });
 * assert.deepEqual(fig.data.map((t) => t.name), [
 *   "sign",
 *   "STE (hardtanh)",
 *   "ApproxSign",
 *   "SignSwish β=5",
 * ]);
 * ```
 *
 * @example A table that Jupyter shows as Markdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { dataTable } from "./mod.ts";
 * const t = dataTable([{ row: "BNN+", "test acc %": 61.2 }]);
 * assert.deepEqual(t.columns, ["row", "test acc %"]);
 * assert.match(t.markdown, /\| BNN\+ \| 61\.2000 \|/); // 4 significant decimals by default
 * ```
 *
 * @module
 */
export * from "../mod.ts";
export * from "../analysis/mod.ts";
export {
  barFigure,
  type BarGroup,
  type BarSpec,
  baseLayout,
  DEFAULT_SIZE,
  type Figure,
  figureSize,
  histogramFigure,
  type HistogramSample,
  type LayoutOptions,
  lineFigure,
  type LineSeries,
  type Trace,
  withVerticalLines,
} from "../plots/figure.ts";
export {
  describeFigure,
  figureBundle,
  figureHtml,
  type MimeBundle,
  saveFigure,
  show,
} from "../plots/show.ts";
export { closeRenderer, renderFigure, type RenderOptions } from "../plots/render.ts";
export * from "../plots/live.ts";
export * from "../plots/analysis_figures.ts";
export * from "../plots/training_figures.ts";
export * from "../plots/table.ts";
export * from "../results/mod.ts";
export * from "./display.ts";
export * from "./setup.ts";
export * from "./results.ts";
export * from "./demos.ts";
export * from "./quickstart.ts";

/**
 * Plotly figures for notebooks and reports: specs built in TypeScript, shown as Jupyter bundles
 * (interactive Plotly JSON + a PNG rendered by headless Chromium), saved as PNG/SVG/HTML, and
 * updated live during training.
 *
 * @module
 */
export * from "./figure.ts";
export * from "./render.ts";
export { publish } from "./jupyter.ts";
export * from "./show.ts";
export * from "./live.ts";
export * from "./analysis_figures.ts";
export * from "./training_figures.ts";
export * from "./png.ts";
export * from "./table.ts";

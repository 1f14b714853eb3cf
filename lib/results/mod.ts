/**
 * Views of `deno task reproduce` results for notebooks and sharing: run reading, ablation
 * aggregation, paper comparison, figures and the self-contained HTML report.
 *
 * @module
 */
export * from "./runs.ts";
export * from "./aggregate.ts";
export * from "./paper.ts";
export * from "./views.ts";
export * from "./report.ts";
export * from "./tables.ts";
export * from "./statistics.ts";
export * from "./ranking.ts";

/**
 * Read-only views of the run store that `deno task reproduce` writes
 * (`results/<preset>/runs/<run-id>/{config.json, summary.json, metrics.jsonl}`), for notebooks and
 * the HTML report. Only the fields drawn here are typed; everything else is kept as is.
 *
 * @module
 */
import { defaultResultsDir, readRuns as readStoredRuns } from "../experiments/store.ts";

/** The part of `config.json` the views use. */
export interface RunRecordView {
  runId: string;
  configKey: string;
  labels: string[];
  axes: string[];
  config: Record<string, unknown> & { seed?: number; model?: string; epochs?: number };
}

/** The part of `summary.json` the views use. */
export interface RunSummaryView {
  status: "done" | "failed";
  reason?: string;
  epochs: number;
  finalTestAcc: number | null;
  bestTestAcc?: number | null;
  trainSeconds?: number;
  backend?: string;
  [field: string]: unknown;
}

/** One line of `metrics.jsonl` (per finished epoch). */
export interface EpochRecordView {
  epoch: number;
  loss?: number;
  trainAcc?: number;
  testAcc?: number;
  testLoss?: number;
  [field: string]: unknown;
}

/** One run read back from disk. */
export interface RunView {
  record: RunRecordView;
  summary: RunSummaryView | null;
  metrics: EpochRecordView[];
}

/** The results folder: `$BNN_RESULTS_DIR`, else the repository's `results/`. */
export function resultsRoot(): string {
  return defaultResultsDir();
}

/** The preset notebooks show: `$BNN_PRESET`, else `quick`. */
export function notebookPreset(): string {
  return Deno.env.get("BNN_PRESET") ?? "quick";
}

/** Every run of `preset` under `resultsDir` that has a config.json, sorted by run id. */
export function readRuns(preset: string, options: { resultsDir?: string } = {}): RunView[] {
  if (!/^[\w.-]+$/.test(preset)) {
    throw new Error(`readRuns: preset ${JSON.stringify(preset)} must be a plain folder name`);
  }
  // Same files, read by the store; the views type only the fields they draw (JSON is unchecked).
  return readStoredRuns(options.resultsDir ?? resultsRoot(), preset) as unknown as RunView[];
}

const AXIS_ORDER = ["baseline", "regularizer", "scale", "backward", "lambda", "model"];

/** The axes (ablation factors) present in `runs`: the grid's axes in grid order, then others. */
export function axesOf(runs: RunView[]): string[] {
  const seen = [...new Set(runs.flatMap((r) => r.record.axes ?? []))];
  const rank = (a: string) => (AXIS_ORDER.includes(a) ? AXIS_ORDER.indexOf(a) : AXIS_ORDER.length);
  return seen.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i)
    .map((x) => x.a);
}

/** `path` relative to the repository root when inside it (for notebook outputs), else as is. */
export function displayPath(path: string): string {
  const root = new URL("../../", import.meta.url).pathname;
  return path.startsWith(root) ? path.slice(root.length) : path;
}

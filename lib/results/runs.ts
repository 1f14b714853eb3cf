/**
 * Where results live and how their axes are ordered, for tables, notebooks and the HTML report.
 * The runs themselves are read with the store's `readRuns` (`lib/experiments/store/store.ts`), the one
 * reader: `results/<preset>/runs/<run-id>/{config.json, summary.json, metrics.jsonl}`.
 *
 * @module
 */
import type { StoredRun } from "../experiments/store/store.ts";

const AXIS_ORDER = ["baseline", "regularizer", "scale", "backward", "lambda", "model"];

/** The axes (ablation factors) present in `runs`: the grid's axes in grid order, then others. */
export function axesOf(runs: StoredRun[]): string[] {
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

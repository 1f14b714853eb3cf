/**
 * Read-only views of the run store that `deno task reproduce` writes
 * (`results/<preset>/runs/<run-id>/{config.json, summary.json, metrics.jsonl}`), for notebooks and
 * the HTML report. Only the fields drawn here are typed; everything else is kept as is.
 *
 * @module
 */

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
  return Deno.env.get("BNN_RESULTS_DIR") ?? new URL("../../results", import.meta.url).pathname;
}

/** The preset notebooks show: `$BNN_PRESET`, else `quick`. */
export function notebookPreset(): string {
  return Deno.env.get("BNN_PRESET") ?? "quick";
}

function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Every run of `preset` under `resultsDir` that has a config.json, sorted by run id. */
export function readRuns(preset: string, options: { resultsDir?: string } = {}): RunView[] {
  if (!/^[\w.-]+$/.test(preset)) {
    throw new Error(`readRuns: preset ${JSON.stringify(preset)} must be a plain folder name`);
  }
  const dir = `${options.resultsDir ?? resultsRoot()}/${preset}/runs`;
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const runs: RunView[] = [];
  for (const name of names) {
    const record = readJson<RunRecordView>(`${dir}/${name}/config.json`);
    if (!record) continue;
    let metrics: EpochRecordView[] = [];
    try {
      metrics = Deno.readTextFileSync(`${dir}/${name}/metrics.jsonl`).split("\n")
        .filter((l) => l.trim() !== "").map((l, i) => {
          try {
            return JSON.parse(l);
          } catch {
            throw new Error(`${dir}/${name}/metrics.jsonl line ${i + 1}: not valid JSON`);
          }
        });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    runs.push({ record, summary: readJson(`${dir}/${name}/summary.json`), metrics });
  }
  return runs;
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

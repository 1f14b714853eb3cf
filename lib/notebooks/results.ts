/**
 * The notebooks' way in to the results: {@link openResults} shows a preset's results and, on a
 * fresh checkout with none at all, runs the `smoke` grid first (explicitly, here in the notebook
 * entry point, not inside the read-only views of `lib/results/`).
 *
 * @module
 */
import { loadResults, NoResultsError, type OpenResults } from "../results/views.ts";
import { defaultResultsDir } from "../experiments/store/store.ts";
import { notebookPreset } from "./setup.ts";

/** Options of {@link openResults}. */
export interface OpenResultsOptions {
  /** Results folder; default `BNN_RESULTS_DIR` or `<repo>/results`. */
  resultsDir?: string;
  /** Run the smoke grid when no results exist; default true. */
  run?: boolean;
}

/** Runs `deno task reproduce --preset smoke` into `resultsDir`; returns "" or what went wrong. */
export async function runSmokeGrid(resultsDir: string): Promise<string> {
  const root = new URL("../../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "reproduce", "--preset", "smoke"],
    cwd: root,
    env: { NO_COLOR: "1", BNN_RESULTS_DIR: resultsDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return out.code === 0 ? "" : `\`deno task reproduce --preset smoke\` exited ${out.code}: ` +
    text.trim().split("\n").slice(-3).join(" / ");
}

/**
 * Opens the results of `preset` (default `$BNN_PRESET`, else `quick`). When it has no finished
 * run, the `smoke` results are shown instead, running `deno task reproduce --preset smoke` first
 * if none exist (≈ 1–2 min; not with `run: false`), and the banner says so in bold.
 */
export async function openResults(
  preset: string = notebookPreset(),
  options: OpenResultsOptions = {},
): Promise<OpenResults> {
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  try {
    return loadResults(preset, { resultsDir });
  } catch (e) {
    if (!(e instanceof NoResultsError) || options.run === false) throw e;
  }
  const problem = await runSmokeGrid(resultsDir);
  return loadResults(preset, { resultsDir, detail: problem || undefined });
}

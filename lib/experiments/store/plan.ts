/**
 * Planning a grid on disk: the preset's runs, their config.json files, and which are still to do.
 * The local runner and other executors (Slurm) start from {@link planRuns}.
 *
 * @module
 */
import type { RunSpec } from "../config/grid.ts";
import { planPreset } from "../config/presets.ts";
import { defaultResultsDir, isSettled, materializeRuns, runState } from "./store.ts";

/** Options of {@link planRuns}. */
export interface PlanRunsOptions {
  preset: string;
  /** Results folder; default `BNN_RESULTS_DIR` or `<repo>/results`. */
  resultsDir?: string;
  /** Seeds per config; default the preset's. */
  seeds?: number;
  /** Only runs matching this pattern. */
  only?: string;
  /** Count failed runs as still to do. */
  retryFailed?: boolean;
}

/**
 * Plans a preset (grid × seeds, filtered by `only`), writes each run's config.json, and returns the
 * runs plus those still to do (no summary, or failed with `retryFailed`). Executors other than the
 * local one (e.g. Slurm) start from this.
 */
export async function planRuns(
  options: PlanRunsOptions,
): Promise<{ runs: RunSpec[]; pending: RunSpec[]; resultsDir: string }> {
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  const runs = await planPreset(options.preset, { seeds: options.seeds, only: options.only });
  if (runs.length === 0) {
    throw new Error(`--only '${options.only}' matches no run of preset '${options.preset}'`);
  }
  materializeRuns(resultsDir, options.preset, runs);
  const pending = runs.filter((r) =>
    !isSettled(runState(resultsDir, options.preset, r.runId, options))
  );
  return { runs, pending, resultsDir };
}

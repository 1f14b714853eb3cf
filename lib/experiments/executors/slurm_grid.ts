/**
 * Glue between the grid runner and the Slurm executor: plans a preset with the runner's
 * `planRuns` (same run ids as `reproduce`, config.json written for every run), describes it as a {@link SlurmGrid},
 * and rebuilds the tables with the Slurm failures marked. Also the `--executor slurm` branch of
 * the reproduce CLI ({@link reproduceOnSlurm}).
 *
 * @module
 */
import { planRuns } from "../store/plan.ts";
import { join, runState } from "../store/store.ts";
import { writeTables } from "../../results/tables.ts";
import { runOnSlurm, type SlurmFailure, type SlurmGrid, type SlurmOutcome } from "./slurm.ts";
import type { RunStatus } from "./slurm_status.ts";
import { validateResources } from "./slurm_script.ts";
import { markSlurmFailures } from "./slurm_tables.ts";

/** Options of {@link slurmGridFor}. */
export interface SlurmGridOptions {
  resultsDir: string;
  seeds?: number;
  only?: string;
  /** Failed runs count as pending (they are run again with `--retry-failed`). */
  retryFailed?: boolean;
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : join(Deno.cwd(), path);
}

/** Plans `preset` (writing each run's config.json) and describes it for {@link runOnSlurm}. */
export async function slurmGridFor(preset: string, options: SlurmGridOptions): Promise<SlurmGrid> {
  const resultsDir = absolute(options.resultsDir);
  const { runs } = await planRuns({ ...options, preset, resultsDir });
  const runStatus = (id: string): Promise<RunStatus> => {
    const s = runState(resultsDir, preset, id, options);
    // A run held by a live process (here or on another node) is started but not finished.
    if (s.state === "locked") return Promise.resolve({ state: "incomplete" });
    if (s.state === "failed") return Promise.resolve({ state: "failed", reason: s.reason });
    return Promise.resolve({ state: s.state });
  };
  return {
    preset,
    runIds: runs.map((r) => r.runId),
    runsDir: join(resultsDir, preset, "runs"),
    slurmDir: join(resultsDir, preset, "slurm"),
    runStatus,
    rebuildTables: async (failures: SlurmFailure[]) => {
      const paths = await writeTables(resultsDir, preset);
      await markSlurmFailures(paths, failures);
      return [paths.md, paths.csv, paths.json];
    },
  };
}

/** Options of {@link reproduceOnSlurm} (what `--executor slurm` passes; see `lib/cli/flags.ts`). */
export interface SlurmReproduceOptions {
  preset: string;
  resultsDir: string;
  seeds?: number;
  only?: string;
  /** Resubmit runs that failed in the runner. */
  retryFailed?: boolean;
  /** Backend forced in every element. */
  backend?: string;
  /** Data folder, as seen from the nodes. */
  dataDir?: string;
  /** Submit and follow; default false (write the files and print the sbatch command). */
  submit?: boolean;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  gres?: string;
}

/**
 * The `run-one --backend` arguments of each array element: `--backend` as given, else `gpu` when
 * `--gres` asks for a GPU (tfjs-node-gpu or WebGPU on a hardware adapter, else the run fails: a
 * GPU allocation never trains on the CPU), else none ("auto").
 */
export function elementBackendArgs(backend?: string, gres?: string): string[] {
  if (backend) return ["--backend", backend];
  if (gres && /(^|,)gpu([:(]|$)/.test(gres)) return ["--backend", "gpu"];
  return [];
}

/**
 * The `--executor slurm` branch of `deno task reproduce`: returns the exit code (0 when every run
 * is finished, or the files were written without `submit`; 1 when a run failed).
 */
export async function reproduceOnSlurm(options: SlurmReproduceOptions): Promise<number> {
  const resources = validateResources({
    partition: options.partition,
    time: options.time,
    cpusPerTask: options.cpusPerTask,
    mem: options.mem,
    gres: options.gres,
  });
  const grid = await slurmGridFor(options.preset, {
    resultsDir: options.resultsDir,
    seeds: options.seeds,
    only: options.only,
    retryFailed: options.retryFailed,
  });
  const extraArgs: string[] = [];
  extraArgs.push(...elementBackendArgs(options.backend, options.gres));
  if (options.retryFailed) extraArgs.push("--retry-failed");
  const out: SlurmOutcome = await runOnSlurm(grid, {
    submit: options.submit === true,
    projectDir: new URL("../../../", import.meta.url).pathname.replace(/\/$/, ""),
    resultsDir: absolute(options.resultsDir),
    dataDir: options.dataDir ? absolute(options.dataDir) : undefined,
    extraArgs,
    ...resources,
  });
  return out.exitCode;
}

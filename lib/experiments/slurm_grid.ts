/**
 * Glue between the grid runner and the Slurm executor: plans a preset with the runner's
 * `planRuns` (same run ids as `reproduce`, config.json written for every run), describes it as a {@link SlurmGrid},
 * and rebuilds the tables with the Slurm failures marked. Also the `--executor slurm` branch of
 * the reproduce CLI ({@link reproduceOnSlurm}).
 *
 * @module
 */
import type { FlagSpec } from "../cli/args.ts";
import { planRuns } from "./plan.ts";
import { defaultResultsDir, join, readJson, runDir, type RunSummary } from "./store.ts";
import { writeTables } from "./tables.ts";
import { runOnSlurm, type SlurmFailure, type SlurmGrid, type SlurmOutcome } from "./slurm.ts";
import type { RunStatus } from "./slurm_status.ts";
import { validateResources } from "./slurm_script.ts";
import { markSlurmFailures } from "./slurm_tables.ts";

/** Flags the reproduce CLI adds for the Slurm executor. */
export const SLURM_FLAGS: Record<string, FlagSpec> = {
  executor: { type: "string", default: "local", description: "local or slurm" },
  partition: { type: "string", description: "slurm: partition (default: the cluster's)" },
  time: { type: "string", description: "slurm: time limit per run, e.g. 02:00:00" },
  "cpus-per-task": { type: "string", description: "slurm: CPUs per run" },
  mem: { type: "string", description: "slurm: memory per run, e.g. 4G" },
  gres: { type: "string", description: "slurm: generic resources per run, e.g. gpu:1" },
  submit: { type: "boolean", description: "slurm: submit and follow (default: print sbatch)" },
};

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
    const dir = runDir(resultsDir, preset, id);
    const s = readJson<RunSummary>(join(dir, "summary.json"));
    if (s?.status === "done") return Promise.resolve({ state: "finished" });
    if (s?.status === "failed" && !options.retryFailed) {
      return Promise.resolve({ state: "failed", reason: s.reason ?? "run failed" });
    }
    let started = false;
    try {
      started = Deno.statSync(join(dir, "metrics.jsonl")).isFile;
    } catch { /* not started */ }
    return Promise.resolve({ state: started ? "incomplete" : "new" });
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

/** Parsed reproduce flags the Slurm branch reads. */
export type ReproduceFlags = Record<string, string | boolean | undefined>;

const SLURM_ONLY = ["partition", "time", "cpus-per-task", "mem", "gres", "submit"];

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
 * The executor choice of `deno task reproduce`: null for `--executor local` (the caller runs the
 * grid locally; Slurm-only flags are then an error), else the exit code of
 * {@link reproduceOnSlurm}. An unknown executor throws one error naming the flag.
 */
export async function slurmExecutor(
  flags: ReproduceFlags,
  options: { seeds?: number } = {},
): Promise<number | null> {
  const executor = flags.executor ?? "local";
  if (executor === "local") {
    const given = SLURM_ONLY.filter((f) => flags[f] !== undefined && flags[f] !== false);
    if (given.length > 0) {
      throw new Error(`${given.map((f) => `--${f}`).join(", ")}: only with --executor slurm`);
    }
    return null;
  }
  if (executor !== "slurm") {
    throw new Error(`--executor: expected local or slurm, got '${executor}'`);
  }
  const resultsDir = typeof flags["results-dir"] === "string"
    ? flags["results-dir"]
    : defaultResultsDir();
  return await reproduceOnSlurm(flags, { resultsDir, seeds: options.seeds });
}

/**
 * The `--executor slurm` branch of `deno task reproduce`: returns the exit code (0 when every run
 * is finished, or the files were written without `--submit`; 1 when a run failed).
 */
export async function reproduceOnSlurm(
  flags: ReproduceFlags,
  options: { resultsDir: string; seeds?: number },
): Promise<number> {
  const preset = String(flags.preset);
  const str = (k: string) => (typeof flags[k] === "string" ? flags[k] as string : undefined);
  let cpus: number | undefined;
  if (str("cpus-per-task") !== undefined) {
    cpus = Number(str("cpus-per-task"));
    if (!Number.isInteger(cpus) || cpus < 1) {
      throw new Error(
        `--cpus-per-task: expected a positive integer, got '${str("cpus-per-task")}'`,
      );
    }
  }
  const resources = validateResources({
    partition: str("partition"),
    time: str("time"),
    cpusPerTask: cpus,
    mem: str("mem"),
    gres: str("gres"),
  });
  const grid = await slurmGridFor(preset, {
    resultsDir: options.resultsDir,
    seeds: options.seeds,
    only: str("only"),
    retryFailed: flags["retry-failed"] === true,
  });
  const extraArgs: string[] = [];
  extraArgs.push(...elementBackendArgs(str("backend"), resources.gres));
  if (flags["retry-failed"] === true) extraArgs.push("--retry-failed");
  const out: SlurmOutcome = await runOnSlurm(grid, {
    submit: flags.submit === true,
    projectDir: new URL("../../", import.meta.url).pathname.replace(/\/$/, ""),
    resultsDir: absolute(options.resultsDir),
    dataDir: str("data-dir") ? absolute(str("data-dir")!) : undefined,
    extraArgs,
    ...resources,
  });
  return out.exitCode;
}

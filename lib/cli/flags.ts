/**
 * Flags shared by several commands and their mapping to library options: `--data-dir`
 * ({@link DATA_FLAGS}) and the Slurm executor's flags of `deno task reproduce`
 * ({@link SLURM_FLAGS}, {@link slurmExecutor}). All flag parsing lives in `lib/cli/`; the library
 * takes typed options.
 *
 * @module
 */
import { ArgsError, type FlagSpec, oneOfFlag, positiveIntFlag } from "./args.ts";
import type { LoadOptions } from "../data/load.ts";
import { defaultResultsDir } from "../experiments/store/store.ts";
import { reproduceOnSlurm } from "../experiments/executors/slurm.ts";

/** The `--data-dir` flag, for CLIs built on `lib/cli/args.ts`. */
export const DATA_FLAGS: Record<string, FlagSpec> = {
  "data-dir": {
    type: "string",
    description: "directory holding the dataset files (or <dir>/<name>/); else BNN_DATA_DIR, data/",
  },
};

/** Maps parsed flags (see {@link DATA_FLAGS}) to {@link LoadOptions}. */
export function dataOptionsFromFlags(flags: Record<string, unknown>): LoadOptions {
  const dir = flags["data-dir"];
  return typeof dir === "string" && dir !== "" ? { dataDir: dir } : {};
}

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

/** Parsed reproduce flags the Slurm branch reads. */
export type ReproduceFlags = Record<string, string | boolean | undefined>;

const SLURM_ONLY = ["partition", "time", "cpus-per-task", "mem", "gres", "submit"];

/**
 * The executor choice of `deno task reproduce`: null for `--executor local` (the caller runs the
 * grid locally; Slurm-only flags are then an error), else the exit code of the Slurm executor
 * (`reproduceOnSlurm`). An unknown executor or a bad Slurm flag throws one {@link ArgsError}
 * naming the flag.
 */
export async function slurmExecutor(
  flags: ReproduceFlags,
  options: { seeds?: number } = {},
): Promise<number | null> {
  const executor = flags.executor ?? "local";
  if (executor === "local") {
    const given = SLURM_ONLY.filter((f) => flags[f] !== undefined && flags[f] !== false);
    if (given.length > 0) {
      throw new ArgsError(`${given.map((f) => `--${f}`).join(", ")}: only with --executor slurm`);
    }
    return null;
  }
  oneOfFlag("executor", executor, ["local", "slurm"] as const);
  const str = (k: string) => (typeof flags[k] === "string" ? flags[k] as string : undefined);
  const cpusPerTask = positiveIntFlag("cpus-per-task", str("cpus-per-task"));
  return await reproduceOnSlurm({
    preset: String(flags.preset),
    resultsDir: str("results-dir") ?? defaultResultsDir(),
    seeds: options.seeds,
    only: str("only"),
    retryFailed: flags["retry-failed"] === true,
    backend: str("backend"),
    dataDir: str("data-dir"),
    submit: flags.submit === true,
    partition: str("partition"),
    time: str("time"),
    cpusPerTask,
    mem: str("mem"),
    gres: str("gres"),
  });
}

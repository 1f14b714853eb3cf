/**
 * `deno task reproduce [--preset quick] [--only PATTERN] [--workers N] [--seeds K]
 * [--data-dir D] [--backend B] [--results-dir R | --share] [--retry-failed] [--dry-run]`: runs (or
 * resumes) a preset's ablation grid and writes `<results>/<preset>/table.{md,csv,json}`. Exits
 * non-zero when any run failed, listing them.
 *
 * By default the runs go to the git-ignored `results/local/` (so a fresh clone trains instead of
 * finding the committed runs finished), and the command ends by comparing every run with the
 * shared, committed runs in `results/<preset>/` ("40/40 runs identical …" or what differs).
 * `--share` trains into `results/` itself (to update the shared tables); `--results-dir` or
 * `$BNN_RESULTS_DIR` pick any other folder.
 * With `--executor slurm [--partition P] [--time T] [--cpus-per-task N] [--mem M] [--gres G]
 * [--submit]` the grid goes to a Slurm cluster as a job array instead (see
 * lib/experiments/executors/slurm.ts).
 *
 * @module
 */
import { type FlagSpec, oneOfFlag, parseArgs, positiveIntFlag, usage } from "./args.ts";
import { reproduce } from "../experiments/executors/runner.ts";
import { planPreset, PRESETS } from "../experiments/config/presets.ts";
import { estimatePlan, formatPlan } from "../experiments/run/estimate.ts";
import { type BackendName, initBackend, threadsPerWorker } from "../backend/mod.ts";
import { BACKEND_NAMES } from "../backend/init.ts";
import { SLURM_FLAGS, slurmExecutor } from "./flags.ts";
import { availableBackends, formatBackends } from "../backend/available.ts";
import { readRuns } from "../experiments/store/store.ts";
import { compareRuns, formatComparison } from "../results/compare.ts";

/** The shared results folder (committed): `<repo>/results`. */
export const SHARED_RESULTS_DIR = new URL("../../results", import.meta.url).pathname;
/** The default, git-ignored folder of runs trained here: `<repo>/results/local`. */
export const LOCAL_RESULTS_DIR = `${SHARED_RESULTS_DIR}/local`;

/**
 * The results folder of a reproduce call: `--results-dir`, else `$BNN_RESULTS_DIR`, else
 * `results/` with `--share`, else the git-ignored `results/local/`.
 */
export function chooseResultsDir(
  flags: { "results-dir"?: unknown; share?: unknown },
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  const explicit = flags["results-dir"] as string | undefined;
  if (explicit !== undefined && flags.share) {
    throw new Error("--share and --results-dir exclude each other (--share means results/)");
  }
  if (explicit !== undefined) return explicit;
  if (flags.share) return SHARED_RESULTS_DIR;
  return env("BNN_RESULTS_DIR") ?? LOCAL_RESULTS_DIR;
}

/**
 * The closing lines of a local reproduce: each run of `preset` in `resultsDir` against the shared
 * run of the same id in `sharedDir` (nothing when they are the same folder or nothing is shared).
 */
export function comparisonText(
  resultsDir: string,
  preset: string,
  sharedDir: string = SHARED_RESULTS_DIR,
): string | null {
  const norm = (p: string) => p.replace(/\/+$/, "");
  if (norm(resultsDir) === norm(sharedDir)) return null;
  const shared = readRuns(sharedDir, preset);
  if (shared.length === 0) {
    return `no shared results of preset ${preset} in ${sharedDir}/ to compare with`;
  }
  const local = readRuns(resultsDir, preset);
  const shown = sharedDir.startsWith(SHARED_RESULTS_DIR)
    ? `results${sharedDir.slice(SHARED_RESULTS_DIR.length)}/${preset}`
    : `${sharedDir}/${preset}`;
  return formatComparison(compareRuns(local, shared), shown);
}

const SPEC: Record<string, FlagSpec> = {
  preset: {
    type: "string",
    default: "quick",
    description: `grid preset: ${Object.keys(PRESETS).join(", ")}`,
  },
  only: { type: "string", description: "only runs whose id/label/axis contains this (or /regex/)" },
  workers: { type: "string", default: "2", description: "parallel worker processes" },
  seeds: { type: "string", description: "seeds per config (default: the preset's)" },
  "data-dir": { type: "string", description: "data folder for the dataset loader" },
  backend: {
    type: "string",
    description:
      "force a backend (gpu, tensorflow, webgpu, wasm, cpu; gpu = tfjs-node-gpu or WebGPU)",
  },
  "results-dir": {
    type: "string",
    description: "results folder (default $BNN_RESULTS_DIR, else the git-ignored results/local/)",
  },
  share: {
    type: "boolean",
    description: "train into the shared results/ folder (updates the committed tables)",
  },
  "retry-failed": { type: "boolean", description: "redo runs that failed before" },
  "dry-run": {
    type: "boolean",
    description: "list the runs and estimate the time from a measured step",
  },
  "no-measure": { type: "boolean", description: "with --dry-run: list only, do not measure" },
  ...SLURM_FLAGS,
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** Entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let flags;
  let workers, seeds, resultsDir;
  try {
    flags = parseArgs(argv, SPEC).flags;
    if (flags.help) {
      console.log(usage("deno task reproduce", SPEC));
      return 0;
    }
    workers = positiveIntFlag("workers", flags.workers)!;
    seeds = positiveIntFlag("seeds", flags.seeds);
    oneOfFlag("backend", flags.backend, BACKEND_NAMES);
    resultsDir = chooseResultsDir(flags);
  } catch (e) {
    console.error(
      `reproduce: ${(e as Error).message}\n(deno task reproduce --help lists the flags)`,
    );
    return 2;
  }
  const preset = flags.preset as string;
  const only = flags.only as string | undefined;
  try {
    if (flags["dry-run"]) {
      const runs = await planPreset(preset, { seeds, only });
      if (runs.length === 0) {
        // The same message and exit code as without --dry-run (planRuns).
        throw new Error(`--only '${only}' matches no run of preset '${preset}'`);
      }
      let est = null, measuredOn = "";
      if (!flags["no-measure"]) {
        // Measured with the threads each worker process will get.
        const b = await initBackend({
          backend: flags.backend as BackendName | undefined,
          threads: threadsPerWorker(workers),
          quiet: true,
        });
        measuredOn = b.name;
        console.error(`measuring step times on backend ${b.name} (${b.reason}) …`);
        est = estimatePlan(runs, workers, {
          backend: `${b.name}${b.threads ? `×${b.threads}` : ""}`,
          onMeasured: (k, t) => console.error(`  ${k}: ${t.wall.toFixed(3)} s/step`),
        });
      }
      console.log(formatPlan(runs, est, workers));
      if (est) {
        // With estimates: the backends this machine has besides the measured one.
        console.log(formatBackends(await availableBackends(), measuredOn));
        console.log(
          `(one backend per process: for another, rerun with --backend NAME; ` +
            `method and caveats in docs/statistics.md)`,
        );
      }
      return 0;
    }
    const slurmExit = await slurmExecutor({ ...flags, "results-dir": resultsDir }, { seeds });
    if (slurmExit !== null) return slurmExit;
    const res = await reproduce({
      preset,
      only,
      workers,
      seeds,
      dataDir: flags["data-dir"] as string | undefined,
      backend: flags.backend as string | undefined,
      resultsDir,
      retryFailed: flags["retry-failed"] === true,
    });
    console.error(`tables: ${res.tables.md}, ${res.tables.csv}, ${res.tables.json}`);
    const comparison = comparisonText(resultsDir, preset);
    if (comparison) console.error(comparison);
    if (res.problems.length > 0) {
      console.error(`${res.problems.length} run(s) did not finish:`);
      for (const p of res.problems) {
        console.error(`  ${p.kind} ${p.runId} (${p.label}): ${p.reason}`);
      }
      return 1;
    }
    if (res.interrupted) {
      console.error("interrupted: rerun the same command to resume");
      return 130;
    }
    return 0;
  } catch (e) {
    console.error(`reproduce: ${(e as Error).message}`);
    return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

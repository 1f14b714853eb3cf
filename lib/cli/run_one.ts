/**
 * `deno task run-one --preset P --run-id ID`: trains (or resumes) one run of a preset's results
 * folder. Used by the `reproduce` workers and by Slurm array elements. Exit codes: 0 done (or
 * already done), 1 error, 2 bad arguments, 3 locked by another live process, 4 failed
 * (non-finite loss; see summary.json), 5 interrupted after a checkpoint (SIGTERM/SIGINT).
 *
 * @module
 */
import { type FlagSpec, oneOfFlag, parseArgs, positiveIntFlag, usage } from "./args.ts";
import { BACKEND_NAMES } from "../backend/init.ts";
import { EXIT, runWorker } from "../experiments/run/worker.ts";
import { defaultResultsDir } from "../experiments/store/store.ts";

const SPEC: Record<string, FlagSpec> = {
  preset: { type: "string", description: "preset name (smoke, quick, paper)" },
  "run-id": { type: "string", description: "run id (see reproduce --dry-run)" },
  "results-dir": {
    type: "string",
    description: "results folder (default $BNN_RESULTS_DIR or results/)",
  },
  "data-dir": { type: "string", description: "data folder passed to the dataset loader" },
  backend: {
    type: "string",
    description:
      "force a backend (gpu, tensorflow, webgpu, wasm, cpu; gpu = tfjs-node-gpu or WebGPU)",
  },
  seeds: {
    type: "string",
    description: "seeds used to plan the preset if config.json is missing",
    default: "10",
  },
  "retry-failed": { type: "boolean", description: "redo the run if it failed before" },
  "checkpoint-seconds": {
    type: "string",
    description: "mid-epoch checkpoint period",
    default: "300",
  },
  events: { type: "boolean", description: "print @bnn JSON progress events on stdout" },
  "watch-stdin": { type: "boolean", description: "checkpoint and stop when stdin closes" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** Entry point. */
export async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs(argv, SPEC).flags;
    if (flags.help) {
      console.log(usage("deno task run-one --preset P --run-id ID", SPEC));
      return EXIT.ok;
    }
    oneOfFlag("backend", flags.backend, BACKEND_NAMES);
  } catch (e) {
    console.error(`run-one: ${(e as Error).message}\n(deno task run-one --help lists the flags)`);
    return EXIT.usage;
  }
  for (const f of ["preset", "run-id"]) {
    if (typeof flags[f] !== "string" || flags[f] === "") {
      console.error(`run-one: --${f} is required\n${usage("deno task run-one", SPEC)}`);
      return EXIT.usage;
    }
  }
  let seeds, checkpointSeconds;
  try {
    seeds = positiveIntFlag("seeds", flags.seeds);
    checkpointSeconds = positiveIntFlag("checkpoint-seconds", flags["checkpoint-seconds"]);
  } catch (e) {
    console.error(`run-one: ${(e as Error).message}`);
    return EXIT.usage;
  }
  return await runWorker({
    preset: flags.preset as string,
    runId: flags["run-id"] as string,
    resultsDir: (flags["results-dir"] as string | undefined) ?? defaultResultsDir(),
    dataDir: flags["data-dir"] as string | undefined,
    backend: flags.backend as string | undefined,
    seeds,
    retryFailed: flags["retry-failed"] === true,
    checkpointSeconds,
    events: flags.events === true,
    watchStdin: flags["watch-stdin"] === true,
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));

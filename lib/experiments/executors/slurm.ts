/**
 * The Slurm executor of `deno task reproduce --executor slurm`: plans a preset with the store's
 * `planRuns` (same run ids as `reproduce`, config.json written for every run), writes
 * `results/<preset>/slurm/` (a manifest of pending runs and an `sbatch` job-array script, one
 * element per run), and with `submit` submits it, follows it with one progress line, lists failed
 * elements with their logs and reasons, and rebuilds the tables with the runs that did not finish
 * marked (`table.json` gains a `slurm` block and each affected row a `slurmFailures` list,
 * `table.md` a section listing each failed element; `table.csv` already carries each row's
 * status). Every element runs the project's single-run entry point, which resumes from a
 * checkpoint and never redoes a finished run, so a cancelled, preempted or timed-out element
 * continues where it stopped when requeued or resubmitted. Also the `--executor slurm` branch of
 * the reproduce CLI ({@link reproduceOnSlurm}; flags are parsed in `lib/cli/flags.ts`).
 *
 * @module
 */
import { planRuns } from "../store/plan.ts";
import { join, runState } from "../store/store.ts";
import { writeTables } from "../../results/tables.ts";
import { writeJsonAtomic, writeTextFileAtomic } from "../../util/atomic.ts";
import {
  activeElements,
  checkPartition,
  elementKey,
  failureReason,
  followElements,
  formatFailures,
  readJobs,
  recordJob,
  requireSlurm,
  type RunStatus,
  runStatusFromFiles,
  type SlurmEnvOptions,
  type SlurmFailure,
  submitScript,
  type TrackedElement,
} from "./slurm_queue.ts";
import {
  sbatchScript,
  shellQuote,
  type SlurmResources,
  validateResources,
} from "./slurm_script.ts";

export type { RunStatus, SlurmFailure } from "./slurm_queue.ts";
export type { SlurmResources } from "./slurm_script.ts";

/** The grid handed to Slurm, as the runner describes it. */
export interface SlurmGrid {
  /** Preset name (`run-one --preset`). */
  preset: string;
  /** Every run id of the grid, in table order. */
  runIds: string[];
  /** Absolute folder holding the run folders (`<runsDir>/<id>/`). */
  runsDir: string;
  /** Absolute `results/<preset>/slurm` folder for the manifest, script and logs. */
  slurmDir: string;
  /** Status of one run (default: {@link runStatusFromFiles} on `runsDir`). */
  runStatus?: (id: string) => Promise<RunStatus>;
  /** Rebuilds the grid's tables, marking `failures`; returns the paths written. */
  rebuildTables?: (failures: SlurmFailure[]) => Promise<string[]>;
}

/** Options of {@link runOnSlurm}. */
export interface SlurmExecutorOptions extends SlurmResources, SlurmEnvOptions {
  /** Submit and follow (otherwise only write the files and print the command). */
  submit?: boolean;
  /** Absolute project folder holding deno.json (default: the current directory). */
  projectDir?: string;
  /** `run-one --results-dir` for every element (absolute). */
  resultsDir?: string;
  /** `run-one --data-dir` for every element (absolute; must be reachable from every node). */
  dataDir?: string;
  /** Extra `run-one` arguments (e.g. `["--backend", "cpu"]`). */
  extraArgs?: string[];
  /** Milliseconds between two looks at the queue (default: adaptive, 1 s to 10 s). */
  pollMs?: number;
  /** Seconds before the time limit at which an element checkpoints and requeues (default 120). */
  signalSeconds?: number;
  /** Where progress and messages go (default: stdout; progress rewritten in place on a TTY). */
  print?: (line: string, progress?: boolean) => void;
}

/** What {@link runOnSlurm} did. */
export interface SlurmOutcome {
  /** 0 when every run of the grid is finished (or, without submit, when the files were written). */
  exitCode: number;
  /** Absolute path of the array script (absent when nothing was pending). */
  scriptPath?: string;
  /** The exact submission command. */
  command?: string;
  /** Run ids that were pending (one element each). */
  pending: string[];
  /** Slurm job id, when submitted. */
  jobId?: string;
  failures: SlurmFailure[];
  /** Tables rebuilt at the end. */
  tables: string[];
}

function defaultPrint(): (line: string, progress?: boolean) => void {
  const tty = Deno.stdout.isTerminal();
  const enc = new TextEncoder();
  let open = false;
  return (line, progress) => {
    if (progress && tty) {
      Deno.stdout.writeSync(enc.encode(`\r\x1b[2K${line}`));
      open = true;
      return;
    }
    Deno.stdout.writeSync(enc.encode(`${open ? "\n" : ""}${line}\n`));
    open = false;
  };
}

async function statuses(grid: SlurmGrid): Promise<Map<string, RunStatus>> {
  const get = grid.runStatus ?? ((id: string) => runStatusFromFiles(grid.runsDir, id));
  const map = new Map<string, RunStatus>();
  for (const id of grid.runIds) map.set(id, await get(id));
  return map;
}

/**
 * Writes `slurmDir/manifest.json` and `slurmDir/array.sbatch` for the runs of `grid` that are not
 * finished (failed runs are not retried: the runner decided), and returns the exact command.
 */
export async function prepareSlurm(
  grid: SlurmGrid,
  options: SlurmExecutorOptions & { exclude?: Set<string> } = {},
): Promise<{ pending: string[]; scriptPath?: string; command?: string }> {
  validateResources(options);
  const st = await statuses(grid);
  const pending = grid.runIds.filter((id) => {
    const s = st.get(id)!.state;
    return (s === "new" || s === "incomplete") && !options.exclude?.has(id);
  });
  if (pending.length === 0) return { pending };
  const logDir = `${grid.slurmDir}/logs`;
  await Deno.mkdir(logDir, { recursive: true });
  const projectDir = options.projectDir ?? Deno.cwd();
  const scriptPath = `${grid.slurmDir}/array.sbatch`;
  const script = sbatchScript(pending, {
    ...options,
    preset: grid.preset,
    projectDir,
    logDir,
    runsDir: grid.runsDir,
    denoFallback: Deno.execPath(),
  });
  const command = `sbatch ${shellQuote(scriptPath)}`;
  const manifest = {
    preset: grid.preset,
    createdAt: new Date().toISOString(),
    projectDir,
    runsDir: grid.runsDir,
    resultsDir: options.resultsDir ?? null,
    dataDir: options.dataDir ?? null,
    resources: {
      partition: options.partition ?? null,
      time: options.time ?? null,
      cpusPerTask: options.cpusPerTask ?? null,
      mem: options.mem ?? null,
      gres: options.gres ?? null,
    },
    script: scriptPath,
    command,
    total: grid.runIds.length,
    pending: pending.map((runId, index) => ({ index, runId })),
  };
  await writeJsonAtomic(`${grid.slurmDir}/manifest.json`, manifest);
  await writeTextFileAtomic(scriptPath, script, { mode: 0o755 });
  return { pending, scriptPath, command };
}

/**
 * Runs `grid` through Slurm: prepares the files; without `submit` prints the command; with
 * `submit` checks the cluster (sbatch present, partition exists), submits the pending runs that
 * no earlier array element of this grid is still running, follows them (and those earlier
 * elements), reports failures and rebuilds the tables. Exit code non-zero when a run of the grid
 * is not finished.
 */
export async function runOnSlurm(
  grid: SlurmGrid,
  options: SlurmExecutorOptions = {},
): Promise<SlurmOutcome> {
  const print = options.print ?? defaultPrint();
  const opts = { ...options, print };
  validateResources(options);
  const get = grid.runStatus ?? ((id: string) => runStatusFromFiles(grid.runsDir, id));
  let earlier: TrackedElement[] = [];
  if (options.submit) {
    await requireSlurm(["sbatch", "squeue", "sinfo"], options);
    await checkPartition(options.partition, options);
    earlier = await activeElements(await readJobs(grid.slurmDir), options);
  }
  const exclude = new Set(earlier.map((e) => e.runId));
  const { pending, scriptPath, command } = await prepareSlurm(grid, { ...opts, exclude });
  const outcome: SlurmOutcome = {
    exitCode: 0,
    pending,
    scriptPath,
    command,
    failures: [],
    tables: [],
  };
  if (earlier.length > 0) {
    const jobs = [...new Set(earlier.map((e) => e.jobId))].join(", ");
    print(`${earlier.length} run(s) are still queued or running in earlier job(s) ${jobs}`);
  }
  if (!scriptPath && earlier.length === 0) {
    print(`all ${grid.runIds.length} runs of ${grid.preset} are finished: nothing to submit`);
  } else if (!options.submit) {
    print(`wrote ${scriptPath} (${pending.length} pending of ${grid.runIds.length} runs)`);
    print(`submit with:\n${command}`);
    return outcome;
  }
  const tracked = [...earlier];
  if (options.submit && scriptPath) {
    const jobId = await submitScript(scriptPath, options);
    outcome.jobId = jobId;
    await recordJob(grid.slurmDir, {
      jobId,
      submittedAt: new Date().toISOString(),
      runIds: pending,
    });
    print(`submitted ${scriptPath} as job ${jobId} (${pending.length} elements)`);
    tracked.push(...pending.map((runId, index) => ({ jobId, index, runId })));
  }
  if (tracked.length > 0) {
    const jobIds = [...new Set(tracked.map((e) => e.jobId))].join(" ");
    const onInterrupt = () => {
      print(
        `interrupted: job(s) ${jobIds} keep running on the cluster; rerun the same command to ` +
          `follow them again, or cancel them with: scancel ${jobIds}`,
      );
      Deno.exit(130);
    };
    Deno.addSignalListener("SIGINT", onInterrupt);
    let last;
    try {
      last = await followElements(tracked, { ...opts, label: grid.preset, runStatus: get });
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
    for (const e of tracked) {
      const status = await get(e.runId);
      if (status.state === "finished") continue;
      const log = `${grid.slurmDir}/logs/${elementKey(e)}.out`;
      const reason = await failureReason(status, { slurm: last.get(elementKey(e)), log });
      outcome.failures.push({
        runId: e.runId,
        index: e.index,
        element: elementKey(e),
        log,
        reason,
      });
    }
  }
  // Runs that failed before (not retried: the runner gave up on them) are failures too.
  for (const [id, s] of await statuses(grid)) {
    if (s.state === "finished" || outcome.failures.some((f) => f.runId === id)) continue;
    outcome.failures.push({
      runId: id,
      index: -1,
      element: "-",
      log: `${grid.runsDir}/${id}`,
      reason: s.reason ?? (s.state === "failed" ? "run marked failed" : `run ${s.state}`),
    });
  }
  if (grid.rebuildTables) outcome.tables = await grid.rebuildTables(outcome.failures);
  for (const t of outcome.tables) print(`table: ${t}`);
  if (outcome.failures.length > 0) {
    print(formatFailures(outcome.failures));
    outcome.exitCode = 1;
  }
  return outcome;
}

/** Paths of a preset's tables. */
export interface TablePaths {
  md: string;
  csv: string;
  json: string;
}

interface JsonRow {
  label: string;
  runIds: string[];
  slurmFailures?: { runId: string; element: string; reason: string; log: string }[];
}

/** The Markdown section listing `failures` (empty string when there are none). */
export function failuresSection(failures: SlurmFailure[], labelOf: (id: string) => string): string {
  if (failures.length === 0) return "";
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    "",
    "## Runs that did not finish on Slurm",
    "",
    "| row | run | element | reason | log |",
    "|---|---|---|---|---|",
    ...failures.map((f) =>
      `| ${esc(labelOf(f.runId))} | ${f.runId} | ${f.element} | ${esc(f.reason)} | ${esc(f.log)} |`
    ),
    "",
  ];
  return lines.join("\n");
}

/** Adds the Slurm failures to freshly written tables (no-op when there are none). */
export async function markSlurmFailures(
  paths: TablePaths,
  failures: SlurmFailure[],
): Promise<void> {
  if (failures.length === 0) return;
  const table = JSON.parse(await Deno.readTextFile(paths.json));
  const rows: JsonRow[] = table.rows ?? [];
  const labelOf = (id: string) => rows.find((r) => r.runIds.includes(id))?.label ?? "?";
  for (const row of rows) {
    const mine = failures.filter((f) => row.runIds.includes(f.runId));
    if (mine.length > 0) {
      row.slurmFailures = mine.map(({ runId, element, reason, log }) => ({
        runId,
        element,
        reason,
        log,
      }));
    }
  }
  table.slurm = { failures };
  await writeJsonAtomic(paths.json, table);
  const md = await Deno.readTextFile(paths.md);
  await writeTextFileAtomic(paths.md, md.trimEnd() + "\n" + failuresSection(failures, labelOf));
}

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

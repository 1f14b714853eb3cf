/**
 * The cluster side of the Slurm executor: thin wrappers around the Slurm client commands
 * (`sbatch`, `squeue`, `sacct`, `sinfo`), each turning a missing command or a refusal into one
 * clear error; the status of runs (read from their folders) and of array elements (failure
 * reasons, the progress line, the failure list); and following submitted elements (the record of
 * submitted jobs in `slurm/jobs.json`, the elements still active, the polling loop with one
 * progress line).
 *
 * @module
 */
import { writeJsonAtomic } from "../../util/atomic.ts";

/** Output of one Slurm command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options shared by the wrappers: extra environment (e.g. `SLURM_CONF`, `PATH`). */
export interface SlurmEnvOptions {
  env?: Record<string, string>;
}

const INSTALL_HINT = "the slurm executor needs the Slurm client commands (sbatch, squeue, sinfo) " +
  "on this machine's PATH (Debian/Ubuntu: apt-get install slurm-client; on a cluster, run on a " +
  "login node)";

/**
 * Runs `name args` and returns its output. A command not found on PATH throws one error naming
 * it; a non-zero exit is returned, not thrown.
 */
export async function slurmCommand(
  name: string,
  args: string[],
  options: SlurmEnvOptions = {},
): Promise<CommandResult> {
  let out;
  try {
    out = await new Deno.Command(name, {
      args,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`'${name}' was not found on PATH: ${INSTALL_HINT}`);
    }
    throw e;
  }
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Throws one clear error unless every command in `names` is on PATH (checked by running it). */
export async function requireSlurm(
  names: string[] = ["sbatch", "squeue", "sinfo"],
  options: SlurmEnvOptions = {},
): Promise<void> {
  for (const name of names) await slurmCommand(name, ["--version"], options);
}

/**
 * Checks that `partition` exists (when given) and that the controller answers; throws one error
 * naming the partition and listing the available ones otherwise.
 */
export async function checkPartition(
  partition: string | undefined,
  options: SlurmEnvOptions = {},
): Promise<string[]> {
  const res = await slurmCommand("sinfo", ["-a", "-h", "-o", "%P"], options);
  if (res.code !== 0) {
    throw new Error(
      `Slurm controller did not answer ('sinfo' exited ${res.code}): ${res.stderr.trim()}`,
    );
  }
  const parts = [
    ...new Set(res.stdout.split("\n").map((s) => s.trim().replace(/\*$/, "")).filter(Boolean)),
  ];
  if (partition !== undefined) {
    for (const p of partition.split(",")) {
      if (!parts.includes(p)) {
        throw new Error(
          `--partition: '${p}' does not exist on this cluster (available: ${
            parts.join(", ") || "none"
          })`,
        );
      }
    }
  }
  return parts;
}

/** Submits `scriptPath` with `sbatch --parsable` and returns the job id. */
export async function submitScript(
  scriptPath: string,
  options: SlurmEnvOptions = {},
): Promise<string> {
  const res = await slurmCommand("sbatch", ["--parsable", scriptPath], options);
  const id = res.stdout.trim().split(";")[0];
  if (res.code !== 0 || !/^\d+$/.test(id)) {
    throw new Error(
      `sbatch refused ${scriptPath} (exit ${res.code}): ${res.stderr.trim() || res.stdout.trim()}`,
    );
  }
  return id;
}

/** State of one array element as Slurm reports it. */
export interface ElementState {
  /** Slurm state name, e.g. PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT. */
  state: string;
  /** squeue's reason or sacct's exit code, when known. */
  detail: string;
}

/** States in which an element still occupies (or waits for) the cluster. */
export const ACTIVE_STATES: ReadonlySet<string> = new Set([
  "PENDING",
  "RUNNING",
  "CONFIGURING",
  "COMPLETING",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESIZING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
  "STAGE_OUT",
  "RESV_DEL_HOLD",
]);

/**
 * Parses `squeue -h -r -t all -o '%K|%T|%r'` (or sacct `JobID|State|ExitCode`) lines into a map
 * from array index to state. Lines for other jobs or job steps are ignored.
 */
export function parseElementStates(text: string, jobId: string): Map<number, ElementState> {
  const map = new Map<number, ElementState>();
  for (const line of text.split("\n")) {
    const [key, state, detail = ""] = line.trim().split("|");
    if (!key || !state) continue;
    let index: string | undefined = key;
    if (key.includes("_")) {
      const [job, idx] = key.split("_");
      if (job !== jobId) continue;
      index = idx;
    }
    if (!/^\d+$/.test(index)) continue;
    map.set(Number(index), { state: state.split(" ")[0], detail: detail.trim() });
  }
  return map;
}

/**
 * The states of the elements of array job `jobId` still known to the controller (squeue, which
 * keeps finished jobs for `MinJobAge` seconds). A job the controller forgot gives an empty map.
 */
export async function queueStates(
  jobId: string,
  options: SlurmEnvOptions = {},
): Promise<Map<number, ElementState>> {
  const res = await slurmCommand(
    "squeue",
    ["-h", "-r", "-t", "all", "-j", jobId, "-o", "%K|%T|%r"],
    options,
  );
  if (res.code !== 0) {
    if (/invalid job id/i.test(res.stderr)) return new Map();
    throw new Error(`squeue failed (exit ${res.code}): ${res.stderr.trim()}`);
  }
  return parseElementStates(res.stdout, jobId);
}

/**
 * Final element states from accounting (`sacct`), or null where the cluster has no accounting
 * (or `sacct` is missing).
 */
export async function accountingStates(
  jobId: string,
  options: SlurmEnvOptions = {},
): Promise<Map<number, ElementState> | null> {
  let res;
  try {
    res = await slurmCommand(
      "sacct",
      ["-n", "-P", "-X", "-j", jobId, "-o", "JobID,State,ExitCode"],
      options,
    );
  } catch {
    return null;
  }
  if (res.code !== 0) return null;
  const map = parseElementStates(res.stdout, jobId);
  return map.size > 0 ? map : null;
}

/** Status of one run as its folder shows it. */
export interface RunStatus {
  /** finished: summary written; failed: the runner gave up on it; incomplete: started; new. */
  state: "finished" | "failed" | "incomplete" | "new";
  /** Why it failed, when known. */
  reason?: string;
}

/** One array element that did not leave a finished run. */
export interface SlurmFailure {
  runId: string;
  /** Array index of the element. */
  index: number;
  /** `<jobId>_<index>`. */
  element: string;
  /** Absolute path of the element's log. */
  log: string;
  /** Human-readable reason: the runner's, else Slurm's state, else the log's last line. */
  reason: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Reads a run's status from `<runsDir>/<id>/`: `summary.json` means finished unless it says
 * `status: "failed"` (then its `reason`/`error` is the reason); a `failed.json` marks a failure;
 * any other content means incomplete.
 */
export async function runStatusFromFiles(runsDir: string, id: string): Promise<RunStatus> {
  const dir = `${runsDir}/${id}`;
  for (const name of ["summary.json", "failed.json"]) {
    let text: string;
    try {
      text = await Deno.readTextFile(`${dir}/${name}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(text);
    } catch {
      return { state: "incomplete", reason: `unreadable ${dir}/${name}` };
    }
    const failed = name === "failed.json" || data.status === "failed" || data.failed === true;
    if (!failed) return { state: "finished" };
    const reason = data.reason ?? data.error ?? data.failure ?? "run marked failed";
    return { state: "failed", reason: String(reason) };
  }
  return { state: (await exists(dir)) ? "incomplete" : "new" };
}

/** The last non-empty line of a log that is not one of the element script's own lines. */
export async function lastLogLine(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);
  const own = /^\[bnn-slurm\]/;
  return lines.filter((l) => !own.test(l)).at(-1) ?? lines.at(-1);
}

/**
 * The reason an element left no finished run: the runner's reason, else Slurm's final state
 * (CANCELLED, TIMEOUT, FAILED with exit code, ...), else the last line of its log.
 */
export async function failureReason(
  status: RunStatus,
  options: { slurm?: ElementState; log: string },
): Promise<string> {
  const { slurm, log } = options;
  if (status.reason) return status.reason;
  const parts: string[] = [];
  if (slurm && slurm.state !== "COMPLETED") {
    parts.push(`Slurm state ${slurm.state}${slurm.detail ? ` (${slurm.detail})` : ""}`);
  } else if (slurm) {
    parts.push("element completed but the run wrote no summary");
  } else {
    parts.push("Slurm no longer reports this element and the run wrote no summary");
  }
  const last = await lastLogLine(log);
  if (last) parts.push(`log: ${last.slice(0, 200)}`);
  return parts.join("; ");
}

/** Counts for the progress line. */
export interface ProgressCounts {
  total: number;
  finished: number;
  failed: number;
  running: number;
  pending: number;
}

/** One progress line, e.g. `slurm job 42 [smoke]: 3/8 finished, 2 running, 3 pending, 0 failed`. */
export function progressLine(
  c: ProgressCounts,
  options: { jobId: string; preset: string },
): string {
  const { jobId, preset } = options;
  const pct = c.total ? Math.floor((100 * (c.finished + c.failed)) / c.total) : 100;
  return `slurm job ${jobId} [${preset}]: ${c.finished}/${c.total} finished, ${c.running} running, ` +
    `${c.pending} pending, ${c.failed} failed (${pct}%)`;
}

/** The failure list printed at the end: one block per failed element. */
export function formatFailures(failures: SlurmFailure[]): string {
  if (failures.length === 0) return "";
  const lines = [`${failures.length} element(s) failed:`];
  for (const f of failures) {
    lines.push(`  run ${f.runId} (element ${f.element}): ${f.reason}`, `    log: ${f.log}`);
  }
  return lines.join("\n");
}

/** One array element: element `index` of job `jobId` runs `runId`. */
export interface TrackedElement {
  jobId: string;
  index: number;
  runId: string;
}

/** One submitted array job as recorded in `jobs.json`. */
export interface SubmittedJob {
  jobId: string;
  submittedAt: string;
  /** `runIds[i]` is run by element `i`. */
  runIds: string[];
}

/** The jobs recorded in `slurmDir/jobs.json` (empty when none). */
export async function readJobs(slurmDir: string): Promise<SubmittedJob[]> {
  try {
    const data = JSON.parse(await Deno.readTextFile(`${slurmDir}/jobs.json`));
    return Array.isArray(data) ? data : [];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new Error(`${slurmDir}/jobs.json is unreadable: ${(e as Error).message}`);
  }
}

/** Appends `job` to `slurmDir/jobs.json` (atomic rewrite). */
export async function recordJob(slurmDir: string, job: SubmittedJob): Promise<void> {
  const jobs = await readJobs(slurmDir);
  jobs.push(job);
  await writeJsonAtomic(`${slurmDir}/jobs.json`, jobs);
}

/** `jobId_index`. */
export function elementKey(e: { jobId: string; index: number }): string {
  return `${e.jobId}_${e.index}`;
}

/** The elements of earlier `jobs` that Slurm still reports as pending or running. */
export async function activeElements(
  jobs: SubmittedJob[],
  options: SlurmEnvOptions = {},
): Promise<TrackedElement[]> {
  const active: TrackedElement[] = [];
  for (const job of jobs) {
    const states = await queueStates(job.jobId, options);
    for (const [index, s] of states) {
      if (ACTIVE_STATES.has(s.state) && index < job.runIds.length) {
        active.push({ jobId: job.jobId, index, runId: job.runIds[index] });
      }
    }
  }
  return active;
}

/** Options of {@link followElements}. */
export interface FollowOptions extends SlurmEnvOptions {
  /**
   * Milliseconds between two looks at the queue. Default: adaptive, 1 s after a change, growing
   * by 1.5× per unchanged look up to 10 s (gentle on the controller for long grids).
   */
  pollMs?: number;
  /** Receives each changed progress line. */
  print: (line: string, progress?: boolean) => void;
  /** Consecutive failed `squeue` looks tolerated before giving up (default 30). */
  maxQueueFailures?: number;
  /** Name shown in the progress line (the preset). */
  label: string;
  /** Status of a run (finished or not) for elements Slurm no longer reports as active. */
  runStatus: (id: string) => Promise<RunStatus>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The adaptive delay after `idle` looks without change: 1 s × 1.5^idle, at most 10 s. */
export function pollDelay(idle: number): number {
  return Math.min(10000, Math.round(1000 * 1.5 ** idle));
}

/**
 * Polls the queue until none of `elements` is active, printing one progress line whenever it
 * changes; returns the last state Slurm reported per element key (accounting's where it exists).
 */
export async function followElements(
  elements: TrackedElement[],
  options: FollowOptions,
): Promise<Map<string, ElementState>> {
  const last = new Map<string, ElementState>();
  const jobIds = [...new Set(elements.map((e) => e.jobId))];
  let previous = "";
  let idle = 0;
  let failures = 0;
  while (true) {
    // States reported by this look only: an element the controller no longer lists is not active.
    const current = new Map<string, ElementState>();
    try {
      for (const jobId of jobIds) {
        for (const [index, s] of await queueStates(jobId, options)) {
          current.set(elementKey({ jobId, index }), s);
        }
      }
      failures = 0;
    } catch (e) {
      // A controller that does not answer for a while (restart, overload) is waited for.
      if (++failures >= (options.maxQueueFailures ?? 30)) throw e;
      options.print(`squeue failed (${(e as Error).message}); retrying`);
      await sleep(options.pollMs ?? pollDelay(Math.min(failures, 5)));
      continue;
    }
    for (const [k, s] of current) last.set(k, s);
    const c: ProgressCounts = {
      total: elements.length,
      finished: 0,
      failed: 0,
      running: 0,
      pending: 0,
    };
    let active = 0;
    for (const e of elements) {
      const s = current.get(elementKey(e));
      if (s && ACTIVE_STATES.has(s.state)) {
        active++;
        if (s.state === "PENDING" || s.state.startsWith("REQUEUE")) c.pending++;
        else c.running++;
      } else if ((await options.runStatus(e.runId)).state === "finished") c.finished++;
      else c.failed++;
    }
    const line = progressLine(c, { jobId: jobIds.join("+"), preset: options.label });
    if (line !== previous) options.print(line, true);
    idle = line === previous ? idle + 1 : 0;
    previous = line;
    if (active === 0) break;
    await sleep(options.pollMs ?? pollDelay(idle));
  }
  for (const jobId of jobIds) {
    const acct = await accountingStates(jobId, options);
    for (const [index, s] of acct ?? []) last.set(elementKey({ jobId, index }), s);
  }
  return last;
}

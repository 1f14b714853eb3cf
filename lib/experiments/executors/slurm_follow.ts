/**
 * Following submitted array elements: the record of submitted jobs (`slurm/jobs.json`), the
 * elements still active in the queue, and the polling loop with one progress line.
 *
 * @module
 */
import {
  accountingStates,
  ACTIVE_STATES,
  type ElementState,
  queueStates,
  type SlurmEnvOptions,
} from "./slurm_queue.ts";
import { type ProgressCounts, progressLine, type RunStatus } from "./slurm_status.ts";
import { writeJsonAtomic } from "../../util/atomic.ts";

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

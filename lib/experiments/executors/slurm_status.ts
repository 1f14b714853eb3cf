/**
 * What the Slurm executor knows about a run and an array element: run status read from the run
 * folder, failure reasons, the progress line and the failure list.
 *
 * @module
 */
import type { ElementState } from "./slurm_queue.ts";

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

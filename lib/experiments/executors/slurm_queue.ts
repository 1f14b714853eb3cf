/**
 * Thin wrappers around the Slurm client commands (`sbatch`, `squeue`, `sacct`, `sinfo`), each
 * turning a missing command or a refusal into one clear error.
 *
 * @module
 */

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

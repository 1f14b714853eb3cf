/**
 * Generation of the `sbatch` job-array script that runs a grid on a Slurm cluster: one array
 * element per pending run, each element calling the project's single-run entry point
 * (`deno task run-one`) against the shared results folder. Pure functions (no I/O), so the script
 * content is unit-testable.
 *
 * @module
 */

/** Resources requested for every array element (flags of `reproduce --executor slurm`). */
export interface SlurmResources {
  /** `--partition`; the cluster's default partition when absent. */
  partition?: string;
  /** `--time` in a Slurm time format (`MM`, `HH:MM:SS`, `D-HH:MM`, ...). */
  time?: string;
  /** `--cpus-per-task`, a positive integer. */
  cpusPerTask?: number;
  /** `--mem` per node, e.g. `4G`, `2000M`, `4000`. */
  mem?: string;
  /** `--gres`, e.g. `gpu:1`. */
  gres?: string;
}

/** Everything {@link sbatchScript} needs besides the run ids. */
export interface SbatchScriptOptions extends SlurmResources {
  /** Preset name passed to `run-one --preset`. */
  preset: string;
  /** Absolute project folder (holds deno.json); must be on a filesystem shared by all nodes. */
  projectDir: string;
  /** Absolute folder for per-element logs (`%A_%a.out`). */
  logDir: string;
  /** `run-one --results-dir` (absolute), when not the default. */
  resultsDir?: string;
  /** Absolute folder holding the run folders (`<runsDir>/<id>/summary.json` = finished). */
  runsDir?: string;
  /** `run-one --data-dir` (absolute), when not the default. */
  dataDir?: string;
  /** Extra arguments for `run-one` (e.g. `["--backend", "cpu"]`). */
  extraArgs?: string[];
  /** Deno used when `deno` is not on the node's PATH and `BNN_DENO` is unset. */
  denoFallback?: string;
  /** Seconds before the time limit at which the element checkpoints and requeues (default 120). */
  signalSeconds?: number;
  /** Job name (default `bnn-<preset>`). */
  jobName?: string;
  /** Timestamp written in the header comment (default: now). */
  generatedAt?: string;
}

const TIME_RE = /^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$/;
const MEM_RE = /^\d+[KMGT]?$/;
const NAME_RE = /^[A-Za-z0-9_.,:=+/-]+$/;

/**
 * Checks resource flags and returns them unchanged; a bad value throws one error naming the flag
 * and the expected form (values also go into `#SBATCH` lines, so no spaces or newlines).
 */
export function validateResources(r: SlurmResources): SlurmResources {
  if (r.partition !== undefined && !/^[A-Za-z0-9_.,-]+$/.test(r.partition)) {
    throw new Error(
      `--partition: '${r.partition}' is not a partition name (letters, digits, _.-,)`,
    );
  }
  if (r.time !== undefined && !TIME_RE.test(r.time)) {
    throw new Error(
      `--time: '${r.time}' is not a Slurm time (expected MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`,
    );
  }
  if (
    r.cpusPerTask !== undefined && (!Number.isInteger(r.cpusPerTask) || r.cpusPerTask < 1)
  ) {
    throw new Error(`--cpus-per-task: '${r.cpusPerTask}' is not a positive integer`);
  }
  if (r.mem !== undefined && !MEM_RE.test(r.mem)) {
    throw new Error(`--mem: '${r.mem}' is not a memory size (expected digits with K, M, G or T)`);
  }
  if (r.gres !== undefined && !NAME_RE.test(r.gres)) {
    throw new Error(`--gres: '${r.gres}' is not a gres specification (e.g. gpu:1)`);
  }
  return r;
}

/** Quotes `s` for bash (single quotes). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Double-quotes a directive value holding spaces (sbatch reads quotes in `#SBATCH` lines). */
function quoteDirective(v: string): string {
  if (/["\n\r\\]/.test(v)) throw new Error(`sbatch: path '${v}' contains a quote or newline`);
  return /\s/.test(v) ? `"${v}"` : v;
}

/** The `#SBATCH` directive lines for `count` elements (no shebang). */
export function sbatchDirectives(count: number, opts: SbatchScriptOptions): string[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`sbatch array: expected at least one run, got ${count}`);
  }
  validateResources(opts);
  const signal = opts.signalSeconds ?? 120;
  const lines = [
    `--job-name=${opts.jobName ?? `bnn-${opts.preset}`}`,
    `--array=0-${count - 1}`,
    `--output=${quoteDirective(`${opts.logDir}/%A_%a.out`)}`,
    "--open-mode=append",
    "--requeue",
    `--signal=B:USR1@${signal}`,
  ];
  if (opts.partition) lines.push(`--partition=${opts.partition}`);
  if (opts.time) lines.push(`--time=${opts.time}`);
  if (opts.cpusPerTask) lines.push(`--cpus-per-task=${opts.cpusPerTask}`);
  if (opts.mem) lines.push(`--mem=${opts.mem}`);
  if (opts.gres) lines.push(`--gres=${opts.gres}`);
  return lines.map((l) => `#SBATCH ${l}`);
}

/** The `run-one` argument list of an element (the run id comes from `$RUN_ID`). */
export function runOneArgs(opts: SbatchScriptOptions): string[] {
  const args = ["task", "run-one", "--preset", opts.preset, "--run-id", "$RUN_ID"];
  if (opts.resultsDir) args.push("--results-dir", opts.resultsDir);
  if (opts.dataDir) args.push("--data-dir", opts.dataDir);
  args.push(...(opts.extraArgs ?? []));
  return args;
}

/**
 * The complete job-array script: element `i` runs `runIds[i]`. The element skips a run whose
 * `summary.json` exists, forwards SIGTERM (cancel, preemption) to the run so it can checkpoint,
 * and on the early `USR1` (time limit near) checkpoints and requeues itself; a requeued or
 * resubmitted element resumes through `run-one`'s own checkpoint logic.
 */
export function sbatchScript(runIds: string[], opts: SbatchScriptOptions): string {
  for (const id of runIds) {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new Error(`run id '${id}' has unexpected characters`);
  }
  for (const [k, v] of Object.entries({ projectDir: opts.projectDir, logDir: opts.logDir })) {
    if (!v.startsWith("/")) throw new Error(`sbatch script: ${k} must be absolute, got '${v}'`);
  }
  const q = shellQuote;
  const args = runOneArgs(opts).map((a) => (a === "$RUN_ID" ? `"$RUN_ID"` : q(a))).join(" ");
  const runsDir = opts.runsDir ?? "";
  const fallback = opts.denoFallback ?? "deno";
  return [
    "#!/bin/bash",
    ...sbatchDirectives(runIds.length, opts),
    `# Generated by \`deno task reproduce --executor slurm\` (BNN+ Lab) at ${
      opts.generatedAt ?? new Date().toISOString()
    }.`,
    `# Preset ${opts.preset}: ${runIds.length} pending run(s), element i runs RUN_IDS[i].`,
    "# Requires: this project folder on a filesystem shared by all nodes, deno on the nodes",
    "# (or BNN_DENO=/path/to/deno), and the data folder reachable from every node.",
    "set -u",
    "RUN_IDS=(",
    ...runIds.map((id) => `  ${id}`),
    ")",
    'RUN_ID="${RUN_IDS[$SLURM_ARRAY_TASK_ID]}"',
    'ELEMENT="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    `cd ${q(opts.projectDir)} || { echo "[bnn-slurm] cannot cd to ${opts.projectDir}"; exit 2; }`,
    `DENO="\${BNN_DENO:-$(command -v deno || echo ${q(fallback)})}"`,
    "# wasm threads: the CPUs Slurm gave this task unless BNN_THREADS is set.",
    'export BNN_THREADS="${BNN_THREADS:-${SLURM_CPUS_PER_TASK:-1}}"',
    'log() { echo "[bnn-slurm] $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }',
    'log "element $ELEMENT run $RUN_ID on $(hostname) restart ${SLURM_RESTART_COUNT:-0}"',
    ...(runsDir
      ? [
        `if [ -f ${q(runsDir)}/"$RUN_ID"/summary.json ]; then`,
        '  log "run $RUN_ID already finished: nothing to do"; exit 0',
        "fi",
      ]
      : []),
    'child=""',
    "forward() {",
    '  [ -n "$child" ] || return 0',
    '  kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null',
    "}",
    "on_usr1() {",
    '  log "time limit near: checkpointing run $RUN_ID and requeueing $ELEMENT"',
    '  forward; wait "$child"',
    '  scontrol requeue "$ELEMENT" || log "scontrol requeue failed"',
    "  exit 0",
    "}",
    "trap on_usr1 USR1",
    "trap 'log \"SIGTERM: passing it to run $RUN_ID\"; forward' TERM",
    'if command -v setsid >/dev/null; then SETSID=setsid; else SETSID=""; fi',
    `$SETSID "$DENO" ${args} &`,
    "child=$!",
    'wait "$child"; rc=$?',
    'while [ "$rc" -gt 128 ] && kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done',
    'log "run $RUN_ID exited with $rc"',
    'exit "$rc"',
    "",
  ].join("\n");
}

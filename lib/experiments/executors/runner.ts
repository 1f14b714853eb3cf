/**
 * The grid runner behind `deno task reproduce`: plans a preset, writes each run's config.json,
 * runs the pending runs in parallel worker subprocesses (each `run-one` for one run), shows
 * progress, waits for runs another process holds, and writes the tables.
 *
 * Safe to interrupt and to run twice at once: a finished run is never redone, an interrupted one
 * resumes from its checkpoint, and a run's lock makes sure only one process trains it.
 *
 * @module
 */
import { resolve } from "node:path";
import { threadsPerWorker } from "../../backend/mod.ts";
import { BACKEND_NAMES } from "../../backend/init.ts";
import { probeWebGpu } from "../../backend/webgpu.ts";
import { datasetSpec } from "../../data/specs.ts";
import { locate } from "../../data/locate.ts";
import { loadDataset } from "../../data/load.ts";
import { trainSize } from "../run/data_setup.ts";
import type { RunSpec } from "../config/grid.ts";
import { lockHolder } from "../store/lock.ts";
import { planRuns } from "../store/plan.ts";
import { Progress, type SlotState } from "./progress.ts";
import { defaultResultsDir, isSettled, join, runDir, runState } from "../store/store.ts";
import { writeTables } from "../../results/tables.ts";
import { EVENT_PREFIX, EXIT } from "../run/worker.ts";
import type { RunEvent } from "../run/execute.ts";

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  preset: string;
  /** Results folder; default `BNN_RESULTS_DIR` or `<repo>/results`. */
  resultsDir?: string;
  /** Parallel worker processes; default 2. */
  workers?: number;
  /** Seeds per config; default the preset's. */
  seeds?: number;
  /** Only runs matching this pattern. */
  only?: string;
  dataDir?: string;
  backend?: string;
  retryFailed?: boolean;
  checkpointSeconds?: number;
  /** Progress output: in-place bars when true; default stderr.isTerminal(). */
  tty?: boolean;
  /** Output sink for progress/log text (default stderr). */
  write?: (s: string) => void;
}

/** A run that did not finish well. */
export interface RunProblem {
  runId: string;
  label: string;
  /**
   * failed: non-finite loss (summary.json, now or in an earlier invocation); error: run-one
   * crashed; interrupted: its worker was stopped from outside (checkpoint kept).
   */
  kind: "failed" | "error" | "interrupted";
  reason: string;
}

/** Result of {@link reproduce}. */
export interface ReproduceResult {
  runs: RunSpec[];
  /** Runs that were already finished before this call. */
  skipped: number;
  /** Runs this call finished (or saw finished by another process). */
  finished: number;
  problems: RunProblem[];
  /** True when stopped by a signal before the end. */
  interrupted: boolean;
  tables: { md: string; csv: string; json: string };
}

const RUN_ONE = new URL("../../cli/run_one.ts", import.meta.url).pathname;
const REPO = new URL("../../../", import.meta.url).pathname;

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  }
  if (buf) onLine(buf);
}

/**
 * Makes sure every dataset the runs need is there (downloading it once if it can) before any
 * worker starts, so that a missing data set fails once with the full "looked in …" list.
 */
export async function checkData(
  runs: Pick<RunSpec, "config">[],
  options: { dataDir?: string; download?: boolean } = {},
): Promise<void> {
  const { dataDir, download } = options;
  for (const name of new Set(runs.map((r) => r.config.dataset))) {
    if (name === "synthetic") continue;
    const spec = datasetSpec(name);
    for (const split of ["train", "test"] as const) {
      if (!locate(spec, split, dataDir)) {
        await loadDataset(name, { dataDir, split, quiet: true, download });
      }
    }
  }
}

/**
 * Environment for the workers about WebGPU: `BNN_WEBGPU=0` when the backend is "auto" and this
 * machine has no hardware adapter, i.e. when every worker's own probe would end in "not used"
 * anyway. The parent probes once instead of each run (~0.1–0.2 s and a Mesa load per process).
 * Empty when a backend is forced (flag or `BNN_BACKEND`), `BNN_WEBGPU` is set already, or a
 * hardware adapter answers (the workers then probe and use it as before).
 */
export async function workerWebGpuEnv(
  backend: string | undefined,
  probe: typeof probeWebGpu = probeWebGpu,
): Promise<Record<string, string>> {
  const chosen = backend ?? Deno.env.get("BNN_BACKEND") ?? "auto";
  if (chosen !== "auto" || Deno.env.get("BNN_WEBGPU") !== undefined) return {};
  const found = await probe();
  return typeof found === "string" || found.software ? { BNN_WEBGPU: "0" } : {};
}

/** The last `run-one …: error: …` line of a worker's stderr, else its last lines. */
export function workerErrorLine(stderr: string[]): string {
  const line = stderr.findLast((l) => /^run-one \S+: error: /.test(l));
  if (line) return line.replace(/^run-one \S+: error: /, "");
  return stderr.filter((l) => l.trim()).slice(-8).join("\n    ") || "(no output)";
}

/**
 * Runs (or resumes) every pending run of a preset, then writes its tables. Relative
 * `resultsDir`/`dataDir` are resolved against the caller's working directory (workers start in
 * the repository).
 */
export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const resultsDir = resolve(options.resultsDir ?? defaultResultsDir());
  options = {
    ...options,
    resultsDir,
    dataDir: options.dataDir === undefined ? undefined : resolve(options.dataDir),
  };
  if (
    options.backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(options.backend)
  ) {
    // Up front: otherwise every worker would fail on it, one after another.
    throw new Error(
      `backend: unknown name '${options.backend}'; expected one of ${BACKEND_NAMES.join(", ")}`,
    );
  }
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new Error(`--workers: expected an integer from 1 to 256, got ${options.workers}`);
  }
  const { runs, pending } = await planRuns({ ...options, resultsDir });
  const stateOf = (id: string) => runState(resultsDir, options.preset, id, options);
  const summaryOf = (id: string) => stateOf(id).summary;
  const isPending = (r: RunSpec) => !isSettled(stateOf(r.runId));
  const queue = [...pending];
  const skipped = runs.length - queue.length;
  if (queue.length > 0) await checkData(queue, { dataDir: options.dataDir });
  // Each worker process gets an equal share of the cores as wasm threads (BNN_THREADS wins).
  const childThreads = String(threadsPerWorker(workers));
  const webgpuEnv = queue.length > 0 ? await workerWebGpuEnv(options.backend) : {};
  const progress = new Progress(workers, { tty: options.tty, write: options.write });
  progress.runsTotal = runs.length;
  progress.runsDone = skipped;
  const stepsOf = (r: RunSpec) =>
    Math.ceil(trainSize(r.config) / r.config.batchSize) * r.config.epochs;
  progress.totalSteps = queue.reduce((s, r) => s + stepsOf(r), 0);
  progress.log(
    `reproduce ${options.preset}: ${runs.length} runs (${skipped} already finished, ${queue.length} to do), ` +
      `${workers} worker(s), results in ${join(resultsDir, options.preset)}`,
  );
  const problems: RunProblem[] = [];
  const waiting = new Set<RunSpec>();
  const children = new Set<Deno.ChildProcess>();
  let finished = 0;
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    progress.log("stopping: asking workers to checkpoint and exit …");
    for (const c of children) {
      try {
        c.kill("SIGTERM");
      } catch { /* exited */ }
    }
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const ticker = setInterval(() => progress.render(), 1000);
  try {
    const runSlot = async (slot: number) => {
      while (!stopping) {
        const run = queue.shift();
        if (!run) return;
        if (!isPending(run)) {
          finished++;
          progress.runsDone++;
          continue;
        }
        const code = await spawnRun(run, slot);
        if (code === EXIT.busy) waiting.add(run);
      }
    };
    const spawnRun = async (run: RunSpec, slot: number): Promise<number> => {
      const args = [
        "run",
        "-A",
        "--no-prompt",
        "--config",
        join(REPO, "deno.json"),
        RUN_ONE,
        "--preset",
        options.preset,
        "--run-id",
        run.runId,
        "--results-dir",
        resultsDir,
        "--events",
        "--watch-stdin",
      ];
      if (options.dataDir) args.push("--data-dir", options.dataDir);
      if (options.backend) args.push("--backend", options.backend);
      if (options.retryFailed) args.push("--retry-failed");
      if (options.checkpointSeconds) {
        args.push("--checkpoint-seconds", String(options.checkpointSeconds));
      }
      const child = new Deno.Command(Deno.execPath(), {
        args,
        cwd: REPO,
        env: { BNN_THREADS: childThreads, ...webgpuEnv },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      children.add(child);
      const label = run.labels[0];
      const st: SlotState = {
        runId: run.runId,
        label: `${label} s${run.config.seed}`,
        epoch: 0,
        epochs: run.config.epochs,
        batch: 0,
        steps: 0,
        startStep: 0,
        counted: 0,
      };
      progress.slots[slot] = st;
      let started = false; // false at exit 0: the run was finished by another process meanwhile
      const stderrTail: string[] = [];
      const onEvent = (e: RunEvent) => {
        if (e.t === "start") started = true;
        progress.applyEvent(slot, e);
      };
      const out = readLines(child.stdout, (l) => {
        if (l.startsWith(EVENT_PREFIX)) {
          try {
            onEvent(JSON.parse(l.slice(EVENT_PREFIX.length)));
          } catch { /* ignore malformed */ }
        }
      });
      const err = readLines(child.stderr, (l) => {
        stderrTail.push(l);
        if (stderrTail.length > 30) stderrTail.shift();
      });
      const status = await child.status;
      await Promise.all([out, err]);
      children.delete(child);
      progress.slots[slot] = null;
      const code = status.code;
      const summary = summaryOf(run.runId);
      if (code === EXIT.ok || code === EXIT.failed) {
        finished++;
        progress.runsDone++;
        // Steps not reported (short runs) still count as done.
        progress.doneSteps += Math.max(0, stepsOf(run) - st.startStep - st.counted);
        if (!started) {
          progress.log(`[w${slot + 1}] ${run.runId} ${label}: finished by another process`);
        } else if (summary?.status === "failed") {
          progress.runsFailed++;
          problems.push({
            runId: run.runId,
            label,
            kind: "failed",
            reason: summary.reason ?? "failed",
          });
          progress.log(`[w${slot + 1}] ${run.runId} ${label}: FAILED: ${summary.reason}`);
        } else {
          progress.log(
            `[w${slot + 1}] ${run.runId} ${label} s${run.config.seed}: done, test ${
              summary?.finalTestAcc != null ? (100 * summary.finalTestAcc).toFixed(2) + "%" : "?"
            }`,
          );
        }
      } else if (code === EXIT.busy) {
        progress.totalSteps -= stepsOf(run) - st.startStep;
      } else if (stopping) {
        progress.log(`[w${slot + 1}] ${run.runId} ${label}: interrupted (checkpoint kept)`);
      } else if (code === EXIT.interrupted || status.signal) {
        // Stopped from outside (e.g. kill -TERM of the worker): not finished, so not "done".
        const reason = `worker stopped by ${status.signal ?? "a signal"} (exit ${code}); ` +
          "its checkpoint is kept: rerun to resume";
        problems.push({ runId: run.runId, label, kind: "interrupted", reason });
        progress.log(`[w${slot + 1}] ${run.runId} ${label}: INTERRUPTED: ${reason}`);
      } else {
        const reason = `run-one exited with code ${code}: ${workerErrorLine(stderrTail)}`;
        problems.push({ runId: run.runId, label, kind: "error", reason });
        progress.runsFailed++;
        progress.log(`[w${slot + 1}] ${run.runId} ${label}: ERROR: ${reason}`);
      }
      return code;
    };
    await Promise.all(
      Array.from({ length: Math.min(workers, queue.length) }, (_, i) => runSlot(i)),
    );
    // Runs held by other processes: wait for them, or take them over if their holder died.
    if (waiting.size > 0) {
      progress.log(`waiting for ${waiting.size} run(s) held by another process:`);
      for (const run of waiting) {
        const lock = join(runDir(resultsDir, options.preset, run.runId), ".lock");
        progress.log(`  ${run.runId}: ${lockHolder(lock)}`);
      }
    }
    while (waiting.size > 0 && !stopping) {
      for (const run of [...waiting]) {
        const st = runState(resultsDir, options.preset, run.runId);
        const s = st.summary;
        if (s) {
          waiting.delete(run);
          finished++;
          progress.runsDone++;
          if (s.status === "failed") {
            progress.runsFailed++;
            problems.push({
              runId: run.runId,
              label: run.labels[0],
              kind: "failed",
              reason: s.reason ?? "failed",
            });
          }
        } else if (st.state !== "locked") {
          // "locked" also covers a take-over in progress (runState): respawn only when a
          // take-over can succeed.
          waiting.delete(run);
          progress.totalSteps += stepsOf(run);
          queue.push(run);
        }
      }
      if (queue.length > 0) {
        await Promise.all(
          Array.from({ length: Math.min(workers, queue.length) }, (_, i) => runSlot(i)),
        );
      } else if (waiting.size > 0) {
        progress.slots.fill(null);
        progress.render();
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    clearInterval(ticker);
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  progress.render(true);
  // Runs that failed in an earlier invocation (and were not retried) are problems too.
  for (const run of runs) {
    if (problems.some((p) => p.runId === run.runId)) continue;
    const s = summaryOf(run.runId);
    if (s?.status === "failed") {
      problems.push({
        runId: run.runId,
        label: run.labels[0],
        kind: "failed",
        reason: `${s.reason ?? "failed"} (earlier; --retry-failed reruns it)`,
      });
    }
  }
  const tables = await writeTables(resultsDir, options.preset);
  return { runs, skipped, finished, problems, interrupted: stopping, tables };
}

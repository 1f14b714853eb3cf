/**
 * Executes one run of the store: lock, resume from the latest checkpoint, train epoch by epoch
 * (checkpoint after every epoch, and mid-epoch every `checkpointSeconds` or when asked to stop),
 * write metrics.jsonl after each epoch and summary.json at the end. A non-finite loss stops the
 * run and marks it failed with the reason. This is what `deno task run-one` (and so every worker
 * and every Slurm array element) calls.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { wasmThreads } from "../../backend/mod.ts";
import { buildNetwork, countParams } from "../../models.ts";
import { evaluate, trainStep } from "../../train.ts";
import { initialState, loadCheckpoint, saveCheckpoint, type TrainState } from "./checkpoint.ts";
import { runId as runIdOf, validateConfig } from "../config/config.ts";
import { openRunData, type RunData } from "./data_setup.ts";
import { acquireLock, lockHolder } from "../store/lock.ts";
import { runEpochHooks, runEpochStartHooks } from "./hooks.ts";
import { learningRate, setLearningRate } from "./schedule.ts";
import { type RunEnd, writeSummary } from "./summary.ts";
import {
  checkpointDir,
  type EpochMetrics,
  isSettled,
  join,
  readJson,
  removeStaleTemps,
  runDir,
  type RunRecord,
  runState,
  type RunSummary,
  writeMetrics,
} from "../store/store.ts";

/** Longest stretch of training steps between two event-loop turns (signals, stdin), ms. */
const YIELD_MS = 100;

/** Progress events of a run (the worker protocol forwards them to the parent). */
export type RunEvent =
  | { t: "start"; runId: string; epochs: number; steps: number; epoch: number; batch: number }
  | {
    t: "step";
    runId: string;
    epoch: number;
    batch: number;
    steps: number;
    loss: number;
    acc: number;
  }
  | { t: "epoch"; runId: string; metrics: EpochMetrics }
  | { t: "end"; runId: string; status: RunOutcome["status"]; reason?: string };

/** How a call of {@link executeRun} ended. */
export interface RunOutcome {
  /** done/failed: summary written; skipped: it already had one; busy: locked by another live
   * process; interrupted: stopped on request after a checkpoint. */
  status: "done" | "failed" | "skipped" | "busy" | "interrupted";
  reason?: string;
  summary?: RunSummary;
}

/** Options of {@link executeRun}. */
export interface ExecuteOptions {
  resultsDir: string;
  preset: string;
  /** Data folder for `loadDataset`. */
  dataDir?: string;
  /** Progress callback. */
  onEvent?: (e: RunEvent) => void;
  /** Returns true when the run should checkpoint and stop (SIGTERM, parent gone). */
  shouldStop?: () => boolean;
  /** Mid-epoch checkpoint period in seconds; default 300. */
  checkpointSeconds?: number;
  /** Redo a run whose summary says failed. */
  retryFailed?: boolean;
  /** Minimum interval between step events in ms; default 500. */
  stepEventMs?: number;
}

/**
 * Refuses a config.json that is invalid or was edited (its config no longer hashes to the run
 * id): one error naming the file, instead of training something else under this id.
 */
async function checkRecord(
  record: RunRecord,
  spec: { runId: string; path: string },
): Promise<void> {
  const { runId, path } = spec;
  let problem: string | null = null;
  try {
    validateConfig(record.config ?? {});
    const id = await runIdOf(record.config);
    if (record.runId !== runId || id !== runId) {
      problem = `its config hashes to run id ${id}, not ${runId} (the file was edited)`;
    }
  } catch (e) {
    problem = (e as Error).message;
  }
  if (problem !== null) {
    throw new Error(
      `${path}: ${problem}; restore it with deno task reproduce --preset ${record.preset ?? "…"} ` +
        "(which rewrites config.json from the preset) or delete the run folder",
    );
  }
}

/** Trains run `runId` of `preset` (its config.json must exist) to the end or until stopped. */
export async function executeRun(runId: string, options: ExecuteOptions): Promise<RunOutcome> {
  const dir = runDir(options.resultsDir, options.preset, runId);
  const record = readJson<RunRecord>(join(dir, "config.json"));
  if (!record) {
    throw new Error(`run '${runId}': ${dir}/config.json not found; plan the preset first`);
  }
  await checkRecord(record, { runId, path: join(dir, "config.json") });
  const summaryPath = join(dir, "summary.json");
  const before = runState(options.resultsDir, options.preset, runId, options);
  if (isSettled(before)) return { status: "skipped", summary: before.summary! };
  const lock = acquireLock(join(dir, ".lock"));
  if (!lock) return { status: "busy", reason: lockHolder(join(dir, ".lock")) };
  try {
    // Re-check under the lock: another process may have finished it meanwhile.
    const now = runState(options.resultsDir, options.preset, runId, options);
    if (isSettled(now)) return { status: "skipped", summary: now.summary! };
    const done = now.summary; // a failed run being retried
    const ckptDir = checkpointDir(options.resultsDir, options.preset, runId);
    if (done) {
      Deno.removeSync(summaryPath);
      try {
        Deno.removeSync(ckptDir, { recursive: true });
      } catch { /* none */ }
    }
    removeStaleTemps(dir);
    removeStaleTemps(ckptDir);
    return await train(record, dir, ckptDir, options);
  } finally {
    lock.release();
  }
}

async function train(
  record: RunRecord,
  dir: string,
  ckptDir: string,
  options: ExecuteOptions,
): Promise<RunOutcome> {
  const { config, runId } = record;
  const emit = options.onEvent ?? (() => {});
  // "wasm×N": the wasm backend and the threads it computes on (its kernel pool's).
  const backend = tf.getBackend() === "wasm" ? `wasm×${wasmThreads()}` : tf.getBackend();
  const data = await openRunData(config, { dataDir: options.dataDir });
  let model: tf.LayersModel;
  try {
    model = buildNetwork(config, { inputShape: data.inputShape, numClasses: data.numClasses });
  } catch (err) {
    data.close(); // decoding workers would keep the process alive
    throw err;
  }
  const optimizer = tf.train.adam(config.lr);
  const params = countParams(model);
  const stepsPerEpoch = data.stepsPerEpoch;
  const totalSteps = stepsPerEpoch * config.epochs;
  let state: TrainState = initialState();
  try {
    const restored = await loadCheckpoint(ckptDir, { model, optimizer });
    if (restored) state = { ...restored, resumes: restored.resumes + 1 };
    if (!state.backends.includes(backend)) state.backends.push(backend);
    writeMetrics(dir, state.metrics); // the checkpoint is the source of truth
    const resumedFrom = state.epoch;
    emit({
      t: "start",
      runId,
      epochs: config.epochs,
      steps: stepsPerEpoch,
      epoch: state.epoch,
      batch: state.batch,
    });
    const ckptEveryMs = (options.checkpointSeconds ?? 300) * 1000;
    let lastCkpt = Date.now();
    let lastEvent = 0;
    let lastYield = performance.now();
    const checkpoint = async () => {
      await saveCheckpoint(ckptDir, { model, optimizer, state });
      lastCkpt = Date.now();
    };
    while (state.epoch < config.epochs) {
      const epochStart = performance.now();
      const sessionSecondsBefore = state.accum.seconds;
      if (state.batch === 0) runEpochStartHooks({ runId, config, model, epoch: state.epoch + 1 });
      // Resume inside an epoch: same order, same augmentation.
      for await (const batch of data.trainBatches(state.epoch, state.batch)) {
        setLearningRate(optimizer, learningRate(config, state.step, totalSteps));
        let res = trainStep(model, { x: batch.x, y: batch.y }, { optimizer });
        if (faultInjected(runId, state.step)) res = { ...res, loss: NaN };
        if (!Number.isFinite(res.loss) || !Number.isFinite(res.penalty)) {
          const reason = `non-finite loss (${res.loss}, penalty ${res.penalty}) at epoch ` +
            `${state.epoch + 1}, batch ${state.batch + 1}`;
          return finish(record, dir, state, {
            status: "failed",
            reason,
            params,
            backend,
            resumedFrom,
          }, emit);
        }
        state.batch++;
        state.step++;
        state.accum.loss += res.loss * batch.size;
        state.accum.ce += res.ce * batch.size;
        state.accum.penalty += res.penalty * batch.size;
        state.accum.correct += res.correct;
        state.accum.seen += batch.size;
        state.accum.seconds = sessionSecondsBefore + (performance.now() - epochStart) / 1000;
        if (Date.now() - lastEvent >= (options.stepEventMs ?? 500)) {
          lastEvent = Date.now();
          emit({
            t: "step",
            runId,
            epoch: state.epoch,
            batch: state.batch,
            steps: stepsPerEpoch,
            loss: state.accum.loss / state.accum.seen,
            acc: state.accum.correct / state.accum.seen,
          });
        }
        // Let signal handlers and the stdin watcher run (training steps are synchronous): a
        // macrotask turn at most every YIELD_MS, since each costs ~2 ms (setTimeout's clamp).
        if (performance.now() - lastYield >= YIELD_MS) {
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
        }
        const stop = options.shouldStop?.() ?? false;
        if (state.batch < stepsPerEpoch && (stop || Date.now() - lastCkpt >= ckptEveryMs)) {
          await checkpoint();
          if (stop) {
            emit({ t: "end", runId, status: "interrupted" });
            return { status: "interrupted", reason: "stop requested; checkpoint written" };
          }
        }
      }
      const evalStart = performance.now();
      const ev = await evaluateRun(model, data);
      const a = state.accum;
      const seconds = a.seconds + (performance.now() - evalStart) / 1000;
      const core: EpochMetrics = {
        epoch: state.epoch + 1,
        loss: a.loss / a.seen,
        ce: a.ce / a.seen,
        penalty: a.penalty / a.seen,
        trainAcc: a.correct / a.seen,
        testLoss: ev.loss,
        testAcc: ev.accuracy,
        lr: learningRate(config, state.step, totalSteps),
        seconds,
        imagesPerSec: a.seen / Math.max(1e-9, a.seconds),
        backend,
      };
      // Telemetry hooks add fields; they cannot overwrite the core ones.
      const m: EpochMetrics = {
        ...await runEpochHooks({ runId, config, model, metrics: core }),
        ...core,
      };
      state.metrics.push(m);
      state.trainSeconds += seconds;
      state.epoch++;
      state.batch = 0;
      state.accum = { loss: 0, ce: 0, penalty: 0, correct: 0, seen: 0, seconds: 0 };
      await checkpoint();
      writeMetrics(dir, state.metrics);
      emit({ t: "epoch", runId, metrics: m });
      if (!Number.isFinite(m.loss) || !Number.isFinite(m.testLoss)) {
        const reason = `non-finite loss at epoch ${m.epoch} (train ${m.loss}, test ${m.testLoss})`;
        return finish(record, dir, state, {
          status: "failed",
          reason,
          params,
          backend,
          resumedFrom,
        }, emit);
      }
      if (options.shouldStop?.()) {
        emit({ t: "end", runId, status: "interrupted" });
        return { status: "interrupted", reason: "stop requested; checkpoint written" };
      }
    }
    return finish(record, dir, state, { status: "done", params, backend, resumedFrom }, emit);
  } finally {
    model.dispose();
    optimizer.dispose();
    data.close();
  }
}

/** Test loss and accuracy over the run's test batches (synchronous or streamed). */
async function evaluateRun(
  model: tf.LayersModel,
  data: RunData,
): Promise<{ loss: number; accuracy: number; size: number }> {
  const test = data.testBatches();
  if (Symbol.iterator in test) return evaluate(model, test);
  let loss = 0, correct = 0, size = 0;
  for await (const b of test) {
    const r = evaluate(model, [{ x: b.x, y: b.y }]);
    loss += r.loss * r.size;
    correct += r.accuracy * r.size;
    size += r.size;
  }
  return { loss: loss / size, accuracy: correct / size, size };
}

/**
 * Test-only fault injection: `BNN_FAULT_NONFINITE=<run id>[,<run id>…]` makes those runs see a NaN
 * loss from their second step on (to test that a diverging run fails cleanly and the grid goes on).
 */
function faultInjected(runId: string, step: number): boolean {
  const v = Deno.env.get("BNN_FAULT_NONFINITE");
  return !!v && step >= 1 && v.split(",").includes(runId);
}

function finish(
  record: RunRecord,
  dir: string,
  state: TrainState,
  end: RunEnd,
  emit: (e: RunEvent) => void,
): RunOutcome {
  const summary = writeSummary(record, dir, { state, end });
  emit({ t: "end", runId: record.runId, status: end.status, reason: end.reason });
  return { status: end.status, reason: end.reason, summary };
}

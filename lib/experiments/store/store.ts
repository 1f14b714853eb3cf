/**
 * The run store: where each run's files live, atomic writes, and reading runs back.
 *
 * Layout under the results folder (default `<repo>/results`, or `BNN_RESULTS_DIR`):
 * ```
 * <preset>/runs/<run-id>/config.json     what the run is (config, labels, ids)
 * <preset>/runs/<run-id>/metrics.jsonl   one JSON object per finished epoch
 * <preset>/runs/<run-id>/summary.json    written once at the end: status done | failed
 * <preset>/runs/<run-id>/.lock           while a process trains it
 * <preset>/checkpoints/<run-id>/         latest checkpoint (git-ignored)
 * <preset>/table.{md,csv,json}           the tables
 * ```
 *
 * Everything that reads runs goes through {@link readRuns} (one typed view: {@link StoredRun}),
 * and every "is this run finished / failed / held / still to do" question through
 * {@link runState}: the planner, the local runner, `executeRun` and the Slurm executor agree.
 *
 * @module
 */
import { lockIsLive, processAlive, takeoverPending } from "./lock.ts";
import { tempHostTag, writeFileAtomicSync, writeJsonAtomicSync } from "../../util/atomic.ts";
import type { ExperimentConfig } from "../config/config.ts";
export { machineInfo } from "../../util/machine.ts";

/** The repository's `results/` folder, or `BNN_RESULTS_DIR` when set. */
export function defaultResultsDir(): string {
  const env = Deno.env.get("BNN_RESULTS_DIR");
  if (env) return env;
  return new URL("../../../results", import.meta.url).pathname;
}

/** `a/b/c` with single slashes. */
export function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/+/g, "/");
}

/** Folder of a preset's results. */
export function presetDir(resultsDir: string, preset: string): string {
  return join(resultsDir, preset);
}
/** Folder of one run's tracked files. */
export function runDir(resultsDir: string, preset: string, runId: string): string {
  return join(resultsDir, preset, "runs", runId);
}
/** Folder of one run's checkpoints (git-ignored). */
export function checkpointDir(resultsDir: string, preset: string, runId: string): string {
  return join(resultsDir, preset, "checkpoints", runId);
}

/** Reads JSON, or null when the file does not exist. A malformed file throws naming it. */
export function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Removes temp files (`*.<pid>-<n>@<host>.tmp`) under `dir` left by dead processes (a kill -9
 * between write and rename). Only files written on this host whose process is gone are removed:
 * on a folder shared by cluster nodes, another node's pid says nothing here, and files without
 * a host tag (older versions) are left alone.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  const host = tempHostTag();
  const walk = (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory) walk(p);
      const m = /\.(\d+)-\d+@([A-Za-z0-9._-]+)\.tmp$/.exec(e.name);
      if (e.isFile && m && m[2] === host && !processAlive(Number(m[1]))) {
        try {
          Deno.removeSync(p);
          removed++;
        } catch { /* raced with another cleaner */ }
      }
    }
  };
  walk(dir);
  return removed;
}

/** `config.json` of a run. */
export interface RunRecord {
  runId: string;
  configKey: string;
  preset: string;
  labels: string[];
  axes: string[];
  config: ExperimentConfig;
}

/** One line of `metrics.jsonl`. Other modules may add fields (telemetry). */
export interface EpochMetrics {
  epoch: number;
  /** Mean training objective (cross-entropy + penalty). */
  loss: number;
  /** Mean training cross-entropy. */
  ce: number;
  /** Mean penalty λ·ΣR. */
  penalty: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  lr: number;
  seconds: number;
  imagesPerSec: number;
  backend: string;
  [field: string]: unknown;
}

/** `summary.json`: written once when the run ends. */
export interface RunSummary {
  runId: string;
  configKey: string;
  status: "done" | "failed";
  reason?: string;
  epochs: number;
  epochsPlanned: number;
  finalTestAcc: number | null;
  finalTrainAcc: number | null;
  bestTestAcc: number | null;
  trainSeconds: number;
  backend: string;
  backends: string[];
  host: string;
  cpu: string;
  cores: number;
  params: number | null;
  /** Epoch the last session started from (0 = from scratch or inside epoch 1). */
  resumedFrom: number;
  /** Number of times the run was resumed from a checkpoint. */
  resumes: number;
  finishedAt: string;
}

/** A run as read back from disk. */
export interface StoredRun {
  record: RunRecord;
  summary: RunSummary | null;
  metrics: EpochMetrics[];
}

/** Reads `metrics.jsonl` (empty when absent); a malformed line throws naming the file and line. */
export function readMetrics(dir: string): EpochMetrics[] {
  const path = join(dir, "metrics.jsonl");
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return text.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try {
      return JSON.parse(l);
    } catch {
      throw new Error(`${path} line ${i + 1}: not valid JSON`);
    }
  });
}

/** Writes `metrics.jsonl` atomically (the whole file; it is small). */
export function writeMetrics(dir: string, metrics: EpochMetrics[]): void {
  writeFileAtomicSync(
    join(dir, "metrics.jsonl"),
    metrics.map((m) => JSON.stringify(m) + "\n").join(""),
    { mkdir: true },
  );
}

/**
 * Every run of `preset` under `resultsDir` (those with a config.json), sorted by run id, with its
 * config, summary (null while unfinished) and per-epoch metrics. The one reader of the store:
 * tables, notebooks, the report and the executors all use it. A malformed file throws naming it;
 * a preset that is not a plain folder name throws.
 */
export function readRuns(resultsDir: string, preset: string): StoredRun[] {
  if (!/^[\w.-]+$/.test(preset) || preset === "." || preset === "..") {
    throw new Error(`readRuns: preset ${JSON.stringify(preset)} must be a plain folder name`);
  }
  const dir = join(presetDir(resultsDir, preset), "runs");
  const out: StoredRun[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const e of entries.filter((e) => e.isDirectory).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const d = join(dir, e.name);
    const record = readJson<RunRecord>(join(d, "config.json"));
    if (!record) continue;
    out.push({
      record,
      summary: readJson<RunSummary>(join(d, "summary.json")),
      metrics: readMetrics(d),
    });
  }
  return out;
}

/** Writes `config.json` for each run that lacks one (planning a grid on disk; Slurm reads it). */
export function materializeRuns(
  resultsDir: string,
  preset: string,
  runs: Omit<RunRecord, "preset">[],
): void {
  for (const r of runs) {
    const path = join(runDir(resultsDir, preset, r.runId), "config.json");
    const old = readJson<RunRecord>(path);
    const record: RunRecord = { ...r, preset };
    if (!old || JSON.stringify(old) !== JSON.stringify(record)) {
      writeJsonAtomicSync(path, record, { mkdir: true });
    }
  }
}

/** Where a run stands, from its files (see {@link runState}). */
export type RunStateName =
  /** summary.json says done. */
  | "finished"
  /** summary.json says failed (and failed runs are not being retried). */
  | "failed"
  /** No usable summary; a live process holds the run's lock (or is taking a stale one over). */
  | "locked"
  /** No usable summary, not locked, but epochs were written (resumes from its checkpoint). */
  | "incomplete"
  /** Never started. */
  | "new";

/** A run's state plus its summary when it has one. */
export interface RunState {
  state: RunStateName;
  /** The summary on disk (also for a failed run being retried); null when none. */
  summary: RunSummary | null;
  /** Why it failed (state `failed`). */
  reason?: string;
}

/** Options of {@link runState}. */
export interface RunStateOptions {
  /** A failed run counts as still to do (`--retry-failed`); default false. */
  retryFailed?: boolean;
}

/**
 * Where run `runId` of `preset` stands: `finished`, `failed`, `locked` (held by a live process),
 * `incomplete` (started) or `new`. The single place that decides it; see {@link isSettled}.
 */
export function runState(
  resultsDir: string,
  preset: string,
  runId: string,
  options: RunStateOptions = {},
): RunState {
  const dir = runDir(resultsDir, preset, runId);
  const summary = readJson<RunSummary>(join(dir, "summary.json"));
  if (summary?.status === "done") return { state: "finished", summary };
  if (summary?.status === "failed" && !options.retryFailed) {
    return { state: "failed", summary, reason: summary.reason ?? "run failed" };
  }
  // A stale lock being taken over right now counts as held: starting another take-over would fail.
  const lock = join(dir, ".lock");
  if (lockIsLive(lock) || takeoverPending(lock)) return { state: "locked", summary };
  let started = false;
  try {
    started = Deno.statSync(join(dir, "metrics.jsonl")).isFile;
  } catch { /* not started */ }
  return { state: started ? "incomplete" : "new", summary };
}

/** True when the run needs no more work: `finished`, or `failed` (not being retried). */
export function isSettled(state: RunState): boolean {
  return state.state === "finished" || state.state === "failed";
}

/** Shared helpers of the end-to-end runner tests (not a test file). */
import assert from "node:assert/strict";
import { join, readRuns, type StoredRun } from "../../lib/experiments/store/store.ts";

/** Path of the reproduce CLI. */
export const REPRODUCE = new URL("../../lib/cli/reproduce.ts", import.meta.url).pathname;
/** Repository root. */
export const ROOT = new URL("../../", import.meta.url).pathname;
/** Progress options that print nothing. */
export const quiet = { tty: false, write: () => {} };

/** Every file under `dir`, recursively. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

/** The numbers a rerun must reproduce exactly: per run, every epoch's losses and accuracies. */
export function numbers(runs: StoredRun[]): Record<string, unknown> {
  return Object.fromEntries(runs.map((r) => [
    r.record.runId,
    {
      status: r.summary?.status,
      finalTestAcc: r.summary?.finalTestAcc,
      epochs: r.metrics.map((m) => [m.epoch, m.loss, m.penalty, m.trainAcc, m.testLoss, m.testAcc]),
    },
  ]));
}

/** Rows of `<dir>/smoke/table.json` without the time-dependent fields. */
export function tableRows(dir: string): unknown[] {
  const t = JSON.parse(Deno.readTextFileSync(join(dir, "smoke/table.json")));
  return t.rows.map((r: Record<string, unknown>) => {
    // stats compare a row with other rows of its table, which differ between a subset and the grid.
    const { secondsPerRun: _s, backends: _b, stats: _st, ...rest } = r;
    return rest;
  });
}

/** No temp or lock files under `dir`; every run has epochs 1, 2, 3 exactly once. */
export function assertClean(dir: string): void {
  const files = allFiles(dir);
  assert.deepEqual(files.filter((f) => f.endsWith(".tmp") || f.includes(".lock")), []);
  for (const r of readRuns(dir, "smoke")) {
    assert.deepEqual(r.metrics.map((m) => m.epoch), [1, 2, 3], r.record.runId); // no duplicates
  }
}

/** Pids whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(e.name));
    } catch { /* exited */ }
  }
  return out;
}

/** Starts `reproduce --preset smoke --results-dir dir` as a subprocess (output piped). */
export function spawnReproduce(
  dir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      REPRODUCE,
      "--preset",
      "smoke",
      "--results-dir",
      dir,
      ...extra,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * End-to-end tests of the grid runner on the smoke preset (real subprocess workers, wasm/cpu
 * backend as initBackend picks): a full uninterrupted run as reference, two concurrent
 * `reproduce` processes (every run done exactly once, same numbers), and a diverging run (failed,
 * grid goes on). The kill -9 test is in tests/cli/reproduce_test.ts.
 */
import assert from "node:assert/strict";
import { reproduce } from "../../../lib/experiments/executors/runner.ts";
import { planPreset } from "../../../lib/experiments/config/presets.ts";
import { join, readRuns } from "../../../lib/experiments/store/store.ts";
import { assertClean, numbers, quiet, spawnReproduce, tableRows } from "../helpers.ts";

/** Rows used by the multi-process test: the regularizer and scale axes (7 configs). */
const SUBSET = "/reg=|α=/";

let reference: { dir: string; numbers: Record<string, unknown>; rows: unknown[] } | null = null;

async function referenceRun() {
  if (reference) return reference;
  const dir = Deno.makeTempDirSync({ prefix: "bnn-ref-" });
  const res = await reproduce({ preset: "smoke", resultsDir: dir, workers: 2, ...quiet });
  assert.deepEqual(res.problems, []);
  reference = { dir, numbers: numbers(readRuns(dir, "smoke")), rows: tableRows(dir) };
  return reference;
}

Deno.test("smoke grid end to end: every row trains, tables written, nothing left behind", async () => {
  const ref = await referenceRun();
  const runs = readRuns(ref.dir, "smoke");
  const plan = await planPreset("smoke");
  assert.deepEqual(runs.map((r) => r.record.runId).sort(), plan.map((r) => r.runId).sort());
  assert.ok(runs.every((r) => r.summary?.status === "done" && r.summary.epochs === 3));
  assert.ok(
    runs.every((r) => r.metrics.every((m) => Number.isFinite(m.loss) && m.imagesPerSec > 0)),
  );
  // Every epoch line of a run with binary layers carries the instruments' telemetry.
  const binary = runs.filter((r) => r.record.config.kernelQuantizer !== "none");
  assert.ok(binary.length > 0);
  for (const r of binary) {
    const t = r.metrics.map((m) => (m as { telemetry?: { layers: unknown[] } }).telemetry);
    assert.ok(t.every((x) => x && x.layers.length > 0), `telemetry missing in ${r.record.runId}`);
  }
  assertClean(join(ref.dir, "smoke/runs"));
  for (const f of ["table.md", "table.csv", "table.json"]) Deno.statSync(join(ref.dir, "smoke", f));
  assert.equal(ref.rows.length, new Set(plan.map((r) => r.configKey)).size);
  // A second call finds everything finished and redoes nothing.
  const again = await reproduce({ preset: "smoke", resultsDir: ref.dir, ...quiet });
  assert.equal(again.skipped, plan.length);
  assert.deepEqual(numbers(readRuns(ref.dir, "smoke")), ref.numbers);
});

Deno.test("two reproduce processes at once: every run done exactly once, tables intact", async () => {
  const ref = await referenceRun();
  const dir = Deno.makeTempDirSync({ prefix: "bnn-two-" });
  const only = ["--only", SUBSET];
  const [a, b] = await Promise.all([
    spawnReproduce(dir, only).output(),
    spawnReproduce(dir, only).output(),
  ]);
  const logs = [a, b].map((o) => new TextDecoder().decode(o.stderr));
  assert.equal(a.code, 0, logs[0]);
  assert.equal(b.code, 0, logs[1]);
  const trained = logs.map((l) => [...l.matchAll(/\] (\S+) .*: done, test/g)].map((m) => m[1]));
  const plan = (await planPreset("smoke", { only: SUBSET })).map((r) => r.runId).sort();
  assert.ok(plan.length >= 6);
  assert.deepEqual(
    [...trained[0], ...trained[1]].sort(),
    plan,
    "each run trained by exactly one process",
  );
  const got = numbers(readRuns(dir, "smoke"));
  assert.deepEqual(got, Object.fromEntries(plan.map((id) => [id, ref.numbers[id]])));
  const rows = tableRows(dir);
  assert.equal(
    rows.length,
    new Set((await planPreset("smoke", { only: SUBSET })).map((r) => r.configKey)).size,
  );
  for (const row of rows) {
    assert.ok(ref.rows.some((r) => JSON.stringify(r) === JSON.stringify(row)));
  }
  assertClean(join(dir, "smoke/runs"));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a non-finite loss fails that run with its reason; the grid goes on; exit code non-zero", async () => {
  const plan = await planPreset("smoke", { only: "reg=" });
  const bad = plan[0].runId;
  const dir = Deno.makeTempDirSync({ prefix: "bnn-nan-" });
  const out = await spawnReproduce(dir, ["--only", "reg="], { BNN_FAULT_NONFINITE: bad }).output();
  const log = new TextDecoder().decode(out.stderr);
  assert.notEqual(out.code, 0);
  const label = plan[0].labels[0].replace(/[()+]/g, "\\$&");
  assert.match(
    log,
    new RegExp(`1 run\\(s\\) did not finish:\\n  failed ${bad} \\(${label}\\): non-finite loss`),
  );
  const runs = readRuns(dir, "smoke");
  assert.equal(runs.find((r) => r.record.runId === bad)!.summary!.status, "failed");
  assert.ok(runs.filter((r) => r.record.runId !== bad).every((r) => r.summary?.status === "done"));
  assert.match(Deno.readTextFileSync(join(dir, "smoke/table.md")), /\| failed: non-finite loss/);
  // A rerun does not redo the failed run (it is deterministic), unless asked to.
  const again = await reproduce({ preset: "smoke", resultsDir: dir, only: "reg=", ...quiet });
  assert.equal(again.skipped, plan.length);
  Deno.removeSync(dir, { recursive: true });
  if (reference) Deno.removeSync(reference.dir, { recursive: true });
});

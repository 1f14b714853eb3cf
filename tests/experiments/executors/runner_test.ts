/**
 * End-to-end tests of the grid runner on the smoke preset (real subprocess workers, wasm/cpu
 * backend as initBackend picks): a full uninterrupted run as reference, two concurrent
 * `reproduce` processes (every run done exactly once, same numbers), and a diverging run (failed,
 * grid goes on). The kill -9 test is in tests/cli/reproduce_test.ts.
 */
import assert from "node:assert/strict";
import {
  checkData,
  reproduce,
  workerErrorLine,
} from "../../../lib/experiments/executors/runner.ts";
import { planPreset } from "../../../lib/experiments/config/presets.ts";
import { join, readRuns } from "../../../lib/experiments/store/store.ts";
import {
  assertClean,
  childrenOf,
  numbers,
  quiet,
  REPRODUCE,
  spawnReproduce,
  tableRows,
} from "../helpers.ts";

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
  // …but it still reports it, and the CLI exits non-zero listing it (as the README promises).
  assert.deepEqual(again.problems.map((p) => [p.kind, p.runId]), [["failed", bad]]);
  assert.match(again.problems[0].reason, /non-finite loss.*--retry-failed/);
  // From code with a relative resultsDir: resolved against the caller's cwd.
  const cwd = Deno.cwd();
  try {
    Deno.chdir(dir.slice(0, dir.lastIndexOf("/")));
    const rel = dir.slice(dir.lastIndexOf("/") + 1);
    const fromCode = await reproduce({ preset: "smoke", resultsDir: rel, only: "reg=", ...quiet });
    assert.equal(fromCode.tables.md, join(dir, "smoke/table.md"));
    assert.equal(fromCode.problems.length, 1);
  } finally {
    Deno.chdir(cwd);
  }
  const cli = await spawnReproduce(dir, ["--only", "reg="]).output();
  assert.equal(cli.code, 1);
  assert.match(new TextDecoder().decode(cli.stderr), new RegExp(`  failed ${bad} `));
  Deno.removeSync(dir, { recursive: true });
  if (reference) Deno.removeSync(reference.dir, { recursive: true });
});

Deno.test("workerErrorLine: the worker's one error line, not stack frames", () => {
  const stderr = [
    "some warning",
    "run-one vgg_small-0123456789ab: error: /d/cifar/data_batch_1.bin: truncated (cause: EOF)",
    "    at foo (file:///x.ts:1:1)",
  ];
  assert.equal(workerErrorLine(stderr), "/d/cifar/data_batch_1.bin: truncated (cause: EOF)");
  assert.equal(workerErrorLine(["a", "b"]), "a\n    b");
  assert.equal(workerErrorLine([]), "(no output)");
});

Deno.test("relative --results-dir from another folder; a worker SIGTERMed from outside is a problem", async () => {
  const [run] = await planPreset("smoke", { only: "reg=" });
  let dir = "", code = 0, log = "", killed = false;
  for (let attempt = 0; attempt < 3 && !killed; attempt++) {
    if (dir) Deno.removeSync(dir, { recursive: true });
    dir = Deno.makeTempDirSync({ prefix: "bnn-rel-" });
    const parent = dir.slice(0, dir.lastIndexOf("/"));
    const rel = dir.slice(dir.lastIndexOf("/") + 1);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-prompt",
        REPRODUCE,
        "--preset",
        "smoke",
        "--only",
        run.runId,
        "--workers",
        "1",
        "--results-dir",
        rel,
      ],
      cwd: parent, // not the repository: the relative path is the caller's
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // The worker's lock appears under the caller's folder (not under the repository).
    const lock = join(dir, "smoke/runs", run.runId, ".lock");
    let worker: number | undefined;
    for (let i = 0; i < 12000 && worker === undefined; i++) {
      await new Promise((r) => setTimeout(r, 5));
      try {
        Deno.statSync(lock);
        worker = childrenOf(child.pid)[0];
      } catch { /* not yet */ }
    }
    if (worker !== undefined) {
      try {
        Deno.kill(worker, "SIGTERM");
        killed = true;
      } catch { /* finished meanwhile */ }
    }
    const out = await child.output();
    code = out.code;
    log = new TextDecoder().decode(out.stderr);
    if (readRuns(dir, "smoke").some((r) => r.record.runId === run.runId && r.summary)) {
      killed = false; // it finished before the signal landed: try again
    }
  }
  assert.ok(killed, `a worker was stopped mid-run: ${log}`);
  assert.equal(code, 1, log);
  assert.match(log, new RegExp(`interrupted ${run.runId} .*stopped by`));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("up front: a missing data set is one error listing every place; a bad backend too", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const runs = Array.from({ length: 40 }, () => ({ config: { dataset: "mnist" } })) as never[];
    await assert.rejects(
      () => checkData(runs, { dataDir: dir, download: false }),
      (e: Error) => {
        assert.match(e.message, /^mnist \(train split\) not found\. Looked in:\n/);
        assert.ok(e.message.includes(dir), e.message);
        return true;
      },
    );
    await assert.rejects(
      () => reproduce({ preset: "smoke", resultsDir: dir, backend: "bogus", ...quiet }),
      /backend: unknown name 'bogus'; expected one of auto, /,
    );
    // Present data sets (and synthetic ones) pass without reading anything.
    await checkData([{ config: { dataset: "synthetic" } }] as never[]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("workerWebGpuEnv: BNN_WEBGPU=0 for the workers only where auto would not use WebGPU", async () => {
  const { workerWebGpuEnv } = await import("../../../lib/experiments/executors/runner.ts");
  const before = { backend: Deno.env.get("BNN_BACKEND"), webgpu: Deno.env.get("BNN_WEBGPU") };
  Deno.env.delete("BNN_BACKEND");
  Deno.env.delete("BNN_WEBGPU");
  let probes = 0;
  const adapter = (software: boolean) => () => {
    probes++;
    return Promise.resolve({
      vendor: "v",
      architecture: "a",
      description: "x",
      fallback: false,
      software,
    });
  };
  try {
    assert.deepEqual(await workerWebGpuEnv(undefined, adapter(true)), { BNN_WEBGPU: "0" });
    assert.deepEqual(await workerWebGpuEnv("auto", () => Promise.resolve("no adapter")), {
      BNN_WEBGPU: "0",
    });
    assert.deepEqual(await workerWebGpuEnv(undefined, adapter(false)), {}); // hardware: workers use it
    assert.equal(probes, 2);
    assert.deepEqual(await workerWebGpuEnv("wasm", adapter(true)), {}); // forced: no probe at all
    assert.deepEqual(await workerWebGpuEnv("webgpu", adapter(true)), {});
    Deno.env.set("BNN_BACKEND", "webgpu");
    assert.deepEqual(await workerWebGpuEnv(undefined, adapter(true)), {});
    Deno.env.delete("BNN_BACKEND");
    Deno.env.set("BNN_WEBGPU", "1");
    assert.deepEqual(await workerWebGpuEnv(undefined, adapter(true)), {});
    assert.equal(probes, 2);
  } finally {
    for (const [k, v] of [["BNN_BACKEND", before.backend], ["BNN_WEBGPU", before.webgpu]]) {
      if (v === undefined) Deno.env.delete(k!);
      else Deno.env.set(k!, v);
    }
  }
});

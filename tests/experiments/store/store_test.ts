import assert from "node:assert/strict";
import {
  isSettled,
  join,
  materializeRuns,
  readJson,
  readMetrics,
  readRuns,
  removeStaleTemps,
  runDir,
  runState,
  writeMetrics,
} from "../../../lib/experiments/store/store.ts";
import { acquireLock } from "../../../lib/experiments/store/lock.ts";
import { tempHostTag, writeFileAtomicSync, writeJsonAtomicSync } from "../../../lib/util/atomic.ts";
import { planPreset } from "../../../lib/experiments/config/presets.ts";

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...files(join(dir, e.name)).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

Deno.test("store: atomic writes leave only the target; stale temps of dead pids are removed", async () => {
  const dir = Deno.makeTempDirSync();
  writeFileAtomicSync(`${dir}/a/b.txt`, "hello", { mkdir: true });
  writeJsonAtomicSync(`${dir}/a/c.json`, { x: 1 }, { mkdir: true });
  assert.deepEqual(files(dir), ["a/b.txt", "a/c.json"]);
  assert.deepEqual(readJson(`${dir}/a/c.json`), { x: 1 });
  assert.equal(readJson(`${dir}/a/none.json`), null);
  Deno.writeTextFileSync(`${dir}/a/bad.json`, "{");
  assert.throws(() => readJson(`${dir}/a/bad.json`), /bad\.json: not valid JSON/);
  const child = new Deno.Command("true").spawn();
  await child.status;
  const host = tempHostTag();
  Deno.writeTextFileSync(`${dir}/a/b.txt.${child.pid}-0@${host}.tmp`, "partial");
  Deno.writeTextFileSync(`${dir}/a/b.txt.${Deno.pid}-99@${host}.tmp`, "ours, in flight");
  // Same dead pid, but written on another node of a shared folder: not ours to judge.
  Deno.writeTextFileSync(`${dir}/a/b.txt.${child.pid}-1@other-node.tmp`, "other host");
  Deno.writeTextFileSync(`${dir}/a/b.txt.${child.pid}-2.tmp`, "no host tag");
  assert.equal(removeStaleTemps(dir), 1);
  assert.deepEqual(
    files(dir),
    [
      "a/b.txt",
      `a/b.txt.${child.pid}-1@other-node.tmp`,
      `a/b.txt.${child.pid}-2.tmp`,
      `a/b.txt.${Deno.pid}-99@${host}.tmp`,
      "a/bad.json",
      "a/c.json",
    ].sort(),
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("store: runs are materialized once and read back with metrics", async () => {
  const dir = Deno.makeTempDirSync();
  const runs = (await planPreset("smoke")).slice(0, 3);
  materializeRuns(dir, "smoke", runs);
  const before = Deno.statSync(join(runDir(dir, "smoke", runs[0].runId), "config.json")).mtime;
  materializeRuns(dir, "smoke", runs); // unchanged: not rewritten
  assert.deepEqual(
    Deno.statSync(join(runDir(dir, "smoke", runs[0].runId), "config.json")).mtime,
    before,
  );
  const m = [{
    epoch: 1,
    loss: 1,
    ce: 1,
    penalty: 0,
    trainAcc: 0.5,
    testLoss: 1,
    testAcc: 0.4,
    lr: 1e-3,
    seconds: 1,
    imagesPerSec: 9,
    backend: "cpu",
    extra: [1],
  }];
  writeMetrics(runDir(dir, "smoke", runs[1].runId), m);
  assert.deepEqual(readMetrics(runDir(dir, "smoke", runs[1].runId)), m);
  const stored = readRuns(dir, "smoke");
  assert.deepEqual(stored.map((s) => s.record.runId), runs.map((r) => r.runId).sort());
  assert.equal(stored.find((s) => s.record.runId === runs[1].runId)!.metrics.length, 1);
  assert.ok(stored.every((s) => s.summary === null && s.record.preset === "smoke"));
  assert.deepEqual(readRuns(dir, "nothing"), []);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("runState: new, incomplete, locked, finished, failed (or pending when retried)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const [run] = (await planPreset("smoke")).slice(0, 1);
    materializeRuns(dir, "smoke", [run]);
    const d = runDir(dir, "smoke", run.runId);
    const state = (retryFailed = false) => runState(dir, "smoke", run.runId, { retryFailed });
    assert.equal(state().state, "new");
    assert.equal(isSettled(state()), false);
    Deno.writeTextFileSync(join(d, "metrics.jsonl"), "");
    assert.equal(state().state, "incomplete");
    const lock = acquireLock(join(d, ".lock"), { heartbeatMs: 0 })!;
    assert.equal(state().state, "locked");
    lock.release();
    assert.equal(state().state, "incomplete");
    // A live process taking over a stale lock: still held (the runner must not respawn it).
    const guard = { pid: Deno.pid, host: Deno.hostname(), startedAt: "", procStart: null };
    Deno.writeTextFileSync(join(d, ".lock.takeover"), JSON.stringify(guard));
    assert.equal(state().state, "locked");
    Deno.removeSync(join(d, ".lock.takeover"));
    assert.equal(state().state, "incomplete");
    writeJsonAtomicSync(join(d, "summary.json"), { status: "failed", reason: "NaN loss" });
    assert.deepEqual([state().state, state().reason, isSettled(state())], [
      "failed",
      "NaN loss",
      true,
    ]);
    assert.equal(state(true).state, "incomplete"); // retried: still to do
    assert.equal(state(true).summary?.status, "failed");
    writeJsonAtomicSync(join(d, "summary.json"), { status: "done" });
    assert.equal(state(true).state, "finished");
    assert.ok(isSettled(state(true)));
    assert.throws(() => readRuns(dir, "../x"), /plain folder name/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import {
  join,
  materializeRuns,
  readJson,
  readMetrics,
  readRuns,
  removeStaleTemps,
  runDir,
  writeFileAtomic,
  writeJsonAtomic,
  writeMetrics,
} from "../../lib/experiments/store.ts";
import { planPreset } from "../../lib/experiments/presets.ts";
import { tempHostTag } from "../../lib/util/atomic.ts";

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
  writeFileAtomic(`${dir}/a/b.txt`, "hello");
  writeJsonAtomic(`${dir}/a/c.json`, { x: 1 });
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

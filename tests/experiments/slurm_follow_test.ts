import assert from "node:assert/strict";
import { elementKey, pollDelay, readJobs, recordJob } from "../../lib/experiments/slurm_follow.ts";

Deno.test("jobs.json: records submitted jobs in order, atomically", async () => {
  const dir = await Deno.makeTempDir();
  assert.deepEqual(await readJobs(dir), []);
  const a = { jobId: "5", submittedAt: "2026-01-01T00:00:00Z", runIds: ["r1", "r2"] };
  const b = { jobId: "9", submittedAt: "2026-01-01T01:00:00Z", runIds: ["r2"] };
  await recordJob(dir, a);
  await recordJob(dir, b);
  assert.deepEqual(await readJobs(dir), [a, b]);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["jobs.json"]);
  await Deno.writeTextFile(`${dir}/jobs.json`, "[{");
  await assert.rejects(() => readJobs(dir), /jobs\.json is unreadable/);
  assert.equal(elementKey({ jobId: "9", index: 3 }), "9_3");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("pollDelay: 1 s after a change, ×1.5 per unchanged look, capped at 10 s", () => {
  assert.equal(pollDelay(0), 1000);
  assert.equal(pollDelay(1), 1500);
  assert.equal(pollDelay(2), 2250);
  for (let i = 1; i < 30; i++) assert.ok(pollDelay(i) >= pollDelay(i - 1));
  assert.equal(pollDelay(50), 10000);
});

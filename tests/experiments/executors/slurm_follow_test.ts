import assert from "node:assert/strict";
import {
  elementKey,
  followElements,
  pollDelay,
  readJobs,
  recordJob,
} from "../../../lib/experiments/executors/slurm_follow.ts";

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

Deno.test("followElements: retries a failing squeue; an element the queue forgets is not active", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/bin`);
  // Look 1: both active; look 2: the controller does not answer; look 3: the queue forgot both.
  await Deno.writeTextFile(
    `${dir}/bin/squeue`,
    `#!/bin/bash\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n\n` +
      `case $n in 0) printf '0|RUNNING|None\\n1|PENDING|Priority\\n' ;;\n` +
      `1) echo 'squeue: error: Socket timed out' >&2; exit 1 ;;\n*) ;; esac\n`,
  );
  await Deno.chmod(`${dir}/bin/squeue`, 0o755);
  const printed: string[] = [];
  const last = await followElements(
    [{ jobId: "7", index: 0, runId: "r0" }, { jobId: "7", index: 1, runId: "r1" }],
    {
      env: { PATH: `${dir}/bin:/usr/bin:/bin` },
      pollMs: 10,
      print: (l) => printed.push(l),
      label: "smoke",
      runStatus: (id) => Promise.resolve({ state: id === "r0" ? "finished" : "incomplete" }),
    },
  );
  assert.equal(Number(await Deno.readTextFile(`${dir}/n`)), 3);
  assert.deepEqual(printed, [
    "slurm job 7 [smoke]: 0/2 finished, 1 running, 1 pending, 0 failed (0%)",
    "squeue failed (squeue failed (exit 1): squeue: error: Socket timed out); retrying",
    "slurm job 7 [smoke]: 1/2 finished, 0 running, 0 pending, 1 failed (100%)",
  ]);
  assert.deepEqual(last.get("7_1"), { state: "PENDING", detail: "Priority" });
  await Deno.writeTextFile(`${dir}/n`, "1"); // the next look fails
  await assert.rejects(
    () =>
      followElements([{ jobId: "7", index: 0, runId: "r0" }], {
        env: { PATH: `${dir}/bin:/usr/bin:/bin` },
        pollMs: 1,
        maxQueueFailures: 1,
        print: () => {},
        label: "smoke",
        runStatus: () => Promise.resolve({ state: "new" }),
      }),
    /Socket timed out/,
  );
  await Deno.remove(dir, { recursive: true });
});

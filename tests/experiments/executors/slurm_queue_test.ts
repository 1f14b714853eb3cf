import assert from "node:assert/strict";
import {
  ACTIVE_STATES,
  elementKey,
  failureReason,
  followElements,
  formatFailures,
  lastLogLine,
  parseElementStates,
  pollDelay,
  progressLine,
  readJobs,
  recordJob,
  runStatusFromFiles,
  slurmCommand,
} from "../../../lib/experiments/executors/slurm_queue.ts";

Deno.test("parseElementStates: squeue -r lines and sacct lines of one array job", () => {
  const squeue = "0|RUNNING|None\n1|PENDING|Resources\n\n2|COMPLETED|None\n";
  const m = parseElementStates(squeue, "7");
  assert.deepEqual([...m.keys()], [0, 1, 2]);
  assert.deepEqual(m.get(1), { state: "PENDING", detail: "Resources" });
  const sacct = [
    "7_0|COMPLETED|0:0",
    "7_1|CANCELLED by 0|0:15",
    "7_[2-4]|PENDING|0:0",
    "8_3|FAILED|1:0",
    "7_5|TIMEOUT|0:0",
  ].join("\n");
  const a = parseElementStates(sacct, "7");
  assert.deepEqual([...a.keys()].sort(), [0, 1, 5]);
  assert.deepEqual(a.get(1), { state: "CANCELLED", detail: "0:15" });
  assert.equal(a.get(5)!.state, "TIMEOUT");
  assert.ok(ACTIVE_STATES.has("PENDING") && ACTIVE_STATES.has("RUNNING"));
  for (const s of ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL"]) {
    assert.ok(!ACTIVE_STATES.has(s), s);
  }
});

Deno.test("slurmCommand: a missing command is one clear error; exit codes are returned", async () => {
  const empty = await Deno.makeTempDir();
  await assert.rejects(
    () => slurmCommand("sbatch", ["--version"], { env: { PATH: empty } }),
    /^Error: 'sbatch' was not found on PATH: .*apt-get install slurm-client/,
  );
  const res = await slurmCommand("bash", ["-c", "echo out; echo err >&2; exit 3"]);
  assert.deepEqual(res, { code: 3, stdout: "out\n", stderr: "err\n" });
  await Deno.remove(empty);
});

Deno.test("runStatusFromFiles: new, incomplete, finished, failed with the runner's reason", async () => {
  const root = await Deno.makeTempDir();
  assert.deepEqual(await runStatusFromFiles(root, "r"), { state: "new" });
  await Deno.mkdir(`${root}/r`);
  await Deno.writeTextFile(`${root}/r/metrics.jsonl`, "{}\n");
  assert.deepEqual(await runStatusFromFiles(root, "r"), { state: "incomplete" });
  await Deno.writeTextFile(`${root}/r/summary.json`, JSON.stringify({ status: "done" }));
  assert.deepEqual(await runStatusFromFiles(root, "r"), { state: "finished" });
  const reason = "non-finite loss at epoch 3";
  await Deno.writeTextFile(`${root}/r/summary.json`, JSON.stringify({ status: "failed", reason }));
  assert.deepEqual(await runStatusFromFiles(root, "r"), { state: "failed", reason });
  await Deno.writeTextFile(`${root}/r/summary.json`, "{trunc");
  assert.equal((await runStatusFromFiles(root, "r")).state, "incomplete");
  await Deno.remove(root, { recursive: true });
});

Deno.test("failureReason: runner's reason first, then Slurm's state, then the log", async () => {
  const root = await Deno.makeTempDir();
  const log = `${root}/1_0.out`;
  await Deno.writeTextFile(log, "[bnn-slurm] start\nerror: out of memory\n[bnn-slurm] exited 1\n");
  assert.equal(await lastLogLine(log), "error: out of memory");
  assert.equal(await lastLogLine(`${root}/missing`), undefined);
  assert.equal(
    await failureReason({ state: "failed", reason: "NaN" }, {
      slurm: { state: "FAILED", detail: "" },
      log: log,
    }),
    "NaN",
  );
  assert.equal(
    await failureReason({ state: "incomplete" }, {
      slurm: { state: "TIMEOUT", detail: "0:15" },
      log: log,
    }),
    "Slurm state TIMEOUT (0:15); log: error: out of memory",
  );
  assert.match(
    await failureReason({ state: "new" }, { log: `${root}/missing` }),
    /^Slurm no longer reports this element and the run wrote no summary$/,
  );
  assert.match(
    await failureReason({ state: "incomplete" }, {
      slurm: { state: "COMPLETED", detail: "" },
      log: log,
    }),
    /completed but the run wrote no summary/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("progressLine and formatFailures", () => {
  const c = { total: 8, finished: 3, failed: 1, running: 2, pending: 2 };
  assert.equal(
    progressLine(c, { jobId: "42", preset: "smoke" }),
    `slurm job 42 [smoke]: 3/8 finished, 2 running, 2 pending, 1 failed (${
      Math.floor(100 * 4 / 8)
    }%)`,
  );
  assert.equal(formatFailures([]), "");
  const text = formatFailures([
    { runId: "r1", index: 0, element: "42_0", log: "/x/42_0.out", reason: "Slurm state TIMEOUT" },
  ]);
  assert.deepEqual(text.split("\n"), [
    "1 element(s) failed:",
    "  run r1 (element 42_0): Slurm state TIMEOUT",
    "    log: /x/42_0.out",
  ]);
});

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

import assert from "node:assert/strict";
import {
  failureReason,
  formatFailures,
  lastLogLine,
  progressLine,
  runStatusFromFiles,
} from "../../../lib/experiments/executors/slurm_status.ts";

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

import assert from "node:assert/strict";
import {
  ACTIVE_STATES,
  parseElementStates,
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

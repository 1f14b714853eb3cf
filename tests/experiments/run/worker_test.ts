/**
 * The single-run entry point (`run-one`): SIGTERM makes it checkpoint and exit 5 (what Slurm
 * preemption / time limits rely on); the rerun resumes and ends with the numbers of an
 * uninterrupted run. Closing stdin under `--watch-stdin` (the parent died) does the same.
 */
import assert from "node:assert/strict";
import { planPreset } from "../../../lib/experiments/config/presets.ts";
import { join, readRuns } from "../../../lib/experiments/store/store.ts";
import { EVENT_PREFIX, EXIT } from "../../../lib/experiments/run/worker.ts";
import { numbers, ROOT } from "../helpers.ts";

const RUN_ONE = join(ROOT, "lib/cli/run_one.ts");

function runOne(
  dir: string,
  runId: string,
  extra: string[] = [],
  stdin: "null" | "piped" = "null",
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      RUN_ONE,
      "--preset",
      "smoke",
      "--run-id",
      runId,
      "--results-dir",
      dir,
      "--events",
      ...extra,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Starts run-one and calls `stop(child)` once it has trained `afterSteps` steps; returns the exit code. */
async function interrupted(
  dir: string,
  runId: string,
  stop: (c: Deno.ChildProcess) => void,
  stdin: "null" | "piped",
) {
  const child = runOne(dir, runId, ["--watch-stdin"], stdin);
  let sent = false;
  let buf = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    for (const line of buf.split("\n").slice(0, -1)) {
      if (
        !sent && line.startsWith(EVENT_PREFIX) &&
        JSON.parse(line.slice(EVENT_PREFIX.length)).t === "start"
      ) {
        sent = true;
        stop(child);
      }
    }
    buf = buf.slice(buf.lastIndexOf("\n") + 1);
  }
  await child.stderr.cancel();
  return (await child.status).code;
}

Deno.test("run-one: SIGTERM or a closed stdin → checkpoint + exit 5; the rerun matches an uninterrupted run", async () => {
  const [run] = await planPreset("smoke", { only: "α=none" });
  const ref = Deno.makeTempDirSync();
  const r = runOne(ref, run.runId);
  await r.stdout.cancel();
  await r.stderr.cancel();
  assert.equal((await r.status).code, EXIT.ok);
  const expected = numbers(readRuns(ref, "smoke"));
  const stops: [string, (c: Deno.ChildProcess) => void, "null" | "piped"][] = [
    ["SIGTERM", (c) => c.kill("SIGTERM"), "null"],
    ["stdin closed", (c) => c.stdin.close(), "piped"],
  ];
  for (const [what, stop, stdin] of stops) {
    const dir = Deno.makeTempDirSync();
    const code = await interrupted(dir, run.runId, stop, stdin);
    assert.equal(code, EXIT.interrupted, what);
    const runs = readRuns(dir, "smoke");
    assert.equal(runs[0].summary, null, what);
    const latest = JSON.parse(
      Deno.readTextFileSync(join(dir, "smoke/checkpoints", run.runId, "latest.json")),
    );
    assert.match(latest.dir, /^ckpt-[1-9]\d*-/, `${what}: a checkpoint after at least one step`);
    const again = runOne(dir, run.runId);
    await again.stdout.cancel();
    await again.stderr.cancel();
    assert.equal((await again.status).code, EXIT.ok, what);
    const after = readRuns(dir, "smoke");
    assert.deepEqual(numbers(after), expected, what);
    assert.equal(after[0].summary!.resumes, 1, what);
    Deno.removeSync(dir, { recursive: true });
  }
  Deno.removeSync(ref, { recursive: true });
});

/**
 * The reproduce / run-one CLIs: a kill -9 of `reproduce --preset smoke` mid-run followed by a
 * rerun gives exactly the numbers of an uninterrupted run; bad arguments give one clear error.
 */
import assert from "node:assert/strict";
import { join, readRuns } from "../../lib/experiments/store.ts";
import { planPreset } from "../../lib/experiments/presets.ts";
import {
  allFiles,
  assertClean,
  childrenOf,
  numbers,
  ROOT,
  spawnReproduce,
  tableRows,
} from "../experiments/helpers.ts";

/** The λ and backward axes: 11 configs, one seed. */
const SUBSET = "/λ=|act=/";

Deno.test("kill -9 mid-run, rerun: same final numbers as uninterrupted, no duplicates, no partial files", async () => {
  const refDir = Deno.makeTempDirSync({ prefix: "bnn-ref-" });
  const ref = await spawnReproduce(refDir, ["--only", SUBSET]).output();
  assert.equal(ref.code, 0, new TextDecoder().decode(ref.stderr));
  const dir = Deno.makeTempDirSync({ prefix: "bnn-kill-" });
  const child = spawnReproduce(dir, ["--only", SUBSET]);
  // Wait until a run is finished and another has a mid-run checkpoint but no summary.
  const ckpts = join(dir, "smoke/checkpoints");
  let midRun = false;
  for (let i = 0; i < 3000 && !midRun; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      const done = readRuns(dir, "smoke").filter((r) => r.summary).map((r) => r.record.runId);
      if (done.length < 1) continue;
      midRun = [...Deno.readDirSync(ckpts)].some((e) => {
        if (done.includes(e.name)) return false;
        try {
          const latest = JSON.parse(Deno.readTextFileSync(join(ckpts, e.name, "latest.json")));
          return !/-0-0$/.test(latest.dir);
        } catch {
          return false;
        }
      });
    } catch { /* not there yet */ }
  }
  const kids = childrenOf(child.pid);
  child.kill("SIGKILL");
  for (const k of kids) {
    try {
      Deno.kill(k, "SIGKILL");
    } catch { /* already gone */ }
  }
  await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.ok(midRun, "the kill happened while a run was between checkpoints");
  assert.ok(readRuns(dir, "smoke").some((r) => !r.summary), "some runs were left unfinished");
  const again = await spawnReproduce(dir, ["--only", SUBSET]).output();
  assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
  const after = readRuns(dir, "smoke");
  assert.ok(
    after.some((r) => (r.summary?.resumes ?? 0) > 0),
    "a run resumed from its checkpoint",
  );
  assert.deepEqual(numbers(after), numbers(readRuns(refDir, "smoke")));
  assert.deepEqual(tableRows(dir), tableRows(refDir));
  assertClean(join(dir, "smoke/runs"));
  assert.deepEqual(allFiles(ckpts).filter((f) => f.endsWith(".tmp")), []);
  assert.equal(after.length, (await planPreset("smoke", { only: SUBSET })).length);
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(refDir, { recursive: true });
});

async function cli(
  script: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", join(ROOT, script), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

Deno.test("CLI: dry run lists the plan; bad arguments exit 2 with one clear message", async () => {
  const dry = await cli("lib/cli/reproduce.ts", [
    "--preset",
    "smoke",
    "--dry-run",
    "--no-measure",
    "--seeds",
    "2",
  ]);
  assert.equal(dry.code, 0, dry.err);
  const plan = await planPreset("smoke", { seeds: 2 });
  for (const r of plan) assert.ok(dry.out.includes(r.runId), r.runId);
  assert.match(dry.out, new RegExp(`\\n${plan.length} runs\\n?$`));
  const cases: [string, string[], RegExp][] = [
    ["lib/cli/reproduce.ts", ["--workers", "0"], /--workers: expected a positive integer, got '0'/],
    [
      "lib/cli/reproduce.ts",
      ["--preset", "nope", "--dry-run", "--no-measure"],
      /unknown name 'nope'; expected one of smoke, quick, paper/,
    ],
    ["lib/cli/reproduce.ts", ["--frobnicate"], /Accepted flags: --preset/],
    ["lib/cli/reproduce.ts", [
      "--preset",
      "smoke",
      "--only",
      "zzz",
      "--results-dir",
      "/nonexistent/x",
    ], /--only 'zzz' matches no run/],
    ["lib/cli/run_one.ts", ["--preset", "smoke"], /--run-id is required/],
    ["lib/cli/run_one.ts", [
      "--preset",
      "smoke",
      "--run-id",
      "nope",
      "--results-dir",
      Deno.makeTempDirSync(),
    ], /run id 'nope' is not part of preset 'smoke'/],
  ];
  for (const [script, args, re] of cases) {
    const r = await cli(script, args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
  }
});

/**
 * The reproduce / run-one CLIs: a kill -9 of `reproduce --preset smoke` mid-run followed by a
 * rerun gives exactly the numbers of an uninterrupted run; bad arguments give one clear error.
 */
import assert from "node:assert/strict";
import { join, materializeRuns, readRuns, runDir } from "../../lib/experiments/store/store.ts";
import { planPreset } from "../../lib/experiments/config/presets.ts";
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
  // Kill while some run sits between two checkpoints (retry if the kill lands elsewhere).
  let dir = "";
  let interrupted: string[] = [];
  for (let attempt = 0; attempt < 3 && interrupted.length === 0; attempt++) {
    if (dir) Deno.removeSync(dir, { recursive: true });
    dir = Deno.makeTempDirSync({ prefix: "bnn-kill-" });
    await killMidRun(dir);
    interrupted = midRunRuns(dir);
  }
  assert.ok(interrupted.length > 0, "the kill left a run between two checkpoints");
  const ckpts = join(dir, "smoke/checkpoints");
  const again = await spawnReproduce(dir, ["--only", SUBSET]).output();
  assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
  const after = readRuns(dir, "smoke");
  for (const id of interrupted) {
    assert.equal(
      after.find((r) => r.record.runId === id)?.summary?.resumes,
      1,
      `${id} resumed once`,
    );
  }
  assert.deepEqual(numbers(after), numbers(readRuns(refDir, "smoke")));
  assert.deepEqual(tableRows(dir), tableRows(refDir));
  assertClean(join(dir, "smoke/runs"));
  assert.deepEqual(allFiles(ckpts).filter((f) => f.endsWith(".tmp")), []);
  assert.equal(after.length, (await planPreset("smoke", { only: SUBSET })).length);
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(refDir, { recursive: true });
});

/** Runs whose latest checkpoint is mid-run (after step 0) and that have no summary. */
function midRunRuns(dir: string): string[] {
  const ckpts = join(dir, "smoke/checkpoints");
  const done = new Set(readRuns(dir, "smoke").filter((r) => r.summary).map((r) => r.record.runId));
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(ckpts)) {
      if (done.has(e.name)) continue;
      try {
        const latest = JSON.parse(Deno.readTextFileSync(join(ckpts, e.name, "latest.json")));
        if (!/^ckpt-0-/.test(latest.dir)) out.push(e.name);
      } catch { /* no checkpoint yet */ }
    }
  } catch { /* no checkpoints folder yet */ }
  return out;
}

/** Starts reproduce on `dir` and kill -9s it and its workers once a run is mid-way. */
async function killMidRun(dir: string): Promise<void> {
  const child = spawnReproduce(dir, ["--only", SUBSET]);
  for (let i = 0; i < 6000; i++) {
    await new Promise((r) => setTimeout(r, 5));
    if (midRunRuns(dir).length > 0) break;
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
}

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
      /unknown name 'nope'; expected one of smoke, quick, standard, long, paper/,
    ],
    [
      "lib/cli/reproduce.ts",
      ["--frobnicate"],
      /unknown flag --frobnicate \(accepted flags: --preset/,
    ],
    [
      "lib/cli/reproduce.ts",
      ["--preest", "smoke"],
      /unknown flag --preest; did you mean --preset\?/,
    ],
    [
      "lib/cli/reproduce.ts",
      ["smoke"],
      /unexpected argument 'smoke'; did you mean --preset smoke\?/,
    ],
    [
      "lib/cli/reproduce.ts",
      ["--workers", "-1"],
      /--workers: expected a positive integer, got '-1'/,
    ],
    ["lib/cli/reproduce.ts", ["--backend", "bogus"], /--backend: unknown value 'bogus'/],
    [
      "lib/cli/reproduce.ts",
      ["--preset", "smoke", "--only", "zzz", "--dry-run", "--no-measure"],
      /--only 'zzz' matches no run/,
    ],
    ["lib/cli/run_one.ts", ["--preset", "smoke", "--run-id", "../../evil"], /is not a run id/],
    [
      "lib/cli/run_one.ts",
      ["--preset", "nope", "--run-id", "vgg_small-010e119e2afe"],
      /--preset: preset: unknown name 'nope'/,
    ],
    [
      "lib/cli/run_one.ts",
      ["--preset", "smoke", "--run-id", "x", "--backend", "bogus"],
      /--backend: unknown value 'bogus'/,
    ],
    [
      "lib/cli/run_one.ts",
      ["--preset", "smoke", "--rn-id", "x"],
      /unknown flag --rn-id; did you mean --run-id\?/,
    ],
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
      "vgg_small-000000000000",
      "--results-dir",
      Deno.makeTempDirSync(),
    ], /run id 'vgg_small-000000000000' is not part of preset 'smoke'/],
  ];
  for (const [script, args, re] of cases) {
    const r = await cli(script, args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /^\s+at /m, `no stack trace: ${r.err}`);
  }
  const help = await cli("lib/cli/reproduce.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: deno task reproduce \[flags\]\n[\s\S]*--preset VALUE/);
});

Deno.test("run-one: an edited config.json gives one clear error naming the file", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "bnn-cfg-" });
  try {
    const [run] = await planPreset("smoke");
    materializeRuns(dir, "smoke", [run]);
    const path = join(runDir(dir, "smoke", run.runId), "config.json");
    const record = JSON.parse(Deno.readTextFileSync(path));
    for (
      const [lr, re] of [[-1, /field 'lr' is -1; expected a number > 0/], [
        "abc",
        /field 'lr' is "abc"/,
      ], [
        0.5,
        /hashes to run id \S+, not \S+ \(the file was edited\)/,
      ]] as const
    ) {
      Deno.writeTextFileSync(path, JSON.stringify({ ...record, config: { ...record.config, lr } }));
      const r = await cli("lib/cli/run_one.ts", [
        "--preset",
        "smoke",
        "--run-id",
        run.runId,
        "--results-dir",
        dir,
      ]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, new RegExp(`error: ${path.replace(/[.]/g, "\\.")}: `));
      assert.match(r.err, re);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      assert.equal(readRuns(dir, "smoke")[0].summary, null, "nothing trained");
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("CLI: --dry-run of the imagenet preset lists its 14 runs and the per-backend projection", async () => {
  const dry = await cli("lib/cli/reproduce.ts", [
    "--preset",
    "imagenet",
    "--dry-run",
    "--no-measure",
  ]);
  assert.equal(dry.code, 0, dry.err);
  const plan = await planPreset("imagenet");
  for (const r of plan) assert.ok(dry.out.includes(r.runId), r.runId);
  assert.match(dry.out, /Slurm array widths 1, 4, 8, 14 \(ASSUMED throughputs/);
  assert.match(dry.out, /tfjs-node-gpu, one A100\/H100, assumed\): ~\d+h\d+m per run; wall 1: /);
  assert.match(dry.out, /\n14 runs\n?$/);
});

Deno.test("results folder: results/local by default, --share means results/, both flags clash", async () => {
  const { chooseResultsDir, LOCAL_RESULTS_DIR, SHARED_RESULTS_DIR } = await import(
    "../../lib/cli/reproduce.ts"
  );
  const none = () => undefined;
  assert.equal(chooseResultsDir({}, none), LOCAL_RESULTS_DIR);
  assert.ok(LOCAL_RESULTS_DIR.endsWith("/results/local"));
  assert.equal(chooseResultsDir({ share: true }, none), SHARED_RESULTS_DIR);
  assert.equal(chooseResultsDir({}, (k) => k === "BNN_RESULTS_DIR" ? "/x" : undefined), "/x");
  assert.equal(chooseResultsDir({ "results-dir": "/y" }, none), "/y");
  assert.throws(() => chooseResultsDir({ share: true, "results-dir": "/y" }, none), /exclude/);
  // results/local is git-ignored, so a first run leaves the working tree clean.
  const ignored = await new Deno.Command("git", {
    args: ["check-ignore", "-q", `${LOCAL_RESULTS_DIR}/quick/table.md`],
    cwd: ROOT,
  }).output();
  assert.equal(ignored.code, 0, "results/local/ is git-ignored");
});

Deno.test("writeTables twice with nothing new: the table files stay byte-identical", async () => {
  const { writeFakeStore } = await import("../results/_fixture.ts");
  const { writeTables } = await import("../../lib/results/tables.ts");
  const dir = Deno.makeTempDirSync({ prefix: "bnn-tables-" });
  writeFakeStore(dir, "quick", [{ labels: ["a"], axes: ["baseline"], seed: 0, accs: [0.1] }]);
  // The table reads the full config: give the fake run the smoke preset's base config.
  const { getPreset } = await import("../../lib/experiments/config/presets.ts");
  const cfgPath = `${dir}/quick/runs/run000/config.json`;
  const rec = JSON.parse(Deno.readTextFileSync(cfgPath));
  const { makeConfig } = await import("../../lib/experiments/config/config.ts");
  rec.config = makeConfig(getPreset("smoke").base, { seed: 0 });
  Deno.writeTextFileSync(cfgPath, JSON.stringify(rec));
  const paths = await writeTables(dir, "quick");
  const read = () => [paths.md, paths.csv, paths.json].map((p) => Deno.readTextFileSync(p));
  const first = read();
  await new Promise((r) => setTimeout(r, 5)); // a later timestamp, were it rewritten
  await writeTables(dir, "quick");
  assert.deepEqual(read(), first);
  Deno.removeSync(dir, { recursive: true });
});

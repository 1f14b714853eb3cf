/**
 * The Slurm executor: the table marking of failed elements and the elements' backend arguments
 * (pure); against the single-node test cluster, with a stand-in `run-one`
 * (tests/experiments/fixtures/fake_run_one.ts) that checkpoints every epoch and resumes; and
 * `deno task reproduce --executor slurm` end to end with the real runner: a slice of the smoke
 * grid gives the same table through Slurm as through the local executor (same seeds), also when
 * one element is cancelled mid-run and the grid is resubmitted (the run resumes from its
 * checkpoint; no duplicate rows or epochs); a bad partition and a missing `sbatch` give one clear
 * error.
 */
import assert from "node:assert/strict";
import {
  elementBackendArgs,
  failuresSection,
  markSlurmFailures,
  runOnSlurm,
  type SlurmGrid,
} from "../../../lib/experiments/executors/slurm.ts";
import { findCluster, requireSlurmCluster, waitFor } from "../slurm_cluster.ts";

const failure = {
  runId: "r2",
  index: 1,
  element: "12_1",
  log: "/res/smoke/slurm/logs/12_1.out",
  reason: "Slurm state TIMEOUT | log: x",
};

Deno.test("markSlurmFailures: rows and the md table name each failed element", async () => {
  const dir = await Deno.makeTempDir();
  const paths = { md: `${dir}/table.md`, csv: `${dir}/table.csv`, json: `${dir}/table.json` };
  const rows = [
    { label: "full precision", runIds: ["r1"], status: "ok" },
    { label: "BNN", runIds: ["r2", "r3"], status: "partial" },
  ];
  await Deno.writeTextFile(paths.json, JSON.stringify({ preset: "smoke", rows }));
  await Deno.writeTextFile(paths.md, "# Results\n\n| row |\n|---|\n");
  await Deno.writeTextFile(paths.csv, "label\n");

  await markSlurmFailures(paths, []);
  assert.equal(await Deno.readTextFile(paths.md), "# Results\n\n| row |\n|---|\n");

  await markSlurmFailures(paths, [failure]);
  const t = JSON.parse(await Deno.readTextFile(paths.json));
  assert.equal(t.rows[0].slurmFailures, undefined);
  assert.deepEqual(t.rows[1].slurmFailures, [
    { runId: "r2", element: "12_1", reason: failure.reason, log: failure.log },
  ]);
  assert.deepEqual(t.slurm.failures, [failure]);
  const md = await Deno.readTextFile(paths.md);
  assert.ok(md.startsWith("# Results\n\n| row |\n|---|\n\n## Runs that did not finish on Slurm"));
  assert.ok(
    md.includes(
      "| BNN | r2 | 12_1 | Slurm state TIMEOUT \\| log: x | /res/smoke/slurm/logs/12_1.out |",
    ),
    md,
  );
  assert.equal(await Deno.readTextFile(paths.csv), "label\n");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "table.csv",
    "table.json",
    "table.md",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("failuresSection: empty without failures; unknown rows are marked '?'", () => {
  assert.equal(failuresSection([], () => "x"), "");
  const s = failuresSection([{ ...failure, reason: "a\nb" }], () => "?");
  assert.match(s, /\| \? \| r2 \| 12_1 \| a b \|/);
});

Deno.test("elementBackendArgs: --gres gpu elements use the GPU backend unless --backend says", () => {
  assert.deepEqual(elementBackendArgs(undefined, "gpu:1"), ["--backend", "gpu"]);
  assert.deepEqual(elementBackendArgs(undefined, "gpu:a100:2"), ["--backend", "gpu"]);
  assert.deepEqual(elementBackendArgs(undefined, "shard:1,gpu"), ["--backend", "gpu"]);
  assert.deepEqual(elementBackendArgs("webgpu", "gpu:1"), ["--backend", "webgpu"]);
  assert.deepEqual(elementBackendArgs(undefined, "gpumem:1"), []);
  assert.deepEqual(elementBackendArgs(undefined, undefined), []);
  assert.deepEqual(elementBackendArgs("cpu", undefined), ["--backend", "cpu"]);
});

const cluster = await findCluster();
const ignore = !cluster.env && !requireSlurmCluster();
if (ignore) console.log(`slurm_test: cluster tests ignored outside CI: ${cluster.reason}`);

const fixture = new URL("../fixtures/fake_run_one.ts", import.meta.url).pathname;

function requireCluster(): Record<string, string> {
  if (!cluster.env) throw new Error(cluster.reason);
  return cluster.env;
}

/** A throwaway project whose `deno task run-one` is the stand-in run. */
async function fakeProject(
  preset: string,
  runIds: string[],
): Promise<SlurmGrid & { root: string }> {
  const root = await Deno.makeTempDir({ prefix: "bnn-slurm-test-" });
  const task = `${JSON.stringify(Deno.execPath())} run -A ${JSON.stringify(fixture)}`;
  await Deno.writeTextFile(`${root}/deno.json`, JSON.stringify({ tasks: { "run-one": task } }));
  return {
    root,
    preset,
    runIds,
    runsDir: `${root}/results/${preset}/runs`,
    slurmDir: `${root}/results/${preset}/slurm`,
  };
}

async function lines(path: string): Promise<Record<string, unknown>[]> {
  try {
    return (await Deno.readTextFile(path)).trim().split("\n").filter(Boolean).map((l) =>
      JSON.parse(l)
    );
  } catch {
    return [];
  }
}

const quiet = () => {};

Deno.test({
  name: "slurm: grid runs as an array; failed run listed with log and reason; nothing redone",
  ignore,
  fn: async () => {
    const env = requireCluster();
    const grid = await fakeProject("p", ["a1", "b2", "fail3"]);
    const opts = {
      submit: true,
      projectDir: grid.root,
      resultsDir: `${grid.root}/results`,
      pollMs: 200,
      partition: "debug",
      env: { ...env, FAKE_EPOCHS: "2", FAKE_EPOCH_MS: "50" },
      print: quiet,
    };
    const out = await runOnSlurm(grid, opts);
    assert.equal(out.exitCode, 1);
    assert.deepEqual(out.pending, ["a1", "b2", "fail3"]);
    assert.ok(out.jobId && /^\d+$/.test(out.jobId));
    for (const id of ["a1", "b2"]) {
      const s = JSON.parse(await Deno.readTextFile(`${grid.runsDir}/${id}/summary.json`));
      assert.equal(s.status, "finished");
    }
    assert.equal(out.failures.length, 1);
    const f = out.failures[0];
    assert.equal(f.runId, "fail3");
    assert.equal(f.element, `${out.jobId}_2`);
    assert.equal(f.log, `${grid.slurmDir}/logs/${out.jobId}_2.out`);
    assert.match(f.reason, /NaN/);
    assert.match(await Deno.readTextFile(f.log), /run fail3 exited with 1/);
    const manifest = JSON.parse(await Deno.readTextFile(`${grid.slurmDir}/manifest.json`));
    assert.deepEqual(manifest.pending.map((p: { runId: string }) => p.runId), out.pending);
    const jobs = JSON.parse(await Deno.readTextFile(`${grid.slurmDir}/jobs.json`));
    assert.deepEqual(jobs.map((j: { jobId: string }) => j.jobId), [out.jobId]);

    // Again: finished runs are not resubmitted, the failed one is not retried, still non-zero.
    const again = await runOnSlurm(grid, opts);
    assert.deepEqual(again.pending, []);
    assert.equal(again.jobId, undefined);
    assert.equal(again.exitCode, 1);
    assert.deepEqual(again.failures.map((x) => x.runId), ["fail3"]);
    for (const id of ["a1", "b2"]) {
      assert.equal((await lines(`${grid.runsDir}/${id}/metrics.jsonl`)).length, 2);
    }
    await Deno.remove(grid.root, { recursive: true });
  },
});

Deno.test({
  name: "slurm: scancel of a running element, then resubmission resumes it from its checkpoint",
  ignore,
  fn: async () => {
    const env = requireCluster();
    const grid = await fakeProject("p", ["long1", "short2"]);
    const epochs = 8;
    const opts = {
      submit: true,
      projectDir: grid.root,
      resultsDir: `${grid.root}/results`,
      pollMs: 200,
      env: { ...env, FAKE_EPOCHS: String(epochs), FAKE_EPOCH_MS: "250" },
      print: quiet,
    };
    const first = runOnSlurm(grid, opts);
    const metrics = `${grid.runsDir}/long1/metrics.jsonl`;
    assert.ok(await waitFor(async () => (await lines(metrics)).length >= 2, 20000), "no progress");
    const jobs = JSON.parse(await Deno.readTextFile(`${grid.slurmDir}/jobs.json`));
    const element = `${jobs[0].jobId}_0`;
    const cancel = await new Deno.Command("scancel", { args: [element], env }).output();
    assert.equal(cancel.code, 0);
    const out1 = await first;
    assert.equal(out1.exitCode, 1);
    assert.deepEqual(out1.failures.map((f) => f.runId), ["long1"]);
    assert.match(out1.failures[0].reason, /CANCELLED|SIGTERM|143/);
    const done = (await lines(metrics)).length;
    assert.ok(done >= 2 && done < epochs, `cancelled after ${done} epochs`);
    const ckpt = JSON.parse(await Deno.readTextFile(`${grid.runsDir}/long1/checkpoint.json`));
    assert.equal(ckpt.epoch, done);

    const out2 = await runOnSlurm(grid, opts);
    assert.equal(out2.exitCode, 0, JSON.stringify(out2.failures));
    assert.deepEqual(out2.pending, ["long1"]);
    const m = await lines(metrics);
    assert.deepEqual(m.map((l) => l.epoch), Array.from({ length: epochs }, (_, i) => i + 1));
    assert.deepEqual(m.filter((l) => l.resumed).map((l) => l.epoch), [done + 1]);
    assert.equal((await lines(`${grid.runsDir}/short2/metrics.jsonl`)).length, epochs);
    await Deno.remove(grid.root, { recursive: true });
  },
});

Deno.test({
  name: "slurm: a bad partition gives one clear error before anything is submitted",
  ignore,
  fn: async () => {
    const env = requireCluster();
    const grid = await fakeProject("p", ["a1"]);
    await assert.rejects(
      () => runOnSlurm(grid, { submit: true, partition: "nosuch", env, print: quiet }),
      /--partition: 'nosuch' does not exist on this cluster \(available: debug\)/,
    );
    assert.equal(
      await Deno.stat(`${grid.slurmDir}/jobs.json`).then(() => true, () => false),
      false,
    );
    await Deno.remove(grid.root, { recursive: true });
  },
});

Deno.test("slurm: no sbatch on PATH gives one clear error; without --submit the command is printed", async () => {
  const grid = await fakeProject("p", ["a1", "b2"]);
  const empty = await Deno.makeTempDir();
  await assert.rejects(
    () => runOnSlurm(grid, { submit: true, env: { PATH: empty }, print: quiet }),
    /'sbatch' was not found on PATH: the slurm executor needs the Slurm client commands/,
  );
  const printed: string[] = [];
  const out = await runOnSlurm(grid, {
    projectDir: grid.root,
    env: { PATH: empty },
    print: (l) => printed.push(l),
  });
  assert.equal(out.exitCode, 0);
  assert.equal(out.command, `sbatch ${grid.slurmDir}/array.sbatch`);
  assert.ok(printed.join("\n").endsWith(out.command));
  assert.match(await Deno.readTextFile(`${grid.slurmDir}/array.sbatch`), /#SBATCH --array=0-1/);
  await Deno.remove(grid.root, { recursive: true });
  await Deno.remove(empty, { recursive: true });
});

// `deno task reproduce --executor slurm` with the real runner.
const REPO = new URL("../../../", import.meta.url).pathname;
const REPRODUCE = `${REPO}lib/cli/reproduce.ts`;
/** Two rows of the smoke grid (full precision and BNN), one seed each. */
const ONLY = "/^(full precision|BNN \\(ste)/";

function reproduceCmd(args: string[], env: Record<string, string>): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "--config", `${REPO}deno.json`, REPRODUCE, ...args],
    env: { NO_COLOR: "1", ...env },
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  });
}

async function reproduce(args: string[], env: Record<string, string> = {}) {
  const out = await reproduceCmd(args, env).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

interface Row {
  label: string;
  configKey: string;
  runIds: string[];
  seedsDone: number;
  testAccMean: number | null;
  testAccStd: number | null;
  trainAccMean: number | null;
  epochs: number | null;
  status: string;
}

async function tableRows(results: string): Promise<Row[]> {
  const t = JSON.parse(await Deno.readTextFile(`${results}/smoke/table.json`));
  return t.rows.map((r: Row) => ({
    label: r.label,
    configKey: r.configKey,
    runIds: r.runIds,
    seedsDone: r.seedsDone,
    testAccMean: r.testAccMean,
    testAccStd: r.testAccStd,
    trainAccMean: r.trainAccMean,
    epochs: r.epochs,
    status: r.status,
  }));
}

async function epochsOf(results: string, id: string): Promise<number[]> {
  try {
    const text = await Deno.readTextFile(`${results}/smoke/runs/${id}/metrics.jsonl`);
    return text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).epoch);
  } catch {
    return [];
  }
}

Deno.test({
  name: "slurm grid: same table as local; scancel + resubmit resumes from the checkpoint",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    if (!cluster.env) throw new Error(cluster.reason);
    const env = cluster.env;
    const root = await Deno.makeTempDir({ prefix: "bnn-slurm-grid-" });
    const local = `${root}/local`;
    const viaSlurm = `${root}/slurm`;
    const common = ["--preset", "smoke", "--only", ONLY];

    const l = await reproduce([...common, "--results-dir", local, "--workers", "2"]);
    assert.equal(l.code, 0, l.out);
    const expected = await tableRows(local);
    assert.equal(expected.length, 2);
    const ids = expected.flatMap((r) => r.runIds);

    // Submit through Slurm and cancel element 0 once its run has finished an epoch.
    const child = reproduceCmd(
      [...common, "--results-dir", viaSlurm, "--executor", "slurm", "--submit"],
      env,
    ).spawn();
    const jobsFile = `${viaSlurm}/smoke/slurm/jobs.json`;
    let first = "";
    const started = await waitFor(async () => {
      try {
        const jobs = JSON.parse(await Deno.readTextFile(jobsFile));
        first = jobs[0].runIds[0];
        return (await epochsOf(viaSlurm, first)).length >= 1;
      } catch {
        return false;
      }
    }, 60000);
    assert.ok(started, "element 0 did not finish an epoch within 60 s");
    const jobId = JSON.parse(await Deno.readTextFile(jobsFile))[0].jobId;
    const cancel = await new Deno.Command("scancel", { args: [`${jobId}_0`], env }).output();
    assert.equal(cancel.code, 0);
    const res1 = await child.output();
    const out1 = new TextDecoder().decode(res1.stdout) + new TextDecoder().decode(res1.stderr);
    assert.equal(res1.code, 1, out1);
    assert.equal(
      await Deno.stat(`${viaSlurm}/smoke/runs/${first}/summary.json`).then(() => true, () => false),
      false,
      `run ${first} finished before the cancel reached it:\n${out1}`,
    );
    assert.match(out1, new RegExp(`run ${first} \\(element ${jobId}_0\\): .*CANCELLED`));
    assert.ok(out1.includes(`log: ${viaSlurm}/smoke/slurm/logs/${jobId}_0.out`), out1);
    const md = await Deno.readTextFile(`${viaSlurm}/smoke/table.md`);
    assert.match(md, new RegExp(`## Runs that did not finish on Slurm[\\s\\S]*${first}`));
    const before = await epochsOf(viaSlurm, first);

    // Resubmit: only the cancelled run is pending; it resumes from its checkpoint.
    const res2 = await reproduce(
      [...common, "--results-dir", viaSlurm, "--executor", "slurm", "--submit"],
      env,
    );
    assert.equal(res2.code, 0, res2.out);
    const jobs = JSON.parse(await Deno.readTextFile(jobsFile));
    assert.equal(jobs.length, 2);
    assert.deepEqual(jobs[1].runIds, [first]);
    const summary = JSON.parse(
      await Deno.readTextFile(`${viaSlurm}/smoke/runs/${first}/summary.json`),
    );
    assert.ok(summary.resumedFrom > 0, `resumedFrom ${summary.resumedFrom}`);
    const after = await epochsOf(viaSlurm, first);
    assert.deepEqual(after.slice(0, before.length), before);
    assert.deepEqual(after, [...new Set(after)].sort((a, b) => a - b), "duplicate epochs");
    for (const id of ids) assert.equal((await epochsOf(viaSlurm, id)).length, summary.epochs);

    // Same table as the local executor: same rows, same numbers, no duplicates.
    assert.deepEqual(await tableRows(viaSlurm), expected);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name: "slurm grid: bad partition and missing sbatch give one clear error",
  ignore,
  fn: async () => {
    if (!cluster.env) throw new Error(cluster.reason);
    const root = await Deno.makeTempDir({ prefix: "bnn-slurm-grid-" });
    const args = [
      "--preset",
      "smoke",
      "--only",
      ONLY,
      "--results-dir",
      root,
      "--executor",
      "slurm",
    ];
    const bad = await reproduce([...args, "--submit", "--partition", "nosuch"], cluster.env);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.out.trim(),
      "reproduce: --partition: 'nosuch' does not exist on this cluster (available: debug)",
    );
    const empty = await Deno.makeTempDir();
    const missing = await reproduce([...args, "--submit"], { ...cluster.env, PATH: empty });
    assert.equal(missing.code, 2);
    assert.match(missing.out.trim(), /^reproduce: 'sbatch' was not found on PATH: [^\n]*$/);
    const print = await reproduce(args, { ...cluster.env, PATH: empty });
    assert.equal(print.code, 0, print.out);
    assert.ok(print.out.trimEnd().endsWith(`sbatch ${root}/smoke/slurm/array.sbatch`), print.out);
    await Deno.remove(root, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  },
});

Deno.test("slurm test cluster: a private one started by this file is stopped", async () => {
  const dir = cluster.privateDir;
  const pids = dir
    ? ["munged", "slurmctld", "slurmd"].map((n) =>
      Deno.readTextFileSync(`${dir}/run/${n}.pid`).trim()
    )
    : [];
  await cluster.stop();
  if (!dir) return; // the shared cluster (.ci/run's) is stopped by whoever started it
  assert.equal(pids.length, 3);
  for (const pid of pids) {
    const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
    assert.equal(alive, false, `daemon ${pid} of the private cluster stopped`);
  }
});

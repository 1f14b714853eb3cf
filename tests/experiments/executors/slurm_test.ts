/**
 * The Slurm executor against the single-node test cluster, with a stand-in `run-one`
 * (tests/experiments/fixtures/fake_run_one.ts) that checkpoints every epoch and resumes.
 */
import assert from "node:assert/strict";
import { runOnSlurm, type SlurmGrid } from "../../../lib/experiments/executors/slurm.ts";
import { findCluster, requireSlurmCluster, waitFor } from "../slurm_cluster.ts";

const cluster = await findCluster();
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
const ignore = !cluster.env && !requireSlurmCluster();
if (ignore) console.log(`slurm_test: cluster tests ignored outside CI: ${cluster.reason}`);

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

/**
 * `deno task reproduce --executor slurm` end to end on the single-node test cluster with the real
 * runner: a slice of the smoke grid gives the same table through Slurm as through the local
 * executor (same seeds), also when one element is cancelled mid-run and the grid is resubmitted
 * (the run resumes from its checkpoint; no duplicate rows or epochs); a bad partition and a missing
 * `sbatch` give one clear error.
 */
import assert from "node:assert/strict";
import { findCluster, requireSlurmCluster, waitFor } from "../slurm_cluster.ts";
import { elementBackendArgs } from "../../../lib/experiments/executors/slurm_grid.ts";

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
if (ignore) console.log(`slurm_grid_test: cluster tests ignored outside CI: ${cluster.reason}`);
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

import assert from "node:assert/strict";
import {
  runOneArgs,
  sbatchDirectives,
  sbatchScript,
  shellQuote,
  validateResources,
} from "../../../lib/experiments/executors/slurm_script.ts";

const base = {
  preset: "smoke",
  projectDir: "/shared/bnn lab",
  logDir: "/shared/bnn lab/results/smoke/slurm/logs",
  runsDir: "/shared/bnn lab/results/smoke/runs",
  resultsDir: "/shared/bnn lab/results",
  dataDir: "/data/cifar",
  denoFallback: "/opt/deno/bin/deno",
  generatedAt: "2026-01-01T00:00:00Z",
};

Deno.test("directives: one element per run, requeue, signal, per-element logs, resources", () => {
  const d = sbatchDirectives(5, {
    ...base,
    logDir: "/r/logs",
    partition: "gpu",
    time: "1-02:00:00",
    cpusPerTask: 4,
    mem: "8G",
    gres: "gpu:1",
    signalSeconds: 300,
  });
  assert.deepEqual(d, [
    "#SBATCH --job-name=bnn-smoke",
    "#SBATCH --array=0-4",
    "#SBATCH --output=/r/logs/%A_%a.out",
    "#SBATCH --open-mode=append",
    "#SBATCH --requeue",
    "#SBATCH --signal=B:USR1@300",
    "#SBATCH --partition=gpu",
    "#SBATCH --time=1-02:00:00",
    "#SBATCH --cpus-per-task=4",
    "#SBATCH --mem=8G",
    "#SBATCH --gres=gpu:1",
  ]);
  const plain = sbatchDirectives(1, { ...base, logDir: "/r/logs" });
  assert.equal(plain.length, 6);
  assert.ok(plain.includes("#SBATCH --array=0-0"));
  assert.throws(() => sbatchDirectives(0, base), /at least one run/);
});

Deno.test("validateResources: bad values give one error naming the flag", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ partition: "a b" }, /--partition/],
    [{ time: "1h" }, /--time: '1h'/],
    [{ time: "1-" }, /--time/],
    [{ cpusPerTask: 0 }, /--cpus-per-task/],
    [{ cpusPerTask: 1.5 }, /--cpus-per-task/],
    [{ mem: "4GB" }, /--mem: '4GB'/],
    [{ gres: "gpu 1" }, /--gres/],
    [{ gres: "gpu:1\n#SBATCH --x" }, /--gres/],
  ];
  for (const [r, re] of cases) assert.throws(() => validateResources(r), re, JSON.stringify(r));
  for (const time of ["30", "30:00", "02:00:00", "1-0", "1-02:00", "2-00:00:00"]) {
    assert.equal(validateResources({ time }).time, time);
  }
  assert.equal(validateResources({ mem: "2000" }).mem, "2000");
});

Deno.test("shellQuote round-trips through bash", async () => {
  const words = ["plain", "with space", "it's", "$HOME", 'a"b', "*"];
  const script = `for w in ${words.map(shellQuote).join(" ")}; do printf '%s\\n' "$w"; done`;
  const out = await new Deno.Command("bash", { args: ["-c", script], stdout: "piped" }).output();
  assert.deepEqual(new TextDecoder().decode(out.stdout).trimEnd().split("\n"), words);
});

Deno.test("script: run ids listed in order, run-one arguments, skip of finished runs", () => {
  const ids = ["aaa111", "bbb222", "ccc333"];
  const s = sbatchScript(ids, { ...base, extraArgs: ["--backend", "cpu"] });
  assert.ok(s.startsWith("#!/bin/bash\n#SBATCH "));
  const block = s.slice(s.indexOf("RUN_IDS=(") + 10, s.indexOf("\n)"));
  assert.deepEqual(block.split("\n").map((l) => l.trim()), ids);
  assert.ok(s.includes(`cd '/shared/bnn lab' ||`));
  assert.ok(s.includes(`if [ -f '/shared/bnn lab/results/smoke/runs'/"$RUN_ID"/summary.json ]`));
  assert.ok(s.includes('#SBATCH --output="/shared/bnn lab/results/smoke/slurm/logs/%A_%a.out"'));
  assert.deepEqual(runOneArgs({ ...base, extraArgs: ["--backend", "cpu"] }), [
    "task",
    "run-one",
    "--preset",
    "smoke",
    "--run-id",
    "$RUN_ID",
    "--results-dir",
    "/shared/bnn lab/results",
    "--data-dir",
    "/data/cifar",
    "--backend",
    "cpu",
  ]);
  assert.throws(() => sbatchScript(["ok", "bad id"], base), /run id 'bad id'/);
  assert.throws(
    () => sbatchScript(ids, { ...base, projectDir: "rel" }),
    /projectDir must be absolute/,
  );
});

async function runElement(
  script: string,
  index: number,
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/el.sh`, script);
  const out = await new Deno.Command("bash", {
    args: [`${dir}/el.sh`],
    env: { SLURM_ARRAY_JOB_ID: "77", SLURM_ARRAY_TASK_ID: String(index), ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("script: element i runs run i with the exact arguments; finished runs are skipped", async () => {
  const root = await Deno.makeTempDir();
  const fake = `${root}/fake-deno`;
  await Deno.writeTextFile(fake, `#!/bin/bash\nprintf 'ARG<%s>\\n' "$@"\nexit 3\n`);
  await Deno.chmod(fake, 0o755);
  const opts = { ...base, projectDir: root, runsDir: `${root}/runs`, logDir: `${root}/logs` };
  const script = sbatchScript(["r0", "r1", "r2"], opts);
  const { code, out } = await runElement(script, 1, { BNN_DENO: fake, PATH: "/usr/bin:/bin" });
  assert.equal(code, 3, out);
  const args = [...out.matchAll(/ARG<([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(args, runOneArgs(opts).map((a) => (a === "$RUN_ID" ? "r1" : a)));
  assert.match(out, /element 77_1 run r1/);
  assert.match(out, /run r1 exited with 3/);
  await Deno.mkdir(`${root}/runs/r2`, { recursive: true });
  await Deno.writeTextFile(`${root}/runs/r2/summary.json`, "{}");
  const skipped = await runElement(script, 2, { BNN_DENO: fake, PATH: "/usr/bin:/bin" });
  assert.equal(skipped.code, 0);
  assert.match(skipped.out, /run r2 already finished/);
  assert.doesNotMatch(skipped.out, /ARG</);
  await Deno.remove(root, { recursive: true });
});

Deno.test("script: SIGTERM to the element reaches the run, which can checkpoint", async () => {
  const root = await Deno.makeTempDir();
  const fake = `${root}/fake-deno`;
  await Deno.writeTextFile(
    fake,
    `#!/bin/bash\ntrap 'echo checkpointed > ${root}/marker; exit 143' TERM\n` +
      `echo started > ${root}/started\nwhile true; do sleep 0.05; done\n`,
  );
  await Deno.chmod(fake, 0o755);
  const opts = { ...base, projectDir: root, runsDir: `${root}/runs`, logDir: `${root}/logs` };
  await Deno.writeTextFile(`${root}/el.sh`, sbatchScript(["r0"], opts));
  const child = new Deno.Command("bash", {
    args: [`${root}/el.sh`],
    env: { SLURM_ARRAY_JOB_ID: "5", SLURM_ARRAY_TASK_ID: "0", BNN_DENO: fake },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  for (let i = 0; i < 200; i++) {
    if (await Deno.stat(`${root}/started`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGTERM");
  const res = await child.output();
  const out = new TextDecoder().decode(res.stdout);
  assert.equal(await Deno.readTextFile(`${root}/marker`), "checkpointed\n");
  assert.match(out, /SIGTERM: passing it to run r0/);
  assert.match(out, /run r0 exited with 143/);
  assert.equal(res.code, 143);
  await Deno.remove(root, { recursive: true });
});

Deno.test("script: USR1 (time limit near) checkpoints the run and requeues the element", async () => {
  const root = await Deno.makeTempDir();
  const fake = `${root}/fake-deno`;
  await Deno.writeTextFile(
    fake,
    `#!/bin/bash\ntrap 'echo checkpointed > ${root}/marker; exit 5' TERM\n` +
      `echo started > ${root}/started\nwhile true; do sleep 0.05; done\n`,
  );
  await Deno.mkdir(`${root}/bin`);
  await Deno.writeTextFile(`${root}/bin/scontrol`, `#!/bin/bash\necho "$@" > ${root}/requeued\n`);
  await Deno.chmod(fake, 0o755);
  await Deno.chmod(`${root}/bin/scontrol`, 0o755);
  const opts = { ...base, projectDir: root, runsDir: `${root}/runs`, logDir: `${root}/logs` };
  await Deno.writeTextFile(`${root}/el.sh`, sbatchScript(["r0", "r1"], opts));
  const child = new Deno.Command("bash", {
    args: [`${root}/el.sh`],
    env: {
      SLURM_ARRAY_JOB_ID: "77",
      SLURM_ARRAY_TASK_ID: "1",
      BNN_DENO: fake,
      PATH: `${root}/bin:/usr/bin:/bin`,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  for (let i = 0; i < 200; i++) {
    if (await Deno.stat(`${root}/started`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGUSR1");
  const res = await child.output();
  const out = new TextDecoder().decode(res.stdout);
  assert.equal(res.code, 0, out);
  assert.equal(await Deno.readTextFile(`${root}/marker`), "checkpointed\n");
  assert.equal(await Deno.readTextFile(`${root}/requeued`), "requeue 77_1\n");
  assert.match(out, /time limit near: checkpointing run r1 and requeueing 77_1/);
  await Deno.remove(root, { recursive: true });
});

/**
 * Test helper: finds the single-node Slurm test cluster (started by `.ci/run` through
 * `tools/slurm/start.sh`), or starts one outside CI when this machine can (root, Slurm installed)
 * and leaves it running for the next test file or process (stop it with `tools/slurm/stop.sh`;
 * stopping it here could cancel another test process's jobs).
 * In CI (`CI=true`, or `BNN_REQUIRE_SLURM=1` as `.ci/run` sets) a missing cluster is an error,
 * never a skip.
 *
 * @module
 */

/** How the tests reach the cluster. */
export interface Cluster {
  /** Environment for Slurm commands (`SLURM_CONF`), or undefined when no cluster is reachable. */
  env?: Record<string, string>;
  /** Why there is no cluster. */
  reason?: string;
}

const toolsDir = new URL("../../tools/slurm/", import.meta.url).pathname;

async function run(cmd: string, args: string[], env?: Record<string, string>) {
  try {
    const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    return { code: 127, stdout: "", stderr: String(e) };
  }
}

async function answers(conf: string): Promise<boolean> {
  const res = await run("sinfo", ["-h", "-N", "-o", "%t"], { SLURM_CONF: conf });
  return res.code === 0 && /^(idle|mix|alloc)/m.test(res.stdout);
}

/** True in CI (`CI=true`) or under `.ci/run` (`BNN_REQUIRE_SLURM=1`): no cluster is a failure. */
export function requireSlurmCluster(): boolean {
  return Deno.env.get("CI") === "true" || Deno.env.get("BNN_REQUIRE_SLURM") === "1";
}

/** Finds (or, outside CI, starts) the test cluster. */
export async function findCluster(): Promise<Cluster> {
  const dir = Deno.env.get("BNN_SLURM_DIR") ?? "/tmp/bnn-slurm";
  const conf = Deno.env.get("SLURM_CONF") ?? `${dir}/slurm.conf`;
  if (await answers(conf)) return { env: { SLURM_CONF: conf } };
  if (requireSlurmCluster()) {
    return {
      reason: `the Slurm test cluster is not up (SLURM_CONF=${conf} does not answer 'sinfo'); ` +
        `.ci/run starts it with tools/slurm/start.sh before the tests`,
    };
  }
  const started = await run(`${toolsDir}start.sh`, [dir]);
  if (started.code !== 0 || !(await answers(`${dir}/slurm.conf`))) {
    return {
      reason: `no Slurm test cluster and tools/slurm/start.sh could not start one: ` +
        started.stderr.trim().split("\n").slice(-3).join(" | "),
    };
  }
  console.log(`Slurm test cluster up in ${dir} (tools/slurm/start.sh; stop: tools/slurm/stop.sh)`);
  return { env: { SLURM_CONF: `${dir}/slurm.conf` } };
}

/** Polls `check` every 50 ms until it returns true or `ms` pass; returns whether it did. */
export async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

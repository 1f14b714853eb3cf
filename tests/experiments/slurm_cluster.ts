/**
 * Test helper: finds the single-node Slurm test cluster (started by `.ci/run` through
 * `tools/slurm/start.sh`, which also stops it), or, outside CI, starts a private one in a temp
 * folder on free ports when this machine can (root, Slurm installed). A private cluster belongs to
 * the test file that started it: {@link Cluster.stop} stops it (each Slurm test file ends with a
 * test calling it, and an unload handler does it too), so `deno task test` leaves no daemons.
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
  /** The folder of a private cluster this process started (undefined for the shared one). */
  privateDir?: string;
  /** Stops a private cluster (and removes its folder); nothing for the shared one. Idempotent. */
  stop: () => Promise<void>;
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

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const noop = () => Promise.resolve();

/**
 * Finds the shared test cluster (`$SLURM_CONF`, else `$BNN_SLURM_DIR` or /tmp/bnn-slurm), or,
 * outside CI, starts a private one that {@link Cluster.stop} stops.
 */
export async function findCluster(): Promise<Cluster> {
  const dir = Deno.env.get("BNN_SLURM_DIR") ?? "/tmp/bnn-slurm";
  const conf = Deno.env.get("SLURM_CONF") ?? `${dir}/slurm.conf`;
  if (await answers(conf)) return { env: { SLURM_CONF: conf }, stop: noop };
  if (requireSlurmCluster()) {
    return {
      reason: `the Slurm test cluster is not up (SLURM_CONF=${conf} does not answer 'sinfo'); ` +
        `.ci/run starts it with tools/slurm/start.sh before the tests`,
      stop: noop,
    };
  }
  const own = await Deno.makeTempDir({ prefix: "bnn-slurm-test-" });
  const ports = {
    BNN_SLURM_CTLD_PORT: String(freePort()),
    BNN_SLURM_SLURMD_PORT: String(freePort()),
  };
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      new Deno.Command(`${toolsDir}stop.sh`, { args: [own], stdout: "null", stderr: "null" })
        .outputSync();
    } catch { /* nothing to stop */ }
    try {
      Deno.removeSync(own, { recursive: true });
      Deno.removeSync(`${own}.lock`);
    } catch { /* gone */ }
  };
  // Also when the test file ends early (a failed assertion, --filter skipping the stop test).
  globalThis.addEventListener("unload", stopSync);
  const stop = () => Promise.resolve(stopSync());
  const started = await run(`${toolsDir}start.sh`, [own], { ...Deno.env.toObject(), ...ports });
  if (started.code !== 0 || !(await answers(`${own}/slurm.conf`))) {
    await stop();
    return {
      reason: `no Slurm test cluster and tools/slurm/start.sh could not start one: ` +
        started.stderr.trim().split("\n").slice(-3).join(" | "),
      stop: noop,
    };
  }
  console.log(`private Slurm test cluster up in ${own} (stopped when this test file ends)`);
  return { env: { SLURM_CONF: `${own}/slurm.conf` }, privateDir: own, stop };
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

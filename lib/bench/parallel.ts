/**
 * Bench section "parallel": how to use both cores. tfjs-wasm cannot use threads under Deno (its
 * threaded build is hard-disabled when `IS_NODE`, and forcing it fails with `ERR_WORKER_PATH`),
 * so the experiments runner trains independent runs in parallel processes. This section measures
 * the training throughput of 1 process alone and of 2 concurrent processes (bench-vgg, wasm).
 *
 * @module
 */
import { registerBenchSection } from "./registry.ts";

const CLI = new URL("../cli/bench.ts", import.meta.url).pathname;

/** Starts `n` bench workers at once; resolves to each one's training images/s. */
export async function runWorkers(
  n: number,
  options: { steps: number; warmup: number },
): Promise<number[]> {
  const { steps, warmup } = options;
  const procs = Array.from({ length: n }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--worker", "--steps", String(steps), "--warmup", String(warmup)],
      env: { BNN_BACKEND: "wasm" },
      stdout: "piped",
      stderr: "piped",
    }).output());
  const outs = await Promise.all(procs);
  return outs.map((o, i) => {
    const text = new TextDecoder().decode(o.stdout).trim().split("\n").pop() ?? "";
    if (!o.success) {
      throw new Error(
        `bench worker ${i} failed: ${new TextDecoder().decode(o.stderr).slice(-400)}`,
      );
    }
    return (JSON.parse(text) as { trainIps: number }).trainIps;
  });
}

registerBenchSection({
  name: "parallel",
  description: "both cores: training images/s of 1 vs 2 concurrent wasm processes (bench-vgg)",
  async run(ctx) {
    if (!ctx.backends.includes("wasm")) {
      return { rows: [], notes: ["skipped: wasm backend not measured"] };
    }
    const steps = ctx.quick ? 3 : 7, warmup = ctx.quick ? 1 : 2;
    ctx.log("parallel: 1 process …");
    const one = await runWorkers(1, { steps, warmup });
    ctx.log("parallel: 2 concurrent processes …");
    const two = await runWorkers(2, { steps, warmup });
    const total = two.reduce((a, b) => a + b, 0);
    const r = (v: number) => Math.round(v * 10) / 10;
    return {
      rows: [
        { processes: 1, per_process_img_s: r(one[0]), total_img_s: r(one[0]), speedup: 1 },
        {
          processes: 2,
          per_process_img_s: two.map(r).join(" / "),
          total_img_s: r(total),
          speedup: Math.round((total / one[0]) * 100) / 100,
        },
      ],
      notes: [
        "Threaded tfjs-wasm does not run under Deno (forcing WASM_HAS_MULTITHREAD_SUPPORT fails " +
        "with ERR_WORKER_PATH: emscripten's blob-URL worker in node:worker_threads); independent " +
        "runs in parallel processes (the experiments runner's workers) are how both cores are used.",
        "speedup = total images/s of 2 concurrent processes / 1 process; < 2 when other jobs " +
        "share the cores.",
      ],
    };
  },
});

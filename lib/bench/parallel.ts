/**
 * Bench section "parallel": how to use both cores. One process can run tfjs's threaded wasm build
 * (XNNPACK on a pthreadpool, started under Deno by `lib/backend/threads.ts`), or independent runs
 * can train in parallel single-threaded processes (the experiments runner's workers). This section
 * measures the training throughput (bench-vgg, wasm) of 1 process × 1 thread, 1 process ×
 * `cores` threads and `cores` concurrent processes × 1 thread.
 *
 * @module
 */
import { registerBenchSection } from "./registry.ts";
import { runBenchWorker } from "./worker.ts";

/** Starts `n` bench workers at once; resolves to each one's training images/s. */
export async function runWorkers(
  n: number,
  options: { steps: number; warmup: number; threads: number },
): Promise<number[]> {
  const { steps, warmup, threads } = options;
  const flags = ["--worker", "--steps", String(steps), "--warmup", String(warmup)];
  const env = { BNN_BACKEND: "wasm", BNN_THREADS: String(threads) };
  const runs = Array.from(
    { length: n },
    (_, i) => runBenchWorker<{ trainIps: number }>(flags, { env, label: `${i + 1} of ${n}` }),
  );
  return (await Promise.all(runs)).map((r) => r.trainIps);
}

registerBenchSection({
  name: "parallel",
  description: "both cores: training images/s (bench-vgg, wasm) of 1 process × 1 thread, " +
    "1 process × N threads and N concurrent processes × 1 thread (N = cores)",
  async run(ctx) {
    if (!ctx.backends.includes("wasm")) {
      return { rows: [], notes: ["skipped: wasm backend not measured"] };
    }
    const steps = ctx.quick ? 3 : 7, warmup = ctx.quick ? 1 : 2;
    const cores = Math.max(2, navigator.hardwareConcurrency || 1);
    ctx.log("parallel: 1 process × 1 thread …");
    const [one] = await runWorkers(1, { steps, warmup, threads: 1 });
    ctx.log(`parallel: 1 process × ${cores} threads …`);
    const [threaded] = await runWorkers(1, { steps, warmup, threads: cores });
    ctx.log(`parallel: ${cores} concurrent processes × 1 thread …`);
    const many = await runWorkers(cores, { steps, warmup, threads: 1 });
    const total = many.reduce((a, b) => a + b, 0);
    const r = (v: number) => Math.round(v * 10) / 10;
    const speedup = (v: number) => Math.round((v / one) * 100) / 100;
    return {
      rows: [
        { processes: 1, threads: 1, per_process_img_s: r(one), total_img_s: r(one), speedup: 1 },
        {
          processes: 1,
          threads: cores,
          per_process_img_s: r(threaded),
          total_img_s: r(threaded),
          speedup: speedup(threaded),
        },
        {
          processes: cores,
          threads: 1,
          per_process_img_s: many.map(r).join(" / "),
          total_img_s: r(total),
          speedup: speedup(total),
        },
      ],
      notes: [
        "Threads speed up one run (the project kernels, convolutions, matrix products and batch " +
        "norm among them, run on the pool; tfjs's own elementwise ops stay on one thread); " +
        "parallel processes speed up a grid of " +
        "independent runs. The experiments runner gives each of its worker processes " +
        "cores / workers threads (BNN_THREADS overrides).",
        "speedup = total images/s / that of 1 process × 1 thread; lower when other jobs share " +
        "the cores.",
      ],
    };
  },
});

/**
 * Bench section "webgpu": training (and inference) images/s of bench-vgg, its binary twin and the
 * paper's VGG-small ×1 on the webgpu backend, each next to the wasm backend measured in the same
 * run, every measurement in its own process (`deno task bench --worker`, a process holds one tfjs
 * backend). It runs when the WebGPU adapter is a hardware one, or when asked for with
 * `deno task bench --webgpu` (or `BNN_BENCH_WEBGPU=1`), which also measures a software adapter
 * such as Mesa's llvmpipe — a CPU rasterizer, whose numbers say nothing about a GPU.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { adapterLabel, probeWebGpu } from "../backend/webgpu.ts";
import { buildModel } from "../models.ts";
import { DEFAULT_CONFIG } from "../experiments/config/config.ts";
import { trainStep } from "../train.ts";
import { medianMs } from "./measure.ts";
import { type BenchRow, registerBenchSection } from "./registry.ts";
import { runBenchWorker } from "./worker.ts";

/** Nets of the section, as `deno task bench --worker --net NAME` understands them. */
export const WEBGPU_BENCH_NETS = ["bench-vgg", "bench-vgg-binary", "vgg-small"] as const;

/** One of {@link WEBGPU_BENCH_NETS}. */
export type WebGpuBenchNet = typeof WEBGPU_BENCH_NETS[number];

/**
 * Training and inference images/s of the paper's VGG-small ×1 (BNN+ defaults, CIFAR-10 shapes)
 * with the lab's `trainStep` (Adam) on the active backend; median step time.
 */
export function measureVggSmall(
  options: { batch: number; steps: number; warmup: number },
): { trainIps: number; inferIps: number } {
  const { batch, steps, warmup } = options;
  const model = buildModel({ ...DEFAULT_CONFIG, model: "vgg_small", width: 1, seed: 0 }, {
    inputShape: [32, 32, 3],
    numClasses: 10,
  });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, "float32", 1);
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), "int32");
  try {
    const step = () => void trainStep(model, { x, y }, { optimizer });
    for (let i = 0; i < warmup; i++) step();
    const trainIps = (batch * 1000) / medianMs(step, steps);
    const infer = () =>
      void tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync());
    for (let i = 0; i < Math.max(1, warmup); i++) infer();
    return { trainIps, inferIps: (batch * 1000) / medianMs(infer, steps) };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

/** Runs one `bench --worker` process on `backend`; resolves to its images/s. */
async function worker(
  backend: "webgpu" | "wasm",
  net: WebGpuBenchNet,
  o: { batch: number; steps: number; warmup: number },
): Promise<{ trainIps: number; inferIps: number }> {
  const flags = ["--worker", "--net", net, "--batch", String(o.batch)];
  flags.push("--steps", String(o.steps), "--warmup", String(o.warmup));
  return await runBenchWorker(flags, {
    env: { BNN_BACKEND: backend },
    label: `${backend}, ${net}`,
  });
}

const r1 = (v: number) => v < 1 ? Number(v.toPrecision(2)) : Math.round(v * 10) / 10;

registerBenchSection({
  name: "webgpu",
  description: "webgpu vs wasm in the same run: bench-vgg (w=32), its binary twin and " +
    "VGG-small ×1 (BNN+ defaults, trainStep), images/s, one process per measurement",
  async run(ctx) {
    const asked = Deno.env.get("BNN_BENCH_WEBGPU") === "1";
    const probe = await probeWebGpu();
    if (typeof probe === "string") {
      if (asked) throw new Error(`--webgpu: ${probe}`);
      return { rows: [], notes: [`skipped: ${probe}`] };
    }
    const label = adapterLabel(probe);
    if (probe.software && !asked) {
      return {
        rows: [],
        notes: [`skipped: the adapter ${label} is a CPU rasterizer; --webgpu measures it anyway`],
      };
    }
    const notes = [`adapter: ${label}`];
    if (probe.software) {
      notes.push(
        "This adapter is a software rasterizer (Mesa llvmpipe/lavapipe runs the shaders on the " +
          "CPU cores, sharing them with everything else): these numbers test the webgpu path, " +
          "they are NOT GPU numbers. GPU numbers need a machine with a GPU.",
      );
    }
    // A software adapter gets small batches and few steps: there a VGG-small ×1 training step
    // of batch 8 took minutes (≈ 3.6 GFLOP per image on a CPU rasterizer).
    const soft = probe.software, small = soft || ctx.quick;
    const rows: BenchRow[] = [];
    for (const net of WEBGPU_BENCH_NETS) {
      const batch = net === "vgg-small" ? (soft ? 2 : small ? 16 : 100) : (small ? 16 : 64);
      const o = { batch, steps: soft && net === "vgg-small" ? 1 : small ? 2 : 5, warmup: 1 };
      const speeds: Record<string, { trainIps: number; inferIps: number }> = {};
      for (const backend of ["webgpu", "wasm"] as const) {
        ctx.log(`webgpu: ${net} on ${backend} (batch ${batch}) …`);
        speeds[backend] = await worker(backend, net, o);
      }
      for (const backend of ["webgpu", "wasm"] as const) {
        rows.push({
          net,
          backend,
          batch,
          train_img_s: r1(speeds[backend].trainIps),
          infer_img_s: r1(speeds[backend].inferIps),
          train_vs_wasm: Math.round((speeds[backend].trainIps / speeds.wasm.trainIps) * 100) /
            100,
        });
      }
    }
    notes.push(
      "Median step of few steps after one warm-up step (shader compilation is in the warm-up); " +
        "wasm runs with the default threads. Batches: 64 (bench nets) and 100 (VGG-small) on a " +
        "GPU; 16 and 2 (one timed step) on a software adapter.",
    );
    return { rows, notes, data: { adapter: probe } };
  },
});

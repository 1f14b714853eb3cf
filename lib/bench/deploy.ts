/**
 * Deploy benchmark: `.bnn` size vs the float32 tfjs weights, and throughput of the XNOR–popcount
 * engine vs tfjs inference of the same model on the current (best) backend, measured in the same
 * run. Also the binary section alone (first to last binary layer): engine ops vs a tfjs
 * sub-model of the same layers.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { isQuantLayer } from "../layers/mod.ts";
import { buildModel } from "../models.ts";
import { registerBenchSection } from "./registry.ts";
import { type BinaryEngine, createEngine } from "../deploy/engine.ts";
import { toDeployModel } from "../deploy/export.ts";
import { encodeModel } from "../deploy/format.ts";
import { createEnginePool } from "../deploy/parallel.ts";
import { wasmThreads } from "../backend/mod.ts";
import { setBinaryForward } from "../backend/binary_conv.ts";
import { kernelPath } from "../backend/native_kernels.ts";
import { runBenchWorker } from "./worker.ts";

/**
 * The project's binary VGG-small (`lib/models.ts` "vgg_small": 2×128C3 – MP2 – 2×256C3 – MP2 –
 * 2×512C3 – MP2 – FC1024 – FC1024 – FC10, first conv and last FC full precision) at a width
 * multiplier, BNN+ settings (SignSwish activations, STE weights, trainable per-channel α), randomly
 * initialised: speed and size do not depend on training.
 */
export function binaryVggSmall(options: { width?: number; seed?: number } = {}): tf.Sequential {
  return buildModel({
    model: "vgg_small",
    width: options.width ?? 1,
    inputQuantizer: "swish_sign",
    kernelQuantizer: "ste_sign",
    beta: 5,
    trainableBeta: false,
    scale: "trainable",
    scaleShape: "channel",
    regularizer: "none",
    lambda: 0,
    kernelClip: 1,
    seed: options.seed ?? 0,
  }, { inputShape: [32, 32, 3], numClasses: 10 });
}

/** Options of {@link benchDeploy}. */
export interface DeployBenchOptions {
  /** Images for the throughput runs; default 64. */
  images?: number;
  /** tfjs batch size; default 32. */
  batchSize?: number;
  /** Engine kernel; default WebAssembly SIMD when available. */
  prefer?: "native" | "wasm" | "js";
  /** Alternating measurement rounds (the fastest of each side is kept); default 3. */
  rounds?: number;
  /**
   * Consecutive batches of `images` the engine (and the engine pool) runs per round, timed
   * together; default 4. One batch takes the engine a few ms against tfjs's 100+ ms, so a single
   * batch would weigh the workers' wake-up and cold caches after tfjs's turn several times more
   * than tfjs's own.
   */
  engineRepeat?: number;
  /**
   * Engine workers for the parallel measurement; default the threads of the tfjs-wasm pool (so
   * both sides use the same cores), 1 = no worker pool.
   */
  threads?: number;
  /** Width multiplier of the model, for the child measurements (default 1). */
  width?: number;
  /** Also time the section on stock tfjs-wasm in a child process ({@link measureChildSection}). */
  stock?: boolean;
  /**
   * Also time the section on the lab's tfjs-wasm with its portable wasm kernels in a child process
   * (`BNN_NATIVE=0`, {@link measureChildSection}).
   */
  portable?: boolean;
}

/** Measured sizes and speeds (all from one run). */
export interface DeployBenchResult {
  model: string;
  backend: string;
  kernel: string;
  float32Bytes: number;
  binaryBytes: number;
  sizeRatio: number;
  tfjsImagesPerSec: number;
  engineImagesPerSec: number;
  speedup: number;
  /**
   * Per image, ms in the binary section (first to last binary layer, with the batch norms and
   * pools between them): engine ops vs a tfjs sub-model of those layers (batched predict), with
   * the lab's XNOR–popcount forward (`tfjsMs`) and with tfjs's float convolutions of the ±1
   * values (`tfjsFloatMs`, `BNN_BINARY_FORWARD=0`: what plain tfjs does).
   */
  binaryLayers: { engineMs: number; tfjsMs: number; tfjsFloatMs: number };
  /** `tfjsMs / engineMs`. */
  binaryLayerSpeedup: number;
  /** `tfjsFloatMs / engineMs`. */
  binaryLayerSpeedupFloat: number;
  /**
   * Stock tfjs-wasm (its XNNPACK kernels, no project kernels: `BNN_NATIVE_KERNELS=0`, in a child
   * process on the same threads) on the same binary section, ms per image, and `engineMs` against
   * it; absent unless asked for ({@link DeployBenchOptions.stock}).
   */
  stock?: { tfjsMs: number; threads: number; speedup: number };
  /**
   * The lab's tfjs-wasm on its portable wasm kernels (`BNN_NATIVE=0`, child process, same
   * threads: the configuration in which issue #14 measured its 5.5–6.6×), ms per image and
   * `engineMs` against it; absent unless asked for ({@link DeployBenchOptions.portable}).
   */
  portable?: { tfjsMs: number; threads: number; speedup: number };
  /** Threads of tfjs (its wasm pool; 1 on other backends) and of the engine pool. */
  threads: { tfjs: number; engine: number };
  /** One engine on the calling thread (the per-core figure). */
  single: { imagesPerSec: number; binaryMs: number };
}

async function float32Bytes(model: tf.LayersModel): Promise<number> {
  let bytes = 0;
  await model.save(tf.io.withSaveHandler((artifacts) => {
    const w = artifacts.weightData;
    bytes = Array.isArray(w) ? w.reduce((a, b) => a + b.byteLength, 0) : (w?.byteLength ?? 0);
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  return bytes;
}

/** Wall time of `fn` in ms. */
function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function isBinaryLayer(l: tf.layers.Layer): boolean {
  if (!isQuantLayer(l)) return false;
  const cfg = l.getConfig() as { inputQuantizer?: string; kernelQuantizer?: string };
  return cfg.inputQuantizer !== "none" && cfg.kernelQuantizer !== "none";
}

/**
 * The binary section of a chain model: the layers from the first to the last binary layer
 * (interleaved batch norms and pools included), as a tfjs sub-model run through `predict`.
 */
function binarySection(model: tf.LayersModel): { sub: tf.LayersModel; inShape: number[] } | null {
  const ls = model.layers;
  const first = ls.findIndex(isBinaryLayer);
  const last = ls.length - 1 - [...ls].reverse().findIndex(isBinaryLayer);
  if (first < 0) return null;
  const inShape = (ls[first].input as tf.SymbolicTensor).shape.slice(1) as number[];
  const inp = tf.input({ shape: inShape });
  let h = inp;
  for (let i = first; i <= last; i++) h = ls[i].apply(h) as tf.SymbolicTensor;
  return { sub: tf.model({ inputs: inp, outputs: h }), inShape };
}

/** What {@link measureTfjsSection} measured, and on which kernels. */
export interface TfjsSectionTime {
  /** ms per image. */
  ms: number;
  threads: number;
  /** The project kernels that ran ("none": stock tfjs-wasm). */
  kernels: "native" | "wasm" | "none";
}

/**
 * ms per image of the binary section of `binaryVggSmall({ width })` on the active backend with
 * tfjs's float convolutions of the ±1 values (the lab's popcount forward off): the fastest of
 * `rounds` batched predicts of `batch` images after one warm-up. Run by {@link
 * measureChildSection}'s child process.
 */
export function measureTfjsSection(
  options: { width: number; batch: number; rounds: number },
): TfjsSectionTime {
  const model = binaryVggSmall({ width: options.width });
  const section = binarySection(model);
  if (!section) throw new Error("deploy bench: the model has no binary layers");
  const xs = tf.randomNormal([options.batch, ...section.inShape]);
  setBinaryForward(false);
  try {
    const run = () => tf.tidy(() => (section.sub.predict(xs) as tf.Tensor).dataSync());
    run();
    let best = Infinity;
    for (let r = 0; r < options.rounds; r++) best = Math.min(best, timed(run));
    const threads = Math.max(1, wasmThreads());
    return { ms: best / options.batch, threads, kernels: kernelPath() ?? "none" };
  } finally {
    setBinaryForward(undefined);
    xs.dispose();
    model.dispose();
  }
}

/** The tfjs configurations {@link measureChildSection} runs, with their environments. */
export const CHILD_SECTIONS = {
  /** Stock tfjs-wasm: tfjs's own XNNPACK kernels, none of the project's. */
  stock: { env: { BNN_NATIVE_KERNELS: "0" }, kernels: "none", label: "stock tfjs-wasm" },
  /** The lab's tfjs-wasm on its portable wasm kernels instead of the native library. */
  portable: { env: { BNN_NATIVE: "0" }, kernels: "wasm", label: "the lab's portable wasm kernels" },
} as const;

/**
 * {@link measureTfjsSection} in a child process (`deno task bench --deploy-worker`) on the
 * wasm backend with `BNN_THREADS=threads` and the environment of `config`
 * ({@link CHILD_SECTIONS}); throws if the child ran other kernels than that configuration's.
 */
export async function measureChildSection(
  config: keyof typeof CHILD_SECTIONS,
  options: { width: number; batch: number; rounds: number; threads: number },
): Promise<TfjsSectionTime> {
  const c = CHILD_SECTIONS[config];
  const flags = ["--deploy-worker", "--width", String(options.width)];
  flags.push("--batch", String(options.batch), "--steps", String(options.rounds));
  const r = await runBenchWorker<TfjsSectionTime>(flags, {
    env: { BNN_BACKEND: "wasm", ...c.env, BNN_THREADS: String(options.threads) },
    label: `deploy, ${c.label}`,
  });
  if (r.kernels !== c.kernels) {
    throw new Error(
      `deploy bench worker (${c.label}): expected project kernels "${c.kernels}", ran "${r.kernels}"`,
    );
  }
  return r;
}

/** Ops of the engine from the first to the last binary op (same span as {@link binarySection}). */
function engineSectionKeys(engine: BinaryEngine): Set<string> {
  const keys = [...engine.profile.keys()];
  const bin = keys.map((k) => engine.profile.get(k)!.binary);
  const first = bin.indexOf(true), last = bin.lastIndexOf(true);
  return new Set(first < 0 ? [] : keys.slice(first, last + 1));
}

/**
 * Measures `model` (a trained or freshly built binary chain model). tfjs, one engine and the
 * engine pool are timed alternately for `rounds` rounds and the fastest round of each is kept, so
 * that load from other processes affects all alike; the engines run `engineRepeat` batches in a
 * row per round. The binary-section time of an engine run is its wall time × the share of the
 * section in the engine's per-op profile (for the pool: summed over workers), since the engine
 * runs whole images.
 */
export async function benchDeploy(
  model: tf.LayersModel,
  options: DeployBenchOptions = {},
): Promise<DeployBenchResult> {
  const n = options.images ?? 64;
  const batch = options.batchSize ?? 32;
  const rounds = options.rounds ?? 3;
  const repeat = options.engineRepeat ?? 4;
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new Error(`benchDeploy: engineRepeat must be an integer ≥ 1, got ${repeat}`);
  }
  const deploy = toDeployModel(model);
  const binaryBytes = encodeModel(deploy).length;
  const fBytes = await float32Bytes(model);
  const engine = createEngine(deploy, { prefer: options.prefer, profile: true });
  const inShape = deploy.inputShape;
  const inSize = inShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * inSize }, (_, i) => Math.sin(i * 12.9898) * 2);
  const xt = tf.tensor(x, [n, ...inShape]);
  const section = binarySection(model);
  const xs = section ? tf.randomNormal([batch, ...section.inShape]) : null;
  const tfjsPredict = () => {
    for (let o = 0; o < n; o += batch) {
      tf.tidy(() => (model.predict(xt.slice(o, Math.min(batch, n - o))) as tf.Tensor).dataSync());
    }
  };
  const tfjsSection = () => {
    if (section) tf.tidy(() => (section.sub.predict(xs!) as tf.Tensor).dataSync());
  };
  /** The section on tfjs's float convolutions of the ±1 values (the popcount forward off). */
  const tfjsSectionFloat = () => {
    setBinaryForward(false);
    try {
      tfjsSection();
    } finally {
      setBinaryForward(undefined);
    }
  };
  const threads = options.threads ?? Math.max(1, wasmThreads());
  const pool = threads > 1
    ? await createEnginePool(deploy, { threads, prefer: options.prefer })
    : null;
  const best = {
    tfjs: Infinity,
    engine: Infinity,
    engineSection: Infinity,
    section: Infinity,
    sectionFloat: Infinity,
    single: Infinity,
    singleSection: Infinity,
  };
  try {
    tfjsPredict(); // warm-up (XNNPACK operator creation, weight packing)
    tfjsSection();
    tfjsSectionFloat();
    engine.predictBatch(x.subarray(0, inSize), 1);
    if (pool) await pool.predictBatch(x.slice(0, threads * inSize), threads);
    const keys = engineSectionKeys(engine);
    const sectionShare = (profile: Map<string, { ms: number }>) => {
      let sec = 0, all = 0;
      for (const [k, v] of profile) {
        all += v.ms;
        if (keys.has(k)) sec += v.ms;
      }
      return all > 0 ? sec / all : 0;
    };
    for (let round = 0; round < rounds; round++) {
      best.tfjs = Math.min(best.tfjs, timed(tfjsPredict));
      engine.profile.clear();
      const single = timed(() => {
        for (let i = 0; i < repeat; i++) engine.predictBatch(x, n);
      }) / repeat;
      best.single = Math.min(best.single, single);
      best.singleSection = Math.min(
        best.singleSection,
        (single * sectionShare(engine.profile)) / n,
      );
      if (pool) {
        const t0 = performance.now();
        for (let i = 0; i < repeat; i++) await pool.predictBatch(x, n);
        const wall = (performance.now() - t0) / repeat;
        best.engine = Math.min(best.engine, wall);
        best.engineSection = Math.min(best.engineSection, (wall * sectionShare(pool.profile)) / n);
      }
      best.section = Math.min(best.section, timed(tfjsSection) / batch);
      best.sectionFloat = Math.min(best.sectionFloat, timed(tfjsSectionFloat) / batch);
    }
    if (!pool) [best.engine, best.engineSection] = [best.single, best.singleSection];
  } finally {
    pool?.dispose();
    xt.dispose();
    xs?.dispose();
  }
  const child = (config: keyof typeof CHILD_SECTIONS) =>
    measureChildSection(config, {
      width: options.width ?? 1,
      batch,
      rounds,
      threads: Math.max(1, wasmThreads()),
    });
  const stock = options.stock ? await child("stock") : undefined;
  const portable = options.portable ? await child("portable") : undefined;
  const binaryLayers = {
    engineMs: best.engineSection,
    tfjsMs: best.section,
    tfjsFloatMs: best.sectionFloat,
  };
  return {
    model: model.name,
    backend: tf.getBackend(),
    kernel: engine.kernel,
    float32Bytes: fBytes,
    binaryBytes,
    sizeRatio: fBytes / binaryBytes,
    tfjsImagesPerSec: n / (best.tfjs / 1000),
    engineImagesPerSec: n / (best.engine / 1000),
    speedup: best.tfjs / best.engine,
    binaryLayers,
    binaryLayerSpeedup: binaryLayers.tfjsMs / binaryLayers.engineMs,
    binaryLayerSpeedupFloat: binaryLayers.tfjsFloatMs / binaryLayers.engineMs,
    stock: stock && {
      tfjsMs: stock.ms,
      threads: stock.threads,
      speedup: stock.ms / binaryLayers.engineMs,
    },
    portable: portable && {
      tfjsMs: portable.ms,
      threads: portable.threads,
      speedup: portable.ms / binaryLayers.engineMs,
    },
    threads: { tfjs: Math.max(1, wasmThreads()), engine: threads },
    single: { imagesPerSec: n / (best.single / 1000), binaryMs: best.singleSection },
  };
}

/** A short text report of {@link benchDeploy}. */
export function formatDeployBench(r: DeployBenchResult): string {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const bl = r.binaryLayers;
  return [
    `deploy: ${r.model} (tfjs backend ${r.backend} on ${r.threads.tfjs} thread(s), engine kernel ${r.kernel} on ${r.threads.engine} worker(s))`,
    `  size: float32 ${kib(r.float32Bytes)} vs .bnn ${kib(r.binaryBytes)} → ${
      r.sizeRatio.toFixed(1)
    }× smaller`,
    `  whole model: tfjs ${r.tfjsImagesPerSec.toFixed(1)} img/s, engine ${
      r.engineImagesPerSec.toFixed(1)
    } img/s → ${r.speedup.toFixed(2)}×`,
    `  binary layers per image: engine ${bl.engineMs.toFixed(3)} ms, tfjs ${
      bl.tfjsMs.toFixed(3)
    } ms with the lab's popcount forward → ${r.binaryLayerSpeedup.toFixed(1)}×, tfjs ${
      bl.tfjsFloatMs.toFixed(3)
    } ms with float convolutions → ${r.binaryLayerSpeedupFloat.toFixed(1)}×${
      r.stock
        ? `, stock tfjs-wasm (XNNPACK, ${r.stock.threads} threads) ${
          r.stock.tfjsMs.toFixed(3)
        } ms → ${r.stock.speedup.toFixed(1)}×`
        : ""
    }${
      r.portable
        ? `, the lab's tfjs-wasm on its portable wasm kernels (BNN_NATIVE=0, ${r.portable.threads} threads) ${
          r.portable.tfjsMs.toFixed(3)
        } ms → ${r.portable.speedup.toFixed(1)}×`
        : ""
    }`,
    `  one engine on one thread: ${r.single.imagesPerSec.toFixed(1)} img/s, binary layers ${
      r.single.binaryMs.toFixed(3)
    } ms per image`,
  ].join("\n");
}

registerBenchSection({
  name: "deploy",
  description: ".bnn size and XNOR-popcount engine vs tfjs inference, binary VGG-small (same run)",
  async run(ctx) {
    const width = ctx.quick ? 0.25 : 1;
    const model = binaryVggSmall({ width });
    try {
      ctx.log(`deploy: binary VGG-small ×${width} …`);
      const r = await benchDeploy(model, {
        images: ctx.quick ? 8 : 32,
        batchSize: ctx.quick ? 8 : 32,
        width,
        stock: true,
        portable: true,
      });
      const bl = r.binaryLayers;
      return {
        rows: [{
          model: r.model,
          backend: `${r.backend} (${r.threads.tfjs} thr)`,
          kernel: `${r.kernel} (${r.threads.engine} thr)`,
          float32_kib: r.float32Bytes / 1024,
          bnn_kib: r.binaryBytes / 1024,
          size_ratio: r.sizeRatio,
          tfjs_img_s: r.tfjsImagesPerSec,
          engine_img_s: r.engineImagesPerSec,
          speedup: r.speedup,
          binary_ms_engine: bl.engineMs,
          binary_ms_tfjs: bl.tfjsMs,
          binary_speedup: r.binaryLayerSpeedup,
          binary_ms_tfjs_float: bl.tfjsFloatMs,
          binary_speedup_float: r.binaryLayerSpeedupFloat,
          binary_ms_tfjs_stock: r.stock?.tfjsMs ?? null,
          binary_speedup_stock: r.stock?.speedup ?? null,
          binary_ms_tfjs_portable: r.portable?.tfjsMs ?? null,
          binary_speedup_portable: r.portable?.speedup ?? null,
        }],
        notes: [
          "targets: size_ratio ≥ 20; binary layers ≥ 25× tfjs (issue #14, whose 5.5–6.6× was " +
          "measured against tfjs's float convolutions of the ±1 values on the lab's wasm kernels). " +
          "Four baselines, same threads: binary_speedup_float = the lab's tfjs-wasm (its native " +
          "Winograd/direct float convolutions, BNN_BINARY_FORWARD=0); binary_speedup = the lab's " +
          "tfjs-wasm with its own XNOR–popcount forward; binary_speedup_portable = the lab's " +
          "tfjs-wasm on its portable wasm kernels (BNN_NATIVE=0, the issue's configuration, child " +
          "process); binary_speedup_stock = stock tfjs-wasm 4.22 (XNNPACK, no project kernels: " +
          "BNN_NATIVE_KERNELS=0, child process). The machine's own ceiling against a float path " +
          "at full speed: `deno task bench:peak`",
          "binary_ms_*: per image, first to last binary layer (BN and pools between included); " +
          "tfjs batched predict on its wasm thread pool, engine one image at a time per worker with " +
          "as many workers as tfjs has threads, 4 batches in a row per round (engine section time = " +
          "wall × the section's share of the engine profile)",
          formatDeployBench(r),
        ],
        data: r,
      };
    } finally {
      model.dispose();
    }
  },
});

/**
 * Deploy benchmark: `.bnn` size vs the float32 tfjs weights, and throughput of the XNOR–popcount
 * engine vs tfjs inference of the same model on the current (best) backend, measured in the same
 * run. Also the binary layers alone: engine time in binary ops vs tfjs time in the same layers
 * (as the float simulation runs them, and as a bare float conv2d/matMul on pre-binarized
 * weights, the strictest float baseline).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { isQuantLayer } from "../layers/mod.ts";
import { createEngine } from "../deploy/engine.ts";
import { toDeployModel } from "../deploy/export.ts";
import { encodeModel } from "../deploy/format.ts";

/** Options of {@link benchDeploy}. */
export interface DeployBenchOptions {
  /** Images for the throughput runs; default 64. */
  images?: number;
  /** tfjs batch size; default 32. */
  batchSize?: number;
  /** Engine kernel; default WebAssembly SIMD when available. */
  prefer?: "wasm" | "js";
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
  /** Per image, ms spent in the binary layers. */
  binaryLayers: { engineMs: number; tfjsLayerMs: number; tfjsBareMs: number };
  binaryLayerSpeedup: number;
  binaryLayerSpeedupBare: number;
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

function timeIt(fn: () => void, reps: number): number {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

function tfjsBinaryLayerMs(model: tf.LayersModel, batch: number): { layer: number; bare: number } {
  let layer = 0, bare = 0;
  for (const l of model.layers) {
    if (!isQuantLayer(l)) continue;
    const cfg = l.getConfig();
    if (cfg.inputQuantizer === "none" || cfg.kernelQuantizer === "none") continue;
    const shape = [batch, ...(l.input as tf.SymbolicTensor).shape.slice(1)] as number[];
    const x = tf.randomNormal(shape);
    layer += timeIt(() => tf.tidy(() => (l.apply(x) as tf.Tensor).dataSync()), 3) / batch;
    const xb = tf.sign(x);
    const k = l.binaryKernel();
    const isConv = shape.length === 4;
    const c = l.getConfig() as { strides?: [number, number]; padding?: "same" | "valid" };
    bare += timeIt(() =>
      tf.tidy(() =>
        (isConv
          ? tf.conv2d(xb as tf.Tensor4D, k as tf.Tensor4D, c.strides!, c.padding!)
          : tf.matMul(xb as tf.Tensor2D, k as tf.Tensor2D)).dataSync()
      ), 3) / batch;
    tf.dispose([x, xb, k]);
  }
  return { layer, bare };
}

/** Measures `model` (a trained or freshly built binary chain model). */
export async function benchDeploy(
  model: tf.LayersModel,
  options: DeployBenchOptions = {},
): Promise<DeployBenchResult> {
  const n = options.images ?? 64;
  const batch = options.batchSize ?? 32;
  const deploy = toDeployModel(model);
  const binaryBytes = encodeModel(deploy).length;
  const fBytes = await float32Bytes(model);
  const engine = createEngine(deploy, { prefer: options.prefer, profile: true });
  const inShape = deploy.inputShape;
  const inSize = inShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * inSize }, (_, i) => Math.sin(i * 12.9898) * 2);
  // tfjs: batched predict, best of its own batching.
  const xt = tf.tensor(x, [n, ...inShape]);
  const tfjsMs = timeIt(() => {
    for (let o = 0; o < n; o += batch) {
      tf.tidy(() => (model.predict(xt.slice(o, Math.min(batch, n - o))) as tf.Tensor).dataSync());
    }
  }, 1);
  xt.dispose();
  engine.predictBatch(x.subarray(0, inSize), 1); // warm-up
  engine.profile.clear();
  const t0 = performance.now();
  engine.predictBatch(x, n);
  const engineMs = performance.now() - t0;
  let engineBinary = 0;
  for (const v of engine.profile.values()) if (v.binary) engineBinary += v.ms;
  const t = tfjsBinaryLayerMs(model, batch);
  const binaryLayers = { engineMs: engineBinary / n, tfjsLayerMs: t.layer, tfjsBareMs: t.bare };
  return {
    model: model.name,
    backend: tf.getBackend(),
    kernel: engine.kernel,
    float32Bytes: fBytes,
    binaryBytes,
    sizeRatio: fBytes / binaryBytes,
    tfjsImagesPerSec: n / (tfjsMs / 1000),
    engineImagesPerSec: n / (engineMs / 1000),
    speedup: tfjsMs / engineMs,
    binaryLayers,
    binaryLayerSpeedup: binaryLayers.tfjsLayerMs / binaryLayers.engineMs,
    binaryLayerSpeedupBare: binaryLayers.tfjsBareMs / binaryLayers.engineMs,
  };
}

/** A short text report of {@link benchDeploy}. */
export function formatDeployBench(r: DeployBenchResult): string {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const bl = r.binaryLayers;
  return [
    `deploy: ${r.model} (tfjs backend ${r.backend}, engine kernel ${r.kernel})`,
    `  size: float32 ${kib(r.float32Bytes)} vs .bnn ${kib(r.binaryBytes)} → ${
      r.sizeRatio.toFixed(1)
    }× smaller`,
    `  whole model: tfjs ${r.tfjsImagesPerSec.toFixed(1)} img/s, engine ${
      r.engineImagesPerSec.toFixed(1)
    } img/s → ${r.speedup.toFixed(2)}×`,
    `  binary layers per image: engine ${bl.engineMs.toFixed(3)} ms, tfjs layers ${
      bl.tfjsLayerMs.toFixed(3)
    } ms ` +
    `(${r.binaryLayerSpeedup.toFixed(1)}×), tfjs bare conv on ±1 ${bl.tfjsBareMs.toFixed(3)} ms ` +
    `(${r.binaryLayerSpeedupBare.toFixed(1)}×)`,
  ].join("\n");
}

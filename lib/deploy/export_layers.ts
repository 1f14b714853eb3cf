/**
 * Layer-by-layer conversion of tfjs layers to raw deploy ops (before batch-norm folding and
 * thresholds, see `passes.ts`). Used by `export.ts`.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { packRows } from "./bits.ts";
import { batchNormAffine } from "./fold.ts";
import type { Activation, ConvOp, MaxPoolOp } from "./format.ts";
import type { RawOp } from "./passes.ts";

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

const ACTIVATIONS = new Set(["linear", "relu", "softmax", "sigmoid", "tanh"]);

function activationOf(layer: Layer, cfg: Config): Activation {
  const a = (cfg.activation ?? "linear") as string;
  if (!ACTIVATIONS.has(a)) {
    throw new Error(
      `exportBinary: layer ${layer.name}: unsupported activation ${JSON.stringify(a)}`,
    );
  }
  return a as Activation;
}

/** Weights of a layer keyed by their short name ("kernel", "bias", "alpha", "gamma", …). */
function namedWeights(layer: Layer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const short = w.originalName.split("/").pop()!.replace(/(_\d+)?(:\d+)?$/, "");
    out.set(short, values[i].dataSync() as Float32Array);
  });
  return out;
}

function pair(v: unknown, what: string, layer: Layer): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x))) {
    throw new Error(`exportBinary: layer ${layer.name}: bad ${what} ${JSON.stringify(v)}`);
  }
  return [a[0], a[1]];
}

function isQuant(cfg: Config, key: string): boolean {
  const q = cfg[key];
  return q !== undefined && q !== null && q !== "none";
}

/** The kernel as used in the forward pass: α·sign(W) for binary kernels. */
function effectiveKernel(layer: Layer, w: Map<string, Float32Array>): Float32Array {
  const bk = (layer as unknown as { binaryKernel?: () => tf.Tensor }).binaryKernel;
  if (typeof bk === "function") {
    const t = bk.call(layer);
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(data);
  }
  const k = w.get("kernel");
  if (!k) throw new Error(`exportBinary: layer ${layer.name} has no kernel weight`);
  return k;
}

/**
 * Splits a binary kernel K = α·sign(W) ([rows][cout], cout fastest) into sign bits and a
 * per-channel α = |K| (checked constant within each channel).
 */
function splitBinaryKernel(
  layer: Layer,
  k: Float32Array,
  rows: number,
  cout: number,
): { signs: Float32Array; alpha: Float64Array } {
  const alpha = new Float64Array(cout);
  const signs = new Float32Array(k.length);
  for (let c = 0; c < cout; c++) {
    const a = Math.abs(k[c]);
    alpha[c] = a;
    for (let i = 0; i < rows; i++) {
      const v = k[i * cout + c];
      if (Math.abs(Math.abs(v) - a) > 1e-6 * Math.max(1, a)) {
        throw new Error(
          `exportBinary: layer ${layer.name}: binary kernel channel ${c} is not ±α (|${v}| ≠ ${a})`,
        );
      }
      signs[i * cout + c] = v >= 0 ? 1 : -1;
    }
  }
  return { signs, alpha };
}

function linearOp(
  layer: Layer,
  cfg: Config,
  geom: { rows: number; cout: number; group: number },
): Omit<RawOp & ConvOp, "type" | "kh" | "kw" | "cin" | "cout" | "strides" | "padding"> {
  const w = namedWeights(layer);
  const { rows, cout, group } = geom;
  const binaryKernel = isQuant(cfg, "kernelQuantizer");
  const k = effectiveKernel(layer, w);
  const bias = w.get("bias");
  const shift = new Float64Array(cout);
  if (bias) shift.set(bias);
  let weights: Float32Array | Uint32Array;
  let scale: Float64Array = new Float64Array(cout).fill(1);
  if (binaryKernel) {
    const { signs, alpha } = splitBinaryKernel(layer, k, rows, cout);
    scale = alpha;
    // [rows][cout] → packed [cout][rows/group][⌈group/32⌉]
    weights = packRows(signs, { rows: cout, n: rows }, { group, colStride: cout, rowStride: 1 });
  } else {
    weights = k;
  }
  return {
    name: layer.name,
    input: isQuant(cfg, "inputQuantizer") ? "sign" : "float",
    kernel: binaryKernel ? "binary" : "float",
    weights,
    scale: new Float32Array(0),
    shift: new Float32Array(0),
    activation: activationOf(layer, cfg),
    affine: { scale, shift },
    integer: binaryKernel && isQuant(cfg, "inputQuantizer"),
    ...(bias && !binaryKernel ? { rawBias: Float32Array.from(bias) } : {}),
  };
}

/**
 * A batch norm's float32 recipe in the float simulation: mean, s = fround(γ/√(σ² + ε)) computed
 * in float64 from the float32 weights as the wasm backend's `FusedBatchNorm` does
 * (`lib/backend/elementwise.ts`), and β (zeros without one).
 */
function batchNormRecipe(w: Map<string, Float32Array>, epsilon: number) {
  const mean = w.get("moving_mean")!, variance = w.get("moving_variance")!;
  const gamma = w.get("gamma"), beta = w.get("beta");
  const scale = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + epsilon);
  }
  return {
    mean: Float32Array.from(mean),
    scale,
    shift: Float32Array.from(beta ?? scale.map(() => 0)),
  };
}

/** Converts one layer, given its input shape and packing group, to raw ops and its output shape. */
export function layerToOps(
  layer: Layer,
  input: { shape: number[]; group: number },
): { ops: RawOp[]; shape: number[] } {
  const { shape, group } = input;
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Config;
  switch (cls) {
    case "InputLayer":
    case "Dropout":
      return { ops: [], shape };
    case "Conv2D":
    case "QuantConv2D": {
      const [kh, kw] = pair(cfg.kernelSize, "kernelSize", layer);
      const dil = pair(cfg.dilationRate ?? 1, "dilationRate", layer);
      if (dil[0] !== 1 || dil[1] !== 1) {
        throw new Error(`exportBinary: ${layer.name}: dilation ≠ 1`);
      }
      if (cfg.dataFormat && cfg.dataFormat !== "channelsLast") {
        throw new Error(`exportBinary: ${layer.name}: only channelsLast is supported`);
      }
      const padding = cfg.padding as "same" | "valid";
      if (padding !== "same" && padding !== "valid") {
        throw new Error(`exportBinary: ${layer.name}: padding ${padding} unsupported`);
      }
      const cin = shape[2], cout = cfg.filters as number;
      const base = linearOp(layer, cfg, { rows: kh * kw * cin, cout, group: cin });
      const strides = pair(cfg.strides ?? 1, "strides", layer);
      const out = layer.computeOutputShape([null, ...shape]) as number[];
      return {
        ops: [{ ...base, type: "conv", kh, kw, cin, cout, strides, padding }],
        shape: out.slice(1),
      };
    }
    case "Dense":
    case "QuantDense": {
      if (shape.length !== 1) throw new Error(`exportBinary: ${layer.name}: input must be flat`);
      const units = cfg.units as number;
      const base = linearOp(layer, cfg, { rows: shape[0], cout: units, group });
      return {
        ops: [{ ...base, type: "dense", inFeatures: shape[0], units, group }],
        shape: [units],
      };
    }
    case "BatchNormalization": {
      const axis = cfg.axis as number;
      if (axis !== -1 && axis !== shape.length) {
        throw new Error(`exportBinary: ${layer.name}: batch norm must normalize the last axis`);
      }
      const w = namedWeights(layer);
      const affine = batchNormAffine({
        gamma: w.get("gamma"),
        beta: w.get("beta"),
        movingMean: w.get("moving_mean")!,
        movingVariance: w.get("moving_variance")!,
        epsilon: cfg.epsilon as number,
      });
      const empty = new Float32Array(0);
      const rawBn = batchNormRecipe(w, cfg.epsilon as number);
      return {
        ops: [{ type: "batchnorm", name: layer.name, scale: empty, shift: empty, affine, rawBn }],
        shape,
      };
    }
    case "MaxPooling2D": {
      const [ph, pw] = pair(cfg.poolSize, "poolSize", layer);
      const strides = pair(cfg.strides ?? [ph, pw], "strides", layer);
      const out = layer.computeOutputShape([null, ...shape]) as number[];
      const op: MaxPoolOp = {
        type: "maxpool",
        name: layer.name,
        ph,
        pw,
        strides,
        padding: cfg.padding as "same",
      };
      return { ops: [op], shape: out.slice(1) };
    }
    case "Flatten":
      return {
        ops: [{ type: "flatten", name: layer.name }],
        shape: [shape.reduce((a, b) => a * b, 1)],
      };
    case "Activation":
    case "ReLU": {
      if (cls === "ReLU" && cfg.maxValue != null) {
        throw new Error(`exportBinary: ${layer.name}: maxValue`);
      }
      const activation = cls === "ReLU" ? "relu" : activationOf(layer, cfg);
      return {
        ops: activation === "linear" ? [] : [{ type: "activation", name: layer.name, activation }],
        shape,
      };
    }
    default:
      throw new Error(`exportBinary: layer ${layer.name}: unsupported layer type ${cls}`);
  }
}

/**
 * Options of the binary layers: types, validation with defaults, initializer and activation
 * helpers (shared by {@link QuantConv2D} and {@link QuantDense}).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { QUANTIZER_NAMES, type QuantizerChoice } from "../quantizers.ts";
import { REGULARIZER_NAMES, type RegularizerName } from "../regularizers.ts";

/** How α scales the binarized kernel: not at all, a non-trainable weight, or a trainable one. */
export type ScaleMode = "none" | "fixed" | "trainable";
/** One α per output channel (`"channel"`) or a single α for the layer (`"layer"`). */
export type ScaleShape = "channel" | "layer";
/** Activations the binary layers accept (applied after the bias). */
export type ActivationName =
  | "linear"
  | "relu"
  | "relu6"
  | "sigmoid"
  | "tanh"
  | "softmax"
  | "elu"
  | "selu"
  | "softplus"
  | "softsign";
/** An initializer given by tfjs name (`"glorotUniform"`), by object, or in serialized form. */
export type InitializerSpec =
  | string
  | tf.serialization.Serializable
  | { className: string; config: tf.serialization.ConfigDict };

/** A tfjs-layers initializer object (the type `addWeight` takes). */
export type Initializer = NonNullable<Parameters<tf.layers.Layer["addWeight"]>[3]>;

/** BNN+ options shared by {@link QuantConv2D} and {@link QuantDense}. */
export interface QuantOptions {
  /** Quantizer of the layer input; `"none"` (default) keeps it full precision. */
  inputQuantizer?: QuantizerChoice;
  /** Quantizer of the kernel; `"none"` (default) keeps it full precision. */
  kernelQuantizer?: QuantizerChoice;
  /** β of every `"swish_sign"` quantizer of the layer (input and kernel share it). Default 5. */
  beta?: number;
  /** Make β a trainable scalar weight named `beta`. Default false. */
  trainableBeta?: boolean;
  /** α mode; needs a kernel quantizer unless `"none"`. Default `"none"`. */
  scale?: ScaleMode;
  /** α per output channel or per layer. Default `"channel"`. */
  scaleShape?: ScaleShape;
  /** BNN+ regularizer R(W, α); with scale `"none"` it uses α = 1. Default `"none"`. */
  regularizer?: RegularizerName;
  /** Regularization strength λ (penalty = λ·ΣR). Default 1e-4. */
  lambda?: number;
  /**
   * Latent kernel clip bound applied by {@link clipLatentWeights} (binary kernels only; a
   * full-precision kernel is never clipped); null disables. Default 1.
   */
  kernelClip?: number | null;
  /** Activation after the bias. Default `"linear"`. */
  activation?: ActivationName;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Kernel initializer. Default `"glorotNormal"` (conv) / `"glorotUniform"` (dense). */
  kernelInitializer?: InitializerSpec;
  /** Bias initializer. Default `"zeros"`. */
  biasInitializer?: InitializerSpec;
}

/** The validated, fully defaulted form of {@link QuantOptions} (the BNN+ part). */
export interface QuantSettings {
  /** Input quantizer. */
  inputQuantizer: QuantizerChoice;
  /** Kernel quantizer. */
  kernelQuantizer: QuantizerChoice;
  /** β of the swish_sign quantizers (initial value when trainable). */
  beta: number;
  /** Whether β is a trainable weight. */
  trainableBeta: boolean;
  /** α mode. */
  scale: ScaleMode;
  /** α per channel or per layer. */
  scaleShape: ScaleShape;
  /** BNN+ regularizer. */
  regularizer: RegularizerName;
  /** Regularization strength λ. */
  lambda: number;
  /** Latent kernel clip bound, or null. */
  kernelClip: number | null;
  /** Activation after the bias. */
  activation: ActivationName;
  /** Whether the layer has a bias. */
  useBias: boolean;
}

const ACTIVATIONS: readonly ActivationName[] = [
  "linear",
  "relu",
  "relu6",
  "sigmoid",
  "tanh",
  "softmax",
  "elu",
  "selu",
  "softplus",
  "softsign",
];

/** Undo tfjs' snake→camel conversion of string values on model load ("steSign" → "ste_sign"). */
function snake(s: unknown): unknown {
  return typeof s === "string" ? s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase() : s;
}

function oneOf<T extends string>(
  layer: string,
  key: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === null) return fallback;
  if (!allowed.includes(value as T)) {
    throw new Error(
      `${layer}: ${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; ` +
        `got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** Validates and defaults the BNN+ options; throws one clear Error per bad option. */
export function quantSettings(layer: string, o: QuantOptions): QuantSettings {
  const quantizers = ["none", ...QUANTIZER_NAMES] as const;
  const s: QuantSettings = {
    inputQuantizer: oneOf(layer, "inputQuantizer", snake(o.inputQuantizer), quantizers, "none"),
    kernelQuantizer: oneOf(layer, "kernelQuantizer", snake(o.kernelQuantizer), quantizers, "none"),
    beta: o.beta ?? 5,
    trainableBeta: o.trainableBeta ?? false,
    scale: oneOf(layer, "scale", o.scale, ["none", "fixed", "trainable"] as const, "none"),
    scaleShape: oneOf(layer, "scaleShape", o.scaleShape, ["channel", "layer"] as const, "channel"),
    regularizer: oneOf(layer, "regularizer", o.regularizer, REGULARIZER_NAMES, "none"),
    lambda: o.lambda ?? 1e-4,
    kernelClip: o.kernelClip === undefined ? 1 : o.kernelClip,
    activation: oneOf(layer, "activation", o.activation, ACTIVATIONS, "linear"),
    useBias: o.useBias ?? true,
  };
  if (typeof s.beta !== "number" || !Number.isFinite(s.beta) || s.beta <= 0) {
    throw new Error(`${layer}: beta must be a finite number > 0; got ${JSON.stringify(o.beta)}`);
  }
  if (typeof s.lambda !== "number" || !Number.isFinite(s.lambda) || s.lambda < 0) {
    throw new Error(
      `${layer}: lambda must be a finite number ≥ 0; got ${JSON.stringify(o.lambda)}`,
    );
  }
  if (s.kernelClip !== null && !(typeof s.kernelClip === "number" && s.kernelClip > 0)) {
    throw new Error(
      `${layer}: kernelClip must be a number > 0 or null; got ${JSON.stringify(o.kernelClip)}`,
    );
  }
  if (s.scale !== "none" && s.kernelQuantizer === "none") {
    throw new Error(
      `${layer}: scale ${
        JSON.stringify(s.scale)
      } needs a kernelQuantizer (α multiplies sign(W)); ` +
        `got kernelQuantizer "none"`,
    );
  }
  return s;
}

/** Resolves an {@link InitializerSpec} to a tfjs initializer. */
export function toInitializer(layer: string, spec: InitializerSpec): Initializer {
  if (typeof spec === "string") {
    const fn = (tf.initializers as unknown as Record<string, (a: object) => unknown>)[spec];
    if (typeof fn !== "function") {
      throw new Error(`${layer}: unknown initializer ${JSON.stringify(spec)}`);
    }
    return fn({}) as Initializer;
  }
  if ("className" in spec && typeof spec.className === "string" && "config" in spec) {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
    if (!entry) throw new Error(`${layer}: unknown initializer class ${spec.className}`);
    return entry[1](entry[0], spec.config as tf.serialization.ConfigDict) as Initializer;
  }
  return spec as Initializer;
}

/** The serialized `{className, config}` form of an initializer. */
export function initializerConfig(
  init: tf.serialization.Serializable,
): tf.serialization.ConfigDict {
  const config: tf.serialization.ConfigDict = {};
  for (const [k, v] of Object.entries(init.getConfig())) config[k] = v === undefined ? null : v;
  return { className: init.getClassName(), config };
}

/** Applies `name` (after the bias). */
export function activate(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "tanh":
      return tf.tanh(x);
    case "softmax":
      return tf.softmax(x);
    case "elu":
      return tf.elu(x);
    case "selu":
      return tf.selu(x);
    case "softplus":
      return tf.softplus(x);
    case "softsign":
      return tf.div(x, tf.add(1, tf.abs(x)));
  }
}

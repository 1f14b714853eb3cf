/**
 * Options of the binary layers: types, validation with defaults, initializer and activation
 * helpers (shared by {@link QuantConv2D} and {@link QuantDense}).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { QUANTIZER_NAMES, type QuantizerChoice } from "../quantizers.ts";
import { bool, type Check, nullable, num, oneOf } from "../util/checks.ts";
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

/**
 * The BNN+ quantization settings of a binary layer: which quantizers, β, α, regularizer, λ and
 * latent clip. The one definition: the layers take it (as {@link QuantOptions}, every field
 * optional) and an experiment's config extends it (`ExperimentConfig` in
 * `lib/experiments/config/config.ts`), both checked by {@link QUANT_CHECKS}.
 */
export interface QuantConfig {
  /** Quantizer of the layer input; `"none"` keeps it full precision. Layer default `"none"`. */
  inputQuantizer: QuantizerChoice;
  /** Quantizer of the kernel; `"none"` keeps it full precision. Layer default `"none"`. */
  kernelQuantizer: QuantizerChoice;
  /**
   * β of every quantizer of the layer that reads one (SignSwish; input and kernel share it), a
   * finite number > 0; the initial value when trainable. Default 5.
   */
  beta: number;
  /** Make β a trainable scalar weight named `beta`. Default false. */
  trainableBeta: boolean;
  /** α mode; needs a kernel quantizer unless `"none"`. Layer default `"none"`. */
  scale: ScaleMode;
  /** α per output channel or per layer. Default `"channel"`. */
  scaleShape: ScaleShape;
  /** BNN+ regularizer R(W, α); with scale `"none"` it uses α = 1. Layer default `"none"`. */
  regularizer: RegularizerName;
  /** Regularization strength λ ≥ 0 (penalty = λ·ΣR, summed over weights). Layer default 1e-4. */
  lambda: number;
  /**
   * Latent kernel clip bound applied by {@link clipLatentWeights} (binary kernels only; a
   * full-precision kernel is never clipped); null disables. Default 1.
   */
  kernelClip: number | null;
}

/** Options of {@link QuantConv2D} and {@link QuantDense} besides the usual conv / dense ones. */
export interface QuantOptions extends Partial<QuantConfig> {
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
export interface QuantSettings extends QuantConfig {
  /** Activation after the bias. */
  activation: ActivationName;
  /** Whether the layer has a bias. */
  useBias: boolean;
}

/**
 * The one validator of {@link QuantConfig}'s fields (used by the layers and by the experiment
 * config): each check returns null, or what was expected.
 */
export const QUANT_CHECKS: Readonly<Record<keyof QuantConfig, Check>> = {
  inputQuantizer: oneOf(["none", ...QUANTIZER_NAMES]),
  kernelQuantizer: oneOf(["none", ...QUANTIZER_NAMES]),
  beta: num(0, Infinity, { exclusiveMin: true }),
  trainableBeta: bool,
  scale: oneOf(["none", "fixed", "trainable"]),
  scaleShape: oneOf(["channel", "layer"]),
  regularizer: oneOf(REGULARIZER_NAMES),
  lambda: num(0, Infinity),
  kernelClip: nullable(num(0, Infinity, { exclusiveMin: true })),
};

/** The {@link QuantConfig} fields of `o` (e.g. of a model spec or an experiment config). */
export function quantConfigOf(o: QuantConfig): QuantConfig {
  const { inputQuantizer, kernelQuantizer, beta, trainableBeta } = o;
  const { scale, scaleShape, regularizer, lambda, kernelClip } = o;
  return {
    inputQuantizer,
    kernelQuantizer,
    beta,
    trainableBeta,
    scale,
    scaleShape,
    regularizer,
    lambda,
    kernelClip,
  };
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

/** Validates and defaults the BNN+ options; throws one clear Error per bad option. */
export function quantSettings(layer: string, o: QuantOptions): QuantSettings {
  const s: QuantSettings = {
    inputQuantizer: (snake(o.inputQuantizer) ?? "none") as QuantizerChoice,
    kernelQuantizer: (snake(o.kernelQuantizer) ?? "none") as QuantizerChoice,
    beta: o.beta ?? 5,
    trainableBeta: o.trainableBeta ?? false,
    scale: o.scale ?? "none",
    scaleShape: o.scaleShape ?? "channel",
    regularizer: o.regularizer ?? "none",
    lambda: o.lambda ?? 1e-4,
    kernelClip: o.kernelClip === undefined ? 1 : o.kernelClip,
    activation: o.activation ?? "linear",
    useBias: o.useBias ?? true,
  };
  for (const [key, check] of Object.entries(QUANT_CHECKS)) {
    const v = s[key as keyof QuantConfig];
    const expected = check(v);
    if (expected !== null) {
      throw new Error(`${layer}: ${key} must be ${expected}; got ${JSON.stringify(v)}`);
    }
  }
  const act = oneOf(ACTIVATIONS)(s.activation);
  if (act !== null) {
    throw new Error(`${layer}: activation must be ${act}; got ${JSON.stringify(s.activation)}`);
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

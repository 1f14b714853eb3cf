/**
 * Shared machinery of the binary layers: option validation, the α / β weights, the quantized
 * kernel α·q(W), the BNN+ penalty λ·ΣR(W, α), latent-weight clipping and config round trips.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { type Beta, quantize, QUANTIZER_NAMES, type QuantizerName } from "../quantizers.ts";
import { regularize, REGULARIZER_NAMES, type RegularizerName } from "../regularizers.ts";

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
  inputQuantizer?: QuantizerName | "none";
  /** Quantizer of the kernel; `"none"` (default) keeps it full precision. */
  kernelQuantizer?: QuantizerName | "none";
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
  inputQuantizer: QuantizerName | "none";
  kernelQuantizer: QuantizerName | "none";
  beta: number;
  trainableBeta: boolean;
  scale: ScaleMode;
  scaleShape: ScaleShape;
  regularizer: RegularizerName;
  lambda: number;
  kernelClip: number | null;
  activation: ActivationName;
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

/**
 * Base of the binary layers. Subclasses create `kernel` (last axis = output channels) and `bias`
 * in `build` and then call {@link QuantLayer.buildQuant}.
 */
export abstract class QuantLayer extends tf.layers.Layer {
  /** Validated BNN+ settings. */
  readonly quant: QuantSettings;
  /** Latent real-valued kernel. */
  protected kernel: tf.LayerVariable | null = null;
  /** Bias (when `useBias`). */
  protected bias: tf.LayerVariable | null = null;
  /** α (when scale ≠ "none"): shape `[channels]` or `[]`. */
  protected alpha: tf.LayerVariable | null = null;
  /** β (when trainableBeta): shape `[]`. */
  protected betaVar: tf.LayerVariable | null = null;
  protected kernelInit: Initializer;
  protected biasInit: Initializer;

  constructor(
    args: QuantOptions & { name?: string; trainable?: boolean },
    defaultKernelInit: string,
  ) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    const name = this.getClassName();
    this.quant = quantSettings(name, args);
    this.kernelInit = toInitializer(name, args.kernelInitializer ?? defaultKernelInit);
    this.biasInit = toInitializer(name, args.biasInitializer ?? "zeros");
  }

  /** Creates α (= mean|W| of the freshly initialised kernel) and β, and registers the penalty. */
  protected buildQuant(): void {
    const q = this.quant;
    const kernel = this.kernel!;
    if (q.scale !== "none") {
      const k = kernel.read();
      const channels = k.shape[k.rank - 1];
      const shape = q.scaleShape === "channel" ? [channels] : [];
      this.alpha = this.addWeight(
        "alpha",
        shape,
        "float32",
        tf.initializers.ones(),
        undefined,
        q.scale === "trainable",
      );
      const axes = q.scaleShape === "channel" ? [...Array(k.rank - 1).keys()] : undefined;
      tf.tidy(() => {
        this.alpha!.write(tf.mean(tf.abs(k), axes));
      });
    }
    if (q.trainableBeta) {
      this.betaVar = this.addWeight(
        "beta",
        [],
        "float32",
        tf.initializers.constant({ value: q.beta }),
        undefined,
        true,
      );
    }
    if (q.regularizer !== "none") this.addLoss(() => this.penalty());
  }

  /** β as used by the quantizers: the trainable scalar weight, or the fixed number. */
  protected betaValue(): Beta {
    return this.betaVar ? this.betaVar.read() as tf.Scalar : this.quant.beta;
  }

  /** α·q(W) with the kernel quantizer's pseudo-gradient (q = identity for "none"). */
  protected quantizedKernel(): tf.Tensor {
    const q = this.quant;
    const k = quantize(this.kernel!.read(), q.kernelQuantizer, { beta: this.betaValue() });
    return this.alpha ? tf.mul(k, this.alpha.read()) : k;
  }

  /** The input after the input quantizer. */
  protected quantizeInput(x: tf.Tensor): tf.Tensor {
    return quantize(x, this.quant.inputQuantizer, { beta: this.betaValue() });
  }

  /** The kernel as used in the forward pass, α·sign(W) (or W at full precision). */
  binaryKernel(): tf.Tensor {
    this.assertBuilt();
    return tf.tidy(() => this.quantizedKernel());
  }

  /** The BNN+ penalty λ·Σ R(W, α) (α = 1 when scale is "none"); 0 without a regularizer. */
  penalty(): tf.Scalar {
    this.assertBuilt();
    const q = this.quant;
    if (q.regularizer === "none" || q.lambda === 0) return tf.scalar(0);
    return tf.tidy(() => {
      const alpha = this.alpha ? this.alpha.read() : 1;
      return tf.mul(q.lambda, regularize(this.kernel!.read(), alpha, q.regularizer)) as tf.Scalar;
    });
  }

  /** Clips the latent kernel to [−kernelClip, kernelClip] (binary kernels only). */
  clipKernel(): void {
    const c = this.quant.kernelClip;
    if (c === null || this.quant.kernelQuantizer === "none" || !this.kernel) return;
    const k = this.kernel;
    tf.tidy(() => {
      k.write(tf.clipByValue(k.read(), -c, c));
    });
  }

  /** The latent kernel variable (for inspection and tests). */
  get kernelWeight(): tf.LayerVariable {
    this.assertBuilt();
    return this.kernel!;
  }

  /** The α weight, or null when scale is "none". */
  get alphaWeight(): tf.LayerVariable | null {
    return this.alpha;
  }

  /** The β weight, or null unless trainableBeta. */
  get betaWeight(): tf.LayerVariable | null {
    return this.betaVar;
  }

  protected assertBuilt(): void {
    if (!this.kernel) throw new Error(`${this.name}: layer is not built yet (apply it first)`);
  }

  /** The BNN+ options, initializers and activation for `getConfig`. */
  protected quantConfig(): tf.serialization.ConfigDict {
    return {
      ...this.quant,
      kernelInitializer: initializerConfig(this.kernelInit),
      biasInitializer: initializerConfig(this.biasInit),
    };
  }
}

/** True when `layer` is one of the binary layers ({@link QuantLayer}). */
export function isQuantLayer(layer: unknown): layer is QuantLayer {
  return layer instanceof QuantLayer;
}

function collectLayers(layer: tf.layers.Layer, out: tf.layers.Layer[]): void {
  out.push(layer);
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(inner)) { for (const l of inner) collectLayers(l, out); }
}

/** All binary layers of a model (nested models included), in order. */
export function quantLayers(model: tf.LayersModel | tf.layers.Layer): QuantLayer[] {
  const all: tf.layers.Layer[] = [];
  collectLayers(model as tf.layers.Layer, all);
  return all.filter(isQuantLayer);
}

/**
 * Clips every binary layer's latent kernel to [−kernelClip, kernelClip] (Hubara et al.); call it
 * after each optimizer step. Layers with `kernelClip: null` or a full-precision kernel are skipped.
 */
export function clipLatentWeights(model: tf.LayersModel | tf.layers.Layer): void {
  for (const l of quantLayers(model)) l.clipKernel();
}

/**
 * A `model.fit` callback that runs {@link clipLatentWeights} after every batch (tfjs' own
 * training loop does not clip): `model.fit(x, y, {callbacks: [clipCallback(model)]})`.
 */
export function clipCallback(model: tf.LayersModel): tf.CustomCallback {
  return new tf.CustomCallback({
    onBatchEnd: () => {
      clipLatentWeights(model);
      return Promise.resolve();
    },
  });
}

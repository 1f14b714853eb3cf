/**
 * Model builders: binary VGG-small, AlexNet-for-CIFAR, the DoReFa-Net CIFAR model and a binary
 * MLP, each with a width multiplier and a full-precision twin (both quantizers "none").
 *
 * Common rules (Hubara et al.'s framework, which BNN+ builds on):
 * - the first layer (image input) and the last dense layer are full precision;
 * - every binary layer is a `QuantConv2D` / `QuantDense` from `lib/layers/` whose *input* is
 *   binarized by `inputQuantizer` and whose kernel by `kernelQuantizer` (with α, β, R, λ);
 * - batch norm follows every binary layer (and the first layer), max-pooling sits between the
 *   convolution and its batch norm (BinaryNet order: conv → pool → BN → sign in the next layer);
 * - the full-precision twin has the same layer list with quantizers "none" and a ReLU after each
 *   batch norm (without sign there would be no nonlinearity);
 * - no dropout (a random mask would break resume equality; BNNs rarely need it);
 * - the model outputs logits.
 *
 * The layer lists themselves are in `lib/models/`: see {@link vggSmallLayers},
 * {@link alexnetLayers}, {@link dorefaLayers} and {@link mlpLayers}.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { batchNormalization, conv2d, quantConv2d, quantDense } from "./layers/mod.ts";
import { type QuantConfig, quantConfigOf } from "./layers/options.ts";
import {
  alexnetImagenetLayers,
  alexnetLayers,
  dorefaLayers,
  type LayerSpec,
  mlpLayers,
  resnet18BirealSpec,
  type ResNetSpec,
  scaled,
  vggSmallLayers,
} from "./models/layer_specs.ts";

export {
  alexnetImagenetLayers,
  alexnetLayers,
  dorefaLayers,
  type LayerSpec,
  mlpLayers,
  resnet18BirealSpec,
  type ResNetSpec,
  scaled,
  vggSmallLayers,
};

/** Model architectures known to {@link buildNetwork} (layer lists in {@link layerList}). */
export type ModelName =
  | "vgg_small"
  | "alexnet"
  | "dorefa"
  | "mlp"
  | "alexnet_imagenet"
  | "resnet18_bireal";
/** All model names. */
export const MODEL_NAMES: readonly ModelName[] = [
  "vgg_small",
  "alexnet",
  "dorefa",
  "mlp",
  "alexnet_imagenet",
  "resnet18_bireal",
];

/** What a model depends on: architecture, width, the binary layers' quantization and the seed. */
export interface ModelSpec extends QuantConfig {
  model: ModelName;
  /** Width multiplier of every hidden layer. */
  width: number;
  /** Seed of the initialisation. */
  seed: number;
}

/** Input shape and number of classes of the data the model is built for. */
export interface ModelDataShape {
  /** `[H, W, C]` of one example. */
  inputShape: [number, number, number];
  /** Number of classes (logits). */
  numClasses: number;
}

/** The layer list of `spec.model` at `spec.width` for the given data shape. */
export function layerList(
  spec: Pick<ModelSpec, "model" | "width">,
  data: ModelDataShape,
): LayerSpec[] {
  switch (spec.model) {
    case "vgg_small":
      return vggSmallLayers(spec.width, data.numClasses);
    case "alexnet":
      return alexnetLayers(spec.width, data.numClasses);
    case "dorefa":
      return dorefaLayers(spec.width, data.numClasses);
    case "mlp":
      return mlpLayers(spec.width, data.numClasses);
    case "alexnet_imagenet":
      return alexnetImagenetLayers(spec.width, data.numClasses, data.inputShape[0]);
    case "resnet18_bireal":
      throw new Error(
        "model: resnet18_bireal has shortcuts and no layer list; build it with buildNetwork",
      );
    default:
      throw new Error(
        `model: unknown name ${
          JSON.stringify(spec.model)
        }; expected vgg_small, alexnet, dorefa, mlp, alexnet_imagenet or resnet18_bireal`,
      );
  }
}

/**
 * Builds the model of `spec` (architecture, width, quantizers, α, β, R, λ) for `data`.
 * Initialisation depends only on `spec.seed` (each layer gets seed·1000 + its index), so two
 * builds with the same spec start from identical weights.
 */
export function buildModel(spec: ModelSpec, data: ModelDataShape): tf.Sequential {
  const layers = layerList(spec, data);
  const fullPrecision = spec.inputQuantizer === "none";
  const model = tf.sequential({ name: `${spec.model}_x${spec.width}` });
  let needInput = true;
  const withInput = <T extends object>(args: T): T => {
    if (!needInput) return args;
    needInput = false;
    return { ...args, inputShape: data.inputShape };
  };
  let flat = false;
  layers.forEach((l, i) => {
    const init = tf.initializers.glorotUniform({ seed: spec.seed * 1000 + i });
    if (l.kind === "dense" && !flat) {
      model.add(tf.layers.flatten(withInput({ name: "flatten" })));
      flat = true;
    }
    const name = `${l.kind}${i}`;
    const quant = quantConfigOf(spec);
    if (l.kind === "conv") {
      if (typeof l.padding === "number") {
        model.add(tf.layers.zeroPadding2d(withInput({ padding: l.padding, name: `pad${i}` })));
      }
      const args = withInput({
        filters: l.units,
        kernelSize: l.kernel ?? 3,
        padding: typeof l.padding === "number" ? "valid" as const : l.padding ?? "same",
        ...(l.stride !== undefined ? { strides: l.stride } : {}),
        kernelInitializer: init,
        useBias: false,
        name,
      });
      model.add(
        l.precision === "full" ? conv2d(args) : quantConv2d({ ...args, ...quant }),
      );
    } else {
      const last = !l.bn;
      const args = withInput({ units: l.units, kernelInitializer: init, useBias: last, name });
      model.add(l.precision === "full" ? tf.layers.dense(args) : quantDense({ ...args, ...quant }));
    }
    if (l.pool) {
      model.add(tf.layers.maxPooling2d({
        poolSize: l.pool.size,
        strides: l.pool.stride,
        padding: l.pool.padding ?? "same",
        name: `pool${i}`,
      }));
    }
    if (l.bn) {
      model.add(batchNormalization({ momentum: 0.9, epsilon: 1e-4, name: `bn${i}` }));
      if (fullPrecision) model.add(tf.layers.reLU({ name: `relu${i}` }));
    }
  });
  return model;
}

/**
 * ResNet-18 with Bi-Real shortcuts ({@link resnet18BirealSpec}) as a tfjs functional model. Binary
 * mode: every 3×3 conv of a block is a `QuantConv2D` (sign of its input, binary kernel with the
 * spec's α, β, R, λ) followed by batch norm, and adds its input back (a full-precision AvgPool2 →
 * 1×1 conv → BN shortcut where the shape changes); the stem, the shortcuts and the classifier are
 * full precision. Full-precision twin: the same graph with quantizers "none" and a ReLU on the
 * input of each block conv (where the binary net has its sign) and after the stem's batch norm.
 * Initialisation is seeded like {@link buildModel}.
 */
export function buildResnet(spec: ModelSpec, data: ModelDataShape): tf.LayersModel {
  const net: ResNetSpec = resnet18BirealSpec(spec.width, data.numClasses);
  const fullPrecision = spec.inputQuantizer === "none";
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: spec.seed * 1000 + k++ });
  const quant = quantConfigOf(spec);
  const bn = (name: string) => batchNormalization({ momentum: 0.9, epsilon: 1e-4, name });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) =>
    layer.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: data.inputShape, name: "image" });
  let x = apply(
    conv2d({
      filters: net.stem.units,
      kernelSize: net.stem.kernel,
      strides: net.stem.stride,
      padding: "same",
      useBias: false,
      kernelInitializer: init(),
      name: "stem_conv",
    }),
    input,
  );
  x = apply(bn("stem_bn"), x);
  if (fullPrecision) x = apply(tf.layers.reLU({ name: "stem_relu" }), x);
  x = apply(
    tf.layers.maxPooling2d({
      poolSize: net.stem.pool.size,
      strides: net.stem.pool.stride,
      padding: "same",
      name: "stem_pool",
    }),
    x,
  );
  let channels = net.stem.units;
  net.stages.forEach((stage, s) => {
    for (let b = 0; b < stage.blocks; b++) {
      for (let j = 0; j < 2; j++) {
        const stride = b === 0 && j === 0 ? stage.stride : 1;
        const name = `s${s + 1}b${b + 1}c${j + 1}`;
        const inp = fullPrecision ? apply(tf.layers.reLU({ name: `${name}_relu` }), x) : x;
        let y = apply(
          quantConv2d({
            filters: stage.units,
            kernelSize: 3,
            strides: stride,
            padding: "same",
            useBias: false,
            kernelInitializer: init(),
            name: `${name}_conv`,
            ...quant,
          }),
          inp,
        );
        y = apply(bn(`${name}_bn`), y);
        let short = x;
        if (stride !== 1 || channels !== stage.units) {
          if (stride !== 1) {
            short = apply(
              tf.layers.averagePooling2d({
                poolSize: stride,
                strides: stride,
                padding: "same",
                name: `${name}_down_pool`,
              }),
              short,
            );
          }
          short = apply(
            conv2d({
              filters: stage.units,
              kernelSize: 1,
              useBias: false,
              kernelInitializer: init(),
              name: `${name}_down_conv`,
            }),
            short,
          );
          short = apply(bn(`${name}_down_bn`), short);
          channels = stage.units;
        }
        x = tf.layers.add({ name: `${name}_add` }).apply([y, short]) as tf.SymbolicTensor;
      }
    }
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: "gap" }), x);
  const logits = apply(
    tf.layers.dense({ units: net.numClasses, kernelInitializer: init(), name: "fc" }),
    x,
  );
  return tf.model({ inputs: input, outputs: logits, name: `${spec.model}_x${spec.width}` });
}

/**
 * Builds any model of the lab: the layer-list networks with {@link buildModel}, ResNet-18
 * (Bi-Real) with {@link buildResnet}. What the experiment runner and the estimates call.
 */
export function buildNetwork(spec: ModelSpec, data: ModelDataShape): tf.LayersModel {
  return spec.model === "resnet18_bireal" ? buildResnet(spec, data) : buildModel(spec, data);
}

/**
 * Multiply-adds of one forward pass of one example: Σ over conv layers of out_H·out_W·k_H·k_W·
 * C_in·C_out, plus Σ over dense layers of in·out (binary layers counted like float ones;
 * batch norm, pooling and additions are not counted). A training step costs about 3× this per
 * example (forward, input gradient, weight gradient).
 */
export function modelMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /(^|\/)kernel(_\d+)?$/.test(w.originalName));
    if (!kernel) continue;
    const k = kernel.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    const out = layer.outputShape as (number | null)[];
    macs += kernel.shape.length === 4 ? (out[1] ?? 1) * (out[2] ?? 1) * k : k;
  }
  return macs;
}

/** Number of trainable parameters of `model` (for tables and presets). */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
}

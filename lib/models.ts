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
import type { QuantConfig } from "./layers/options.ts";
import {
  alexnetLayers,
  dorefaLayers,
  type LayerSpec,
  mlpLayers,
  scaled,
  vggSmallLayers,
} from "./models/layer_specs.ts";

export { alexnetLayers, dorefaLayers, type LayerSpec, mlpLayers, scaled, vggSmallLayers };

/** Model architectures known to {@link layerList}. */
export type ModelName = "vgg_small" | "alexnet" | "dorefa" | "mlp";
/** All model names. */
export const MODEL_NAMES: readonly ModelName[] = ["vgg_small", "alexnet", "dorefa", "mlp"];

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
    default:
      throw new Error(
        `model: unknown name ${
          JSON.stringify(spec.model)
        }; expected vgg_small, alexnet, dorefa or mlp`,
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
    const quant = {
      inputQuantizer: spec.inputQuantizer,
      kernelQuantizer: spec.kernelQuantizer,
      beta: spec.beta,
      trainableBeta: spec.trainableBeta,
      scale: spec.scale,
      scaleShape: spec.scaleShape,
      regularizer: spec.regularizer,
      lambda: spec.lambda,
      kernelClip: spec.kernelClip,
    };
    if (l.kind === "conv") {
      const args = withInput({
        filters: l.units,
        kernelSize: l.kernel ?? 3,
        padding: l.padding ?? "same",
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
        padding: "same",
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

/** Number of trainable parameters of `model` (for tables and presets). */
export function countParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
}

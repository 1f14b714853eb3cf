/**
 * The reference benchmark net "bench-vgg" (issue 3) and its binary twin.
 *
 * bench-vgg: NHWC input 32×32×3; six 3×3 'same' convs without bias, widths w, w, 2w, 2w, 4w, 4w;
 * max-pool 2×2 after convs 2, 4, 6; batch-norm + ReLU after each conv; flatten; dense 10.
 * The binary twin binarizes the inputs of convs 2–6 and of the dense layer with swishSign
 * (β = 5), and every kernel (conv 1 included) with swishSign and a trainable per-channel scale α
 * (BNN+ `QuantConv2D` / `QuantDense`, no regularizer); the first conv's input stays real. Its
 * blocks follow the lab's binary models (BNN order): conv, max-pool (after convs 2, 4, 6), batch
 * norm, then the next layer's sign; no ReLU (a ReLU before a sign would make every binarized
 * input +1, so convs 2–6 would see the same input for every image).
 *
 * @module
 */
import { tf } from "../tf.ts";
import {
  batchNormalization,
  clipLatentWeights,
  conv2d,
  quantConv2d,
  quantDense,
} from "../layers/mod.ts";

/** Options of {@link benchVgg}. */
export interface BenchVggOptions {
  /** Width multiplier w (default 32). */
  width?: number;
  /** Build the binary twin (default false). */
  binary?: boolean;
  /** Input height/width (default 32). */
  size?: number;
  /** Number of classes (default 10). */
  classes?: number;
  /**
   * Build the float net from tfjs-layers' own `tf.layers.conv2d` / `tf.layers.batchNormalization`
   * (as a notebook user would write it) instead of the lab's layers (default false).
   */
  plain?: boolean;
}

/** Multiply–accumulates ×2 of one forward pass of bench-vgg per image (conv + dense). */
export function benchVggFlops(options: BenchVggOptions = {}): number {
  const w = options.width ?? 32, s = options.size ?? 32, classes = options.classes ?? 10;
  const widths = [w, w, 2 * w, 2 * w, 4 * w, 4 * w];
  let cin = 3, hw = s, flops = 0;
  widths.forEach((cout, i) => {
    flops += 2 * hw * hw * 9 * cin * cout;
    cin = cout;
    if (i % 2 === 1) hw = Math.floor(hw / 2);
  });
  return flops + 2 * hw * hw * cin * classes;
}

/** Whether the binary twin can be built (it needs the binary layers of `lib/layers/`). */
export function binaryTwinAvailable(): boolean {
  return true;
}

/** Builds bench-vgg (or its binary twin) as a tf.LayersModel producing logits. */
export function benchVgg(options: BenchVggOptions = {}): tf.LayersModel {
  const w = options.width ?? 32, s = options.size ?? 32, classes = options.classes ?? 10;
  const widths = [w, w, 2 * w, 2 * w, 4 * w, 4 * w];
  const input = tf.input({ shape: [s, s, 3] });
  let h = input as tf.SymbolicTensor;
  widths.forEach((filters, i) => {
    const conv = options.binary
      ? quantConv2d({
        filters,
        kernelSize: 3,
        padding: "same",
        useBias: false,
        inputQuantizer: i === 0 ? "none" : "swish_sign",
        kernelQuantizer: "swish_sign",
        scale: "trainable",
      })
      : (options.plain ? tf.layers.conv2d : conv2d)({
        filters,
        kernelSize: 3,
        padding: "same",
        useBias: false,
      });
    h = conv.apply(h) as tf.SymbolicTensor;
    const pool = () => tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
    if (options.binary) {
      // The lab's binary block order (`buildModel`, BNN): conv, max-pool, batch norm, and the
      // next layer's sign. No ReLU: a sign after a ReLU is +1 everywhere.
      if (i % 2 === 1) h = pool();
      h = batchNormalization({ axis: -1 }).apply(h) as tf.SymbolicTensor;
      return;
    }
    const bn = options.plain ? tf.layers.batchNormalization : batchNormalization;
    h = bn({ axis: -1 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
    if (i % 2 === 1) h = pool();
  });
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  const dense = options.binary
    ? quantDense({
      units: classes,
      inputQuantizer: "swish_sign",
      kernelQuantizer: "swish_sign",
      scale: "trainable",
    })
    : tf.layers.dense({ units: classes });
  const out = dense.apply(h) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: out,
    name: options.binary ? "bench-vgg-binary" : options.plain ? "bench-vgg-plain" : "bench-vgg",
  });
}

/**
 * One training step (forward with training=true, softmax cross-entropy, Adam update, then the
 * latent-weight clipping of binary layers) without reading the loss back; returns the loss scalar
 * (caller disposes).
 */
export function benchTrainStep(
  model: tf.LayersModel,
  batch: { x: tf.Tensor; y: tf.Tensor },
  options: { optimizer: tf.Optimizer },
): tf.Scalar {
  const loss = options.optimizer.minimize(() => {
    const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
  }, true) as tf.Scalar;
  clipLatentWeights(model);
  return loss;
}

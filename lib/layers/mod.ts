/**
 * Binary layers for tfjs-layers: {@link QuantConv2D} and {@link QuantDense} with BNN+ quantizers,
 * scale α, trainable β, the α-regularizer penalty and latent-weight clipping; and the lab's
 * drop-in {@link BatchNormalization} and {@link Conv2D} (faster training paths, same weights and
 * serialization names as tfjs-layers').
 *
 * @module
 */
export {
  type ActivationName,
  type InitializerSpec,
  type QuantOptions,
  type QuantSettings,
  type ScaleMode,
  type ScaleShape,
} from "./options.ts";
export { BETA_MIN, isQuantLayer, QuantLayer } from "./common.ts";
export { clipCallback, clipLatentWeights, quantLayers } from "./clip.ts";
export { QuantConv2D, quantConv2d, type QuantConv2DArgs } from "./quant_conv2d.ts";
export { QuantDense, quantDense, type QuantDenseArgs } from "./quant_dense.ts";
export { Conv2D, conv2d, type Conv2DArgs } from "./conv2d.ts";
export {
  BatchNormalization,
  batchNormalization,
  type BatchNormalizationArgs,
} from "./batch_norm.ts";

/**
 * BNN+ Lab: binary neural networks on TensorFlow.js in Deno.
 *
 * @module
 */
export { tf } from "./tf.ts";
export * from "./quantizers.ts";
export * from "./regularizers.ts";
export {
  batches,
  type BatchOptions,
  benchIterator,
  type Dataset,
  loadDataset,
  type LoadOptions,
  syntheticDataset,
  toTensors,
} from "./data/mod.ts";

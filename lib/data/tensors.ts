/**
 * Turns a {@link Batch} into tensors (the only place in `lib/data/` that touches TensorFlow.js).
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { Batch } from "./batches.ts";

/** `{x: [size, H, W, C] float32, y: [size] int32}`; the caller disposes both. */
export function toTensors(batch: Batch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [h, w, c] = batch.shape;
  return {
    x: tf.tensor4d(batch.x, [batch.size, h, w, c], "float32"),
    y: tf.tensor1d(batch.y, "int32"),
  };
}

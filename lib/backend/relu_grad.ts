/**
 * A ReLU gradient that is one pass on the wasm backend: `dx = dy` where `x > 0`, else 0 (NaN where
 * `x` is NaN, as tfjs-core's `dy · step(x)`), computed by the native `relu_grad` kernel on the
 * pool's threads. tfjs-core's gradient makes two full-size kernels (`Step`, `Multiply`). On other
 * backends, or without the native pool, it is tfjs-core's formula.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { HeapBackend } from "./wasm_ops.ts";
import { nativeElementwise, nativePool } from "./native_kernels.ts";

/** `dy · step(x)` in one native pass on wasm, tfjs ops elsewhere. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const pool = nativePool();
  if (!pool || tf.getBackend() !== "wasm" || dy.dtype !== "float32" || x.dtype !== "float32") {
    return tf.mul(dy, tf.cast(tf.step(x), "float32"));
  }
  const b = tf.backend() as HeapBackend;
  const out = b.makeOutput(x.shape, "float32");
  nativeElementwise(b, "relu_grad", { inputs: [dy, x], out });
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** The gradient config registered for `Relu` by {@link registerReluGrad}. */
export const RELU_GRAD: tf.GradConfig = {
  kernelName: "Relu",
  inputsToSave: ["x"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
    x: () => reluGrad(dy as tf.Tensor, saved[0]),
  }),
};

/** Registers {@link RELU_GRAD} over tfjs-core's (idempotent). */
export function registerReluGrad(): void {
  if (tf.getGradient("Relu")?.gradFunc === RELU_GRAD.gradFunc) return;
  tf.registerGradient(RELU_GRAD);
}

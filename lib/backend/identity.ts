/**
 * `Identity` for the wasm backend without a copy: the output shares the input's data (reference
 * counted, as the cpu backend and wasm's own `Reshape` do). wasm's own kernel copies the whole
 * buffer, and autodiff / `customGrad` (every binarizing quantizer) / optimizers call it hundreds
 * of times per training step. Strings go to wasm's original kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";

/** A tensor record for `x`'s data (reference counted on `backend`), as dtype `dtype`. */
export function shareData(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  dtype: tf.DataType = x.dtype,
): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
}

/** Builds the sharing `Identity` on top of wasm's original kernel (used for strings). */
export function makeIdentity(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, backend } = kernelArgs<Present<tf.IdentityInputs>, unknown>(args);
    if (x.dtype === "string") return original(args);
    return shareData(backend, x);
  };
}

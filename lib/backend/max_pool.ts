/**
 * `MaxPool` for the wasm backend on the native pool's threads (`native/max_pool.c`), bit for bit
 * the values of wasm's own kernel (XNNPACK's f32 max-pooling, one thread): its operand order is
 * reproduced, so ties of +0 and −0 and NaNs come out as XNNPACK gives them. Windows of 2 to 9
 * elements, NHWC, float32, dilation 1; anything else, or no pool started, goes to wasm's kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapPointer, nativePool } from "./native_kernels.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";

/** The window sizes (elements) the native kernel reproduces: XNNPACK's first 9-element pass. */
export const NATIVE_MAX_POOL_TAPS = { min: 2, max: 9 } as const;

/** Builds the native `MaxPool` on top of wasm's original kernel. */
export function makeMaxPool(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, attrs, backend } = kernelArgs<
      Present<tf.MaxPoolInputs>,
      tf.MaxPoolAttrs
    >(args);
    const pool = nativePool();
    if (!pool || x.dtype !== "float32" || x.shape.length !== 4) return original(args);
    const info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const taps = info.filterHeight * info.filterWidth;
    if (taps < NATIVE_MAX_POOL_TAPS.min || taps > NATIVE_MAX_POOL_TAPS.max) return original(args);
    const out = backend.makeOutput(info.outShape, "float32");
    if (out.shape.includes(0) || x.shape.includes(0)) return out;
    const a = [heapPointer(backend, x), heapPointer(backend, out)];
    a.push(info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth);
    a.push(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth);
    a.push(info.padInfo.top, info.padInfo.left);
    pool.run("max_pool", { args: a, units: info.batchSize * info.outHeight });
    return out;
  };
}

/**
 * Elementwise wasm kernels on the native pool (`native_kernels.ts`), wrapped over wasm's own so
 * that every other case keeps wasm's kernel:
 *
 * - `FusedBatchNorm` (`tf.batchNorm`) with per-channel mean / variance / offset / scale:
 *   `y = (x − mean) · scale/√(var + ε) + offset` in one threaded pass (wasm's takes several ×).
 * - `Relu`: tfjs-wasm's own rule (XNNPACK's bitwise vrelu: sign bit set → +0), threaded.
 * - `Cast` to the dtype the tensor already has: shares the data instead of copying.
 *
 * Tensors under {@link NATIVE_MIN_SIZE} elements stay on wasm's kernels (call overhead). A native
 * `Multiply` was tried and dropped: no measurable gain on bench-vgg (wasm's own is fast enough
 * next to the handoff to the pool's threads).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";
import { shareData } from "./identity.ts";
import { nativeAffineRows, nativeElementwise, nativePool } from "./native_kernels.ts";

/** Smallest output (elements) sent to the native kernels. */
export const NATIVE_MIN_SIZE = 4096;

/** `FusedBatchNorm`'s inputs: x, mean and variance always; offset and scale when given. */
type BatchNormInputs =
  & Present<Pick<tf.FusedBatchNormInputs, "x" | "mean" | "variance">>
  & Pick<tf.FusedBatchNormInputs, "offset" | "scale">;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Whether `v` is a per-channel vector for the last axis of `x` (`[C]` or `[1, …, 1, C]`). */
export function isChannelVector(v: number[], x: number[]): boolean {
  const c = x[x.length - 1];
  return v.length >= 1 && v.length <= x.length && v[v.length - 1] === c &&
    v.slice(0, -1).every((d) => d === 1);
}

function eligible(x: tf.TensorInfo): boolean {
  return nativePool() !== undefined && x.dtype === "float32" && size(x.shape) >= NATIVE_MIN_SIZE;
}

/** Builds the project `FusedBatchNorm` on top of wasm's original `fallback`. */
export function makeFusedBatchNorm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend: h } = kernelArgs<BatchNormInputs, tf.FusedBatchNormAttrs>(args);
    const { x, mean, variance, offset, scale } = inputs;
    const eps = attrs.varianceEpsilon;
    const vectors = [mean, variance, offset, scale].filter((t) => t !== undefined);
    const ok = eligible(x) &&
      vectors.every((t) => t.dtype === "float32" && isChannelVector(t.shape, x.shape));
    if (!ok) return fallback(args);
    const c = x.shape[x.shape.length - 1];
    const out = h.makeOutput(x.shape, "float32");
    const s = h.makeOutput([c], "float32");
    // Views after every allocation: allocating may grow (and move) the heap.
    const sv = h.typedArrayFromHeap(s), vv = h.typedArrayFromHeap(variance);
    const gv = scale ? h.typedArrayFromHeap(scale) : undefined;
    for (let i = 0; i < c; i++) sv[i] = (gv ? gv[i] : 1) / Math.sqrt(vv[i] + eps);
    nativeAffineRows(h, { x, m: mean, s, t: offset, out, cols: c });
    h.disposeData(s.dataId);
    return out;
  };
}

/**
 * Builds the project `Relu` over wasm's `fallback`: wasm's own rule bit for bit (XNNPACK's f32
 * vrelu: a value with its sign bit set, −0 and negative NaNs included, becomes +0), threaded on
 * the native pool; wasm's own kernel runs on one thread.
 */
export function makeRelu(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, backend: h } = kernelArgs<Present<tf.ReluInputs>, object>(args);
    if (!eligible(x)) return fallback(args);
    const out = h.makeOutput(x.shape, "float32");
    nativeElementwise(h, "relu_fwd", { inputs: [x], out });
    return out;
  };
}

/** Builds the project `Cast` (no copy when the dtype does not change) over wasm's `fallback`. */
export function makeCast(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, attrs: { dtype }, backend } = kernelArgs<
      Present<tf.CastInputs>,
      tf.CastAttrs
    >(args);
    if (x.dtype !== dtype || dtype === "string") return fallback(args);
    return shareData(backend, x, dtype);
  };
}

/**
 * Elementwise wasm kernels on the native pool (`native_kernels.ts`), wrapped over wasm's own so
 * that every other case keeps wasm's kernel:
 *
 * - `FusedBatchNorm` (`tf.batchNorm`) with per-channel mean / variance / offset / scale:
 *   `y = (x − mean) · scale/√(var + ε) + offset` in one threaded pass (wasm's takes several ×).
 * - `Relu`: tfjs-wasm's own rule (XNNPACK's bitwise vrelu: sign bit set → +0), threaded.
 * - `Cast` to the dtype the tensor already has: shares the data instead of copying.
 *
 * - `Multiply`, `Add`, `Sub` of float32 tensors of at least {@link ARITH_MIN_SIZE} elements, both
 *   full, one a single value, or one a per-channel row: threaded (one IEEE operation per element,
 *   as wasm's). tfjs-wasm runs single-threaded beside the native pool (`init.ts`), and these are
 *   the weight-sized ops of large dense layers (AlexNet's 4096 × 4096 kernels: a 67 MB multiply
 *   took 11 ms on its one thread). Smaller ones stay on wasm's kernel: an earlier native `Multiply`
 *   for every size gained nothing on bench-vgg next to the handoff to the pool's threads.
 *
 * Tensors under {@link NATIVE_MIN_SIZE} elements stay on wasm's kernels (call overhead).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";
import { shareData } from "./identity.ts";
import {
  ELEMENT_BLOCK,
  heapPointer,
  nativeAffineRows,
  nativeElementwise,
  nativePool,
  rowBlock,
} from "./native_kernels.ts";

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

/** Smallest output (elements) of a `Multiply` / `Add` / `Sub` sent to the native pool. */
export const ARITH_MIN_SIZE = 1 << 18;

/** The operation codes of the native `arith` kernel (`native/elementwise.c`). */
const ARITH_OPS = { Multiply: 0, Add: 1, Sub: 2 } as const;

/**
 * Builds the project `Multiply`, `Add` or `Sub` over wasm's `fallback` (see the module doc); any
 * other dtype, size or broadcast runs wasm's.
 */
export function makeArith(kernel: keyof typeof ARITH_OPS): (f: tf.KernelFunc) => tf.KernelFunc {
  return (fallback) => (args) => {
    const { inputs: { a, b }, backend: h } = kernelArgs<Present<tf.BinaryInputs>, object>(args);
    if (nativePool() === undefined || a.dtype !== "float32" || b.dtype !== "float32") {
      return fallback(args);
    }
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = size(shape), na = size(a.shape), nb = size(b.shape);
    if (n < ARITH_MIN_SIZE) return fallback(args);
    const cols = shape[shape.length - 1];
    const mode = na === n && nb === n
      ? 0
      : na === 1 && nb === n
      ? 1
      : nb === 1 && na === n
      ? 2
      : nb === n && isChannelVector(a.shape, b.shape)
      ? 3
      : na === n && isChannelVector(b.shape, a.shape)
      ? 4
      : -1;
    if (mode < 0) return fallback(args);
    const out = h.makeOutput(shape, "float32");
    const block = mode <= 2 ? ELEMENT_BLOCK : rowBlock(cols);
    const units = Math.ceil((mode <= 2 ? n : n / cols) / block);
    const ptr = (t: tf.TensorInfo) => heapPointer(h, t);
    nativePool()!.run("arith", {
      args: [ptr(a), ptr(b), ptr(out), n, cols, mode, ARITH_OPS[kernel], block],
      units,
    });
    return out;
  };
}

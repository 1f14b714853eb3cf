/**
 * `Sum` / `Mean` for the wasm backend when the reduced axes are the leading ones (per-channel
 * reductions of batch-norm moments and gradients on NHWC tensors), computed by one pass over the
 * wasm heap (float64 accumulators): the native SIMD kernel `sum_rows` on the pool's threads when
 * started, else JavaScript. wasm's own kernels first transpose the whole
 * input to make the axes innermost, which costs more than the reduction itself. Every other case
 * goes to wasm's original kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present, type UntypedKernelArgs } from "./wasm_ops.ts";
import { nativeSumRows } from "./native_kernels.ts";

/** The number of leading axes `axis` reduces, or -1 if it is not a leading prefix. */
export function leadingAxes(axis: number | number[], rank: number): number {
  const axes = tf.util.parseAxisParam(axis, new Array(rank).fill(1));
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return -1;
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

function reduceLeading(
  args: UntypedKernelArgs,
  mean: boolean,
  fallback: tf.KernelFunc,
): tf.TensorInfo {
  // `Sum` and `Mean` have the same inputs and attributes; tfjs always passes `x`.
  const { inputs: { x }, attrs: { axis, keepDims }, backend: b } = kernelArgs<
    Present<tf.SumInputs | tf.MeanInputs>,
    tf.SumAttrs | tf.MeanAttrs
  >(args);
  const k = x.dtype === "float32" ? leadingAxes(axis, x.shape.length) : -1;
  if (k <= 0) return fallback(args) as tf.TensorInfo;
  const rest = x.shape.slice(k);
  const m = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const c = rest.reduce((p, d) => p * d, 1);
  if (m * c === 0) return fallback(args) as tf.TensorInfo;
  const shape = keepDims ? [...new Array(k).fill(1), ...rest] : rest;
  const native = b.makeOutput(shape, "float32");
  if (nativeSumRows(b, { x, out: native, rows: m, cols: c, mean })) return native;
  b.disposeData(native.dataId);
  const acc = new Float64Array(c);
  const src = b.typedArrayFromHeap(x);
  for (let i = 0, o = 0; i < m; i++, o += c) {
    for (let j = 0; j < c; j++) acc[j] += src[o + j];
  }
  const out = b.makeOutput(shape, "float32");
  const dst = b.typedArrayFromHeap(out); // after makeOutput: the heap may have grown
  const scale = mean ? 1 / m : 1;
  for (let j = 0; j < c; j++) dst[j] = acc[j] * scale;
  return out;
}

/** Builds the project `Sum` kernel on top of wasm's original `fallback`. */
export function makeSum(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => reduceLeading(args, false, fallback);
}

/** Builds the project `Mean` kernel on top of wasm's original `fallback`. */
export function makeMean(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => reduceLeading(args, true, fallback);
}

/**
 * `Slice` for the wasm backend, heap to heap. wasm's own kernel first copies the whole input out
 * of the heap into a fresh JavaScript array (`readSync`) and then copies the slice back in; on
 * this project's VMs the fresh array's page faults cost more than the copy (2.1 ms for the
 * 64-image batch that `model.predict` slices out of a 64×32×32×3 input, scratch timing). Here:
 *
 * - a slice that is the whole tensor shares the input's data (as `Identity` does, `identity.ts`);
 * - any other slice copies its contiguous runs straight from the input's heap region to the
 *   output's.
 *
 * Pure data movement, so bit-identical to wasm's kernel. Strings and other dtypes go to wasm's
 * original kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { shareData } from "./identity.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";

/** The dtypes whose data lives on the heap as one typed array (`typedArrayFromHeap`). */
const HEAP_DTYPES: ReadonlySet<tf.DataType> = new Set(["float32", "int32", "bool"]);

/** Runs shorter than this are copied element by element (no subarray per run). */
const SHORT_RUN = 16;

/** Builds the heap-to-heap `Slice` on top of wasm's original kernel (used for other dtypes). */
export function makeSlice(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { x }, attrs, backend } = kernelArgs<
      Present<tf.SliceInputs>,
      tf.SliceAttrs
    >(args);
    if (!HEAP_DTYPES.has(x.dtype)) return original(args);
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.TensorInfo as tf.Tensor,
      attrs.begin,
      attrs.size,
    );
    if (size.every((d, i) => d === x.shape[i])) return shareData(backend, x);
    const out = backend.makeOutput(size, x.dtype);
    if (size.includes(0)) return out;
    // Views after the last allocation (makeOutput may grow, and move, the heap).
    copyBox(
      backend.typedArrayFromHeap(x),
      x.shape,
      { begin, size },
      backend.typedArrayFromHeap(out),
    );
    return out;
  };
}

type Flat = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the box `begin … begin + size` of the row-major array `src` of `shape` into `dst`
 * (row-major, shape `size`). The trailing whole axes and the last partial one form one
 * contiguous run; the axes before it are walked like an odometer.
 */
export function copyBox(
  src: Flat,
  shape: readonly number[],
  box: { begin: readonly number[]; size: readonly number[] },
  dst: Flat,
): void {
  const { begin, size } = box;
  let k = shape.length - 1, inner = 1;
  while (k >= 0 && size[k] === shape[k]) inner *= shape[k--];
  if (k < 0) {
    dst.set(src.subarray(0, inner));
    return;
  }
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) strides[i] = s, s *= shape[i];
  const run = size[k] * inner;
  const idx = new Array<number>(k).fill(0);
  let runs = 1;
  for (let j = 0; j < k; j++) runs *= size[j];
  for (let n = 0, o = 0; n < runs; n++, o += run) {
    let off = begin[k] * strides[k];
    for (let j = 0; j < k; j++) off += (begin[j] + idx[j]) * strides[j];
    if (run < SHORT_RUN) { for (let t = 0; t < run; t++) dst[o + t] = src[off + t]; }
    else dst.set(src.subarray(off, off + run), o);
    for (let j = k - 1; j >= 0 && ++idx[j] === size[j]; j--) idx[j] = 0;
  }
}

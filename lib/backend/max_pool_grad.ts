/**
 * `MaxPoolGrad` for the wasm backend as one pass over the wasm heap (the native SIMD kernel
 * `max_pool_grad` on the pool's threads when started, else JavaScript): for every output
 * cell, find the first maximum of its input window (row-major order, strict `>`, the cpu
 * backend's rule, so ties such as ReLU zeros resolve the same way) and add `dy` there. wasm's own
 * kernel is several times slower on the NHWC tensors of a training step. NHWC, any window,
 * strides and padding.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { HeapBackend } from "./wasm_ops.ts";
import { nativeMaxPoolGrad } from "./native_kernels.ts";

/** The project `MaxPoolGrad` kernel for wasm. */
export function maxPoolGrad(
  args: {
    inputs: { dy: tf.TensorInfo; input: tf.TensorInfo };
    backend: HeapBackend;
    attrs: tf.MaxPoolGradAttrs;
  },
): tf.TensorInfo {
  const { dy, input } = args.inputs;
  const a = args.attrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } =
    info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, padInfo } = info;
  const b = args.backend;
  const out = b.makeOutput(input.shape, "float32");
  if (
    input.dtype === "float32" && nativeMaxPoolGrad(args.backend, { x: input, dy, dx: out, info })
  ) {
    return out;
  }
  // Views are taken after makeOutput: allocating may grow (and move) the heap.
  const x = b.typedArrayFromHeap(input), g = b.typedArrayFromHeap(dy);
  const dx = b.typedArrayFromHeap(out);
  dx.fill(0);
  let gi = 0;
  for (let bn = 0; bn < n; bn++) {
    const base = bn * h * w * c;
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - padInfo.top;
      const rMin = Math.max(0, r0), rMax = Math.min(h, r0 + fh);
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - padInfo.left;
        const qMin = Math.max(0, q0), qMax = Math.min(w, q0 + fw);
        for (let d = 0; d < c; d++, gi++) {
          let best = -Infinity, pos = -1;
          for (let rr = rMin; rr < rMax; rr++) {
            let idx = base + (rr * w + qMin) * c + d;
            for (let qq = qMin; qq < qMax; qq++, idx += c) {
              const v = x[idx];
              if (v > best) {
                best = v;
                pos = idx;
              }
            }
          }
          if (pos >= 0) dx[pos] += g[gi];
        }
      }
    }
  }
  return out;
}

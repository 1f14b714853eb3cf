/**
 * `BatchMatMul` for the wasm backend with transposed operands made explicit: wasm's kernel takes a
 * slow path for `transposeA` / `transposeB` (several times slower on the dense-layer gradient
 * shapes of a training step), so the operand is transposed first with wasm's `Transpose` and the
 * product runs untransposed (XNNPACK). Untransposed calls go straight to wasm's kernel.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present, wasmOps } from "./wasm_ops.ts";

/** Builds the project `BatchMatMul` on top of wasm's original `fallback`. */
export function makeBatchMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { a, b }, attrs: { transposeA, transposeB }, backend } = kernelArgs<
      Present<tf.BatchMatMulInputs>,
      tf.BatchMatMulAttrs
    >(args);
    if (!transposeA && !transposeB) return fallback(args);
    const o = wasmOps(backend);
    const swap = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [
        perm[perm.length - 1],
        perm[perm.length - 2],
      ];
      return o.transpose(t, perm);
    };
    const a2 = transposeA ? swap(a) : a, b2 = transposeB ? swap(b) : b;
    try {
      return fallback({
        ...args,
        inputs: { ...args.inputs, a: a2, b: b2 },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      o.free(transposeA ? a2 : undefined, transposeB ? b2 : undefined);
    }
  };
}

/**
 * `BatchMatMul` for the wasm backend with transposed operands made explicit: wasm's kernel takes a
 * slow path for `transposeA` / `transposeB` (several times slower on the dense-layer gradient
 * shapes of a training step), so the operand is transposed first with wasm's `Transpose` and the
 * product runs untransposed.
 *
 * The untransposed product runs on the native kernel pool (`matmul` in `native/matmul.c`) where
 * it is started: the same arithmetic as XNNPACK's f32 GEMM, which tfjs-wasm runs (per element
 * `acc = +0`, then `acc + a·b` with k ascending, product and sum each rounded), so the results are
 * bit for bit XNNPACK's, at full vector width. Without the pool, or for batch shapes it does not
 * take, wasm's own kernel (XNNPACK) runs.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapPointer, heapScratch, nativePool } from "./native_kernels.ts";
import { type HeapBackend, kernelArgs, type Present, wasmOps } from "./wasm_ops.ts";

/** Builds the project `BatchMatMul` on top of wasm's original `fallback`. */
export function makeBatchMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs: { a, b }, attrs: { transposeA, transposeB }, backend } = kernelArgs<
      Present<tf.BatchMatMulInputs>,
      tf.BatchMatMulAttrs
    >(args);
    if (!transposeA && !transposeB) return nativeMatMul(backend, a, b) ?? fallback(args);
    const o = wasmOps(backend);
    const swap = (t: tf.TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [
        perm[perm.length - 1],
        perm[perm.length - 2],
      ];
      return o.transpose(t, perm);
    };
    const a2 = transposeA ? swap(a) : a;
    try {
      // The native kernel reads a transposed B in place (no copy of a weight matrix).
      const native = nativeMatMul(backend, a2, b, { transposeB });
      if (native) return native;
      const b2 = transposeB ? swap(b) : b;
      try {
        return fallback({
          ...args,
          inputs: { ...args.inputs, a: a2, b: b2 },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        });
      } finally {
        o.free(transposeB ? b2 : undefined);
      }
    } finally {
      o.free(transposeA ? a2 : undefined);
    }
  };
}

/**
 * `a · b` (`a · bᵀ` with `transposeB`; float32) by the native `matmul` kernel, or undefined where
 * it does not apply: no native pool, another dtype, or batch dimensions that are neither equal to
 * the broadcast batch nor all 1 on one side.
 */
export function nativeMatMul(
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  options: { transposeB?: boolean } = {},
): tf.TensorInfo | undefined {
  const pool = nativePool();
  if (!pool || a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const tb = options.transposeB ?? false;
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = tb ? b.shape.slice(-2).reverse() : b.shape.slice(-2);
  if (k !== k2) return undefined; // tfjs-core has checked; let wasm's kernel say it if not
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const size = tf.util.sizeFromShape;
  const batch = size(batchShape), pa = size(batchA), pb = size(batchB);
  if ((pa !== batch && pa !== 1) || (pb !== batch && pb !== 1)) return undefined;
  const hb = backend as HeapBackend;
  // Allocations first: they may move the heap.
  const pack = tb ? heapScratch("matmul_pack", pool.threads * MATMUL_PACK_FLOATS * 4) : 0;
  const out = hb.makeOutput([...batchShape, m, n], "float32");
  if (batch * m * n === 0) return out;
  const args = [heapPointer(hb, a), heapPointer(hb, b), heapPointer(hb, out), pack, m, k, n];
  args.push(pa === 1 ? 0 : m * k, pb === 1 ? 0 : k * n, tb ? 1 : 0);
  pool.run("matmul", { args, units: batch * Math.ceil(n / MATMUL_UNIT_COLS) });
  return out;
}

/** Columns per work unit of the native `matmul` kernel (`UNIT_COLS` in `native/matmul.c`). */
const MATMUL_UNIT_COLS = 32;
/** Floats of one thread's packed block of a transposed B (`KB · UNIT_COLS` in `native/matmul.c`). */
const MATMUL_PACK_FLOATS = 256 * MATMUL_UNIT_COLS;

/**
 * The binarizing quantizers' forward sign and pseudo-gradients (`lib/quantizers.ts`) in one native
 * pass each (`native/quantizer_grad.c`, threaded on the native pool, on tfjs-wasm's heap in place)
 * instead of chains of 3 (sign), 4 (STE) or 15 (SignSwish) full-size tfjs kernels:
 *
 * - `sign_pm1`: `−step(−x, −1)`: +1 for x ≥ 0, −1 for x < 0;
 * - `ste_sign_grad`: `dy · float(|x| ≤ clip)`;
 * - `swish_sign_grad`: `dy · β·g(βx)` with quantizers.ts' overflow-free form of
 *   g(t) = (2 − t·tanh(t/2))/(1 + cosh t), whose Exp is musl's expf (`native/expf.h`: tfjs-wasm's
 *   `Exp` calls it).
 *
 * Each kernel performs the float32 operations of the chain it replaces, in the same order, so the
 * results are bit-identical to the chain on tfjs-wasm (tests/backend/quantizer_grad_test.ts), and
 * training is unchanged bit for bit. Each function returns `undefined` where it cannot run (another
 * backend, no native pool, not float32, shapes that differ); the caller then runs the tfjs chain.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { HeapBackend } from "./wasm_ops.ts";
import { heapScratch, nativeElementwise, nativeHeap, nativePool } from "./native_kernels.ts";

/**
 * musl's exp2f table (`src/math/exp2f_data.c`, from Arm's optimized-routines, MIT license):
 * `tab[i] = bits(2^(i/32)) − (i << 47)`. `native/expf.h` reads it from the heap (the wasm build
 * of the kernels may not carry data of its own).
 */
export const EXP2F_TABLE: readonly bigint[] = [
  0x3ff0000000000000n,
  0x3fefd9b0d3158574n,
  0x3fefb5586cf9890fn,
  0x3fef9301d0125b51n,
  0x3fef72b83c7d517bn,
  0x3fef54873168b9aan,
  0x3fef387a6e756238n,
  0x3fef1e9df51fdee1n,
  0x3fef06fe0a31b715n,
  0x3feef1a7373aa9cbn,
  0x3feedea64c123422n,
  0x3feece086061892dn,
  0x3feebfdad5362a27n,
  0x3feeb42b569d4f82n,
  0x3feeab07dd485429n,
  0x3feea47eb03a5585n,
  0x3feea09e667f3bcdn,
  0x3fee9f75e8ec5f74n,
  0x3feea11473eb0187n,
  0x3feea589994cce13n,
  0x3feeace5422aa0dbn,
  0x3feeb737b0cdc5e5n,
  0x3feec49182a3f090n,
  0x3feed503b23e255dn,
  0x3feee89f995ad3adn,
  0x3feeff76f2fb5e47n,
  0x3fef199bdd85529cn,
  0x3fef3720dcef9069n,
  0x3fef5818dcfba487n,
  0x3fef7c97337b9b5fn,
  0x3fefa4afa2a490dan,
  0x3fefd0765b6e4540n,
];

/** Writes {@link EXP2F_TABLE} to its heap scratch buffer (256 bytes); returns its offset. */
function expTable(memory: WebAssembly.Memory): number {
  const ptr = heapScratch("exp2f table", 8 * EXP2F_TABLE.length);
  new BigUint64Array(memory.buffer, ptr, EXP2F_TABLE.length).set(EXP2F_TABLE);
  return ptr;
}

/** The bits of `v` as a float32, as an int32 kernel argument. */
function f32Bits(v: number): number {
  return new Int32Array(new Float32Array([v]).buffer)[0];
}

let enabled = true;

/** Turns the fused quantizer kernels off (the tfjs chains run) or back on, for this process. */
export function setFusedQuantizers(on: boolean): void {
  enabled = on;
}

/** The wasm backend when the native pool can run on all of `ts`, else undefined. */
function heapBackend(...ts: tf.Tensor[]): HeapBackend | undefined {
  if (!enabled || nativePool() === undefined || tf.getBackend() !== "wasm") return undefined;
  if (ts.some((t) => t.dtype !== "float32" || t.size !== ts[0].size)) return undefined;
  return tf.backend() as HeapBackend;
}

/** Runs `name` over the elements of `inputs[0]` into a new float32 tensor of its shape. */
function run(
  b: HeapBackend,
  name: "sign_pm1" | "ste_sign_grad" | "swish_sign_grad",
  inputs: tf.Tensor[],
  extra: number[],
  scalars: number[],
): tf.Tensor {
  const out = b.makeOutput(inputs[0].shape, "float32");
  // Offsets are taken after makeOutput (allocating may grow the heap; offsets stay valid).
  nativeElementwise(b, name, { inputs, out, extra, scalars });
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** `sign(x)` (sign(0) = +1) in one pass, or undefined where it cannot run natively. */
export function fusedSign(x: tf.Tensor): tf.Tensor | undefined {
  const b = heapBackend(x);
  return b && run(b, "sign_pm1", [x], [], []);
}

/** STE: `dy · float(|x| ≤ clip)` in one pass, or undefined where it cannot run natively. */
export function fusedSteSignGrad(x: tf.Tensor, dy: tf.Tensor, clip: number): tf.Tensor | undefined {
  const b = heapBackend(x, dy);
  return b && run(b, "ste_sign_grad", [x, dy], [], [f32Bits(clip)]);
}

/**
 * SignSwish: `dy · β·g(βx)` in one pass (β a number), or undefined where it cannot run natively.
 */
export function fusedSwishSignGrad(
  x: tf.Tensor,
  dy: tf.Tensor,
  beta: number,
): tf.Tensor | undefined {
  const b = heapBackend(x, dy);
  const heap = nativeHeap();
  if (!b || !heap) return undefined;
  const tab = expTable(heap.memory);
  return run(b, "swish_sign_grad", [x, dy], [tab], [f32Bits(beta)]);
}

/**
 * The deploy engine's popcount kernel on the project's native library (`lib/backend/ffi.ts`:
 * AVX-512 VPOPCNTDQ where the CPU has it, else a vpshufb nibble-table popcount; AVX2 with
 * POPCNT), through Deno FFI, on the same memory layout as the wasm kernel (`wasm.ts`), so the
 * engine code is shared and the outputs (integers) are identical. One kernel call is one
 * synchronous FFI call on the calling thread (the engine's own threading stays as it is).
 *
 * Outside Deno, without FFI permission, with `BNN_NATIVE=0`, or where the library cannot load,
 * {@link createNativeKernel} returns the reason instead and the engine uses the wasm kernel.
 * Nothing here runs at import time, so the module is safe in browser bundles.
 *
 * @module
 */
import { loadNativeLibrary } from "../backend/ffi.ts";
import { memoryKernel, type PopcountKernel } from "./wasm.ts";

/** Byte offset where the kernel's data starts (offset 0 would be a NULL pointer argument). */
const START = 64;

let vpopcnt = true;

/**
 * Lets the AVX-512 build use VPOPCNTDQ where the CPU has it (the default), or keeps it on its
 * nibble-table popcount (tests compare the two).
 */
export function setDeployVpopcnt(allowed: boolean): void {
  vpopcnt = allowed;
}

/**
 * The native library's deploy kernels (`native/binary_gemm.c`), run by this module on its own
 * memory rather than by the training kernels' pool.
 */
export const DEPLOY_NATIVE_KERNELS = ["bin_gemm", "bin_threshold", "bin_im2col"] as const;

let pool: Deno.PointerObject | null | undefined;

/** The native popcount kernel, or a one-line reason why it cannot be used here. */
export function createNativeKernel(): PopcountKernel | string {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.dlopen === undefined) return "not running in Deno";
  let off = false;
  try {
    off = deno.env.get("BNN_NATIVE") === "0";
  } catch {
    // no env permission: the default (on)
  }
  if (off) return "BNN_NATIVE=0";
  const lib = loadNativeLibrary();
  if (typeof lib === "string") return lib;
  const [gemmId, thresholdId, im2colId] = DEPLOY_NATIVE_KERNELS.map((k) => lib.kernels.indexOf(k));
  if (gemmId < 0 || thresholdId < 0 || im2colId < 0) {
    return "the native library has no deploy kernels";
  }
  // One single-threaded pool per process (per worker), shared by its engines.
  pool ??= lib.symbols.bnn_pool_create(1);
  const handle = pool;
  if (handle === null) return "the native pool failed to start";
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const args = new Int32Array(16);
  let buffer: ArrayBufferLike | undefined;
  let base: Deno.PointerValue = null;
  const run = (id: number, a: number[], units: number) => {
    if (units <= 0) return;
    // The memory moves when it grows: take its address again after a grow.
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      base = Deno.UnsafePointer.of(new Uint8Array(memory.buffer));
    }
    args.set(a);
    if (lib.symbols.bnn_run(handle, id, base, args, a.length, units) !== 0) {
      throw new Error(`deploy native kernel: bnn_run rejected kernel ${lib.kernels[id]}`);
    }
  };
  const v = () => (vpopcnt ? 1 : 0);
  return memoryKernel(`native ${lib.variant}`, {
    memory,
    gemm: (a, p, b, m, kv, out) => run(gemmId, [a, b, out, m, kv, m, v()], p),
    gemm2: (a, p, b, m, kv, out, ldo) => run(gemmId, [a, b, out, m, kv, ldo, v()], p),
    threshold: (cnt, p, m, pos, out, cw) => run(thresholdId, [cnt, pos, 16, out, m, cw], p),
    im2col: (x, patch, g, rowWords) => {
      const a = [x, patch, g.h, g.w, g.cw, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow];
      run(im2colId, [...a, rowWords], g.oh * g.ow);
    },
  }, START);
}

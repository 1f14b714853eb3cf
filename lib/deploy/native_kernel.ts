/**
 * The deploy engine's popcount kernel on the project's native library (`lib/backend/ffi.ts`:
 * AVX-512 VPOPCNTDQ where the CPU has it, else a vpshufb nibble-table popcount; AVX2 with
 * POPCNT), through Deno FFI, on the engine's memory as the wasm kernel (`wasm.ts`, which holds
 * the engine code for both) with the weights in panels of 16 rows, plus sign packing, bit pooling
 * and the float first conv; the outputs (integers, or floats in `convFloat`'s order) are
 * identical. One kernel call is one synchronous FFI call on the calling thread (the engine's own
 * threading stays as it is).
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
 * The native library's deploy kernels (`native/binary_gemm.c`, `native/deploy_float.c`), run by
 * this module on its own memory rather than by the training kernels' pool.
 */
export const DEPLOY_NATIVE_KERNELS = [
  "bin_gemm_panel",
  "bin_gemm_panel_bits",
  "bin_im2col",
  "bin_sign_pack",
  "dep_conv_f64",
  "bin_pool_bits",
] as const;

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
  const ids = DEPLOY_NATIVE_KERNELS.map((k) => lib.kernels.indexOf(k));
  const [panelId, panelBitsId, im2colId, signPackId, convF64Id, poolBitsId] = ids;
  if (ids.some((id) => id < 0)) {
    return "the native library has no deploy kernels";
  }
  // One single-threaded pool per process (per worker), shared by its engines.
  pool ??= lib.symbols.bnn_pool_create(1);
  const handle = pool;
  if (handle === null) return "the native pool failed to start";
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const args = new Int32Array(24);
  let buffer: ArrayBufferLike | undefined;
  let base: Deno.PointerValue = null;
  const run = (id: number, a: number[], units: number) => {
    if (units <= 0) return;
    // The memory moves when it grows: take its address again after a grow.
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      base = Deno.UnsafePointer.of(new Uint8Array(memory.buffer));
    }
    if (a.length > args.length) {
      throw new Error(`deploy native kernel: ${lib.kernels[id]} has ${a.length} arguments`);
    }
    args.set(a);
    if (lib.symbols.bnn_run(handle, id, base, args, a.length, units) !== 0) {
      throw new Error(`deploy native kernel: bnn_run rejected kernel ${lib.kernels[id]}`);
    }
  };
  const v = () => (vpopcnt ? 1 : 0);
  const epsBits = new Float64Array(1), epsBits32 = new Int32Array(epsBits.buffer);
  return memoryKernel(`native ${lib.variant}`, {
    memory,
    panelGemm: (a, p, panels, m, kv, out) => run(panelId, [a, panels, out, m, kv, m, v()], p),
    panelGemmBits: (a, p, panels, m, kv, pos, out, cw) =>
      run(panelBitsId, [a, panels, pos, 16, out, m, kv, cw, v()], p),
    signPack: (x, out, positions, c, cw, eps) => {
      epsBits[0] = eps;
      run(signPackId, [x, out, c, cw, epsBits32[0], epsBits32[1]], positions);
    },
    convF64: (x, w, scale, shift, y, ties, g, cin, cout) => {
      const a = [x, w, scale, shift, y, ties.a, ties.b, ties.near, g.h, g.w, cin, cout, g.kh, g.kw];
      a.push(g.sh, g.sw);
      run(convF64Id, [...a, g.padTop, g.padLeft, g.ow], g.oh * g.ow);
    },
    poolBits: (x, out, orMask, g) => {
      const a = [x, out, orMask, g.h, g.w, g.cw, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft];
      run(poolBitsId, [...a, g.ow], g.oh * g.ow);
    },
    im2col: (x, patch, g, rowWords) => {
      const a = [x, patch, g.h, g.w, g.cw, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.ow];
      run(im2colId, [...a, rowWords], g.oh * g.ow);
    },
  }, START);
}

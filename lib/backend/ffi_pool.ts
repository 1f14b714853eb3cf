/**
 * The {@link NativePool} of the native library (`ffi.ts`): the same kernels as the wasm pool,
 * compiled for the CPU (AVX2 / AVX-512 / NEON), on the library's own pthread pool, run on
 * tfjs-wasm's heap in place. A kernel call is one synchronous FFI call (`bnn_run`): the heap's
 * base address, the kernel's i32 arguments (pointer arguments are heap offsets, as for wasm) and
 * the number of work units, split over the threads exactly as the wasm pool splits them.
 *
 * @module
 */
import { loadNativeLibrary, type NativeLibrary } from "./ffi.ts";
import { CTRL, type KernelName, type NativePool } from "./native_pool.ts";

/**
 * Starts a native pool of `threads` threads on `memory` (tfjs-wasm's heap, shared or not: the
 * native threads need no shared memory). Returns the pool, or a one-line reason why the native
 * library cannot be used.
 */
export function startFfiPool(
  memory: WebAssembly.Memory,
  options: { threads: number },
): NativePool | string {
  const lib = loadNativeLibrary();
  if (typeof lib === "string") return lib;
  const handle = lib.symbols.bnn_pool_create(Math.max(1, options.threads));
  if (handle === null) return "the native pool failed to start its threads";
  return ffiPool(lib, { memory, handle });
}

function ffiPool(
  lib: NativeLibrary,
  options: { memory: WebAssembly.Memory; handle: Deno.PointerObject },
): NativePool {
  const { memory, handle } = options;
  const ids = new Map(lib.kernels.map((name, i) => [name, i]));
  const args = new Int32Array(CTRL.size - CTRL.args);
  let buffer: ArrayBufferLike | undefined;
  let base: Deno.PointerValue = null;
  return {
    threads: lib.symbols.bnn_pool_threads(handle),
    isa: lib.variant,
    run(fn: KernelName, { args: a, units }) {
      const id = ids.get(fn);
      if (id === undefined) throw new Error(`native pool: the native library has no kernel ${fn}`);
      if (a.length > args.length) {
        throw new Error(`native pool: ${fn} has ${a.length} arguments, at most ${args.length}`);
      }
      // A plain (non-shared) heap moves when it grows: take its address again after a grow.
      if (memory.buffer !== buffer) {
        buffer = memory.buffer;
        base = Deno.UnsafePointer.of(new Uint8Array(buffer));
      }
      args.set(a);
      if (lib.symbols.bnn_run(handle, id, base, args, a.length, units) !== 0) {
        throw new Error(`native pool: bnn_run rejected ${fn} (${a.length} arguments)`);
      }
    },
  };
}

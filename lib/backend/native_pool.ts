/**
 * A pool of threads for the project's own wasm kernels (`native/*.c`, compiled with clang to
 * wasm SIMD128). With the threaded tfjs-wasm build the heap is a shared `WebAssembly.Memory`, so
 * each thread instantiates the kernel module on that same heap and reads tensors in place: no
 * copies. The main thread writes a job (function, arguments, number of work units) into a control
 * block on the heap, wakes the workers with `Atomics.notify`, runs its own share and waits for
 * theirs. Units are split in contiguous, near-equal ranges; a kernel call computes its range's
 * output completely, so threads never write the same bytes.
 *
 * @module
 */
import wt from "node:worker_threads";

/** Int32 slots of the control block. */
export const CTRL = {
  /** Incremented by the main thread to start a job. */
  seq: 0,
  /** Workers that finished the current job. */
  done: 1,
  /** Index of the exported function in {@link KERNEL_EXPORTS}. */
  fn: 2,
  /** Total work units of the job. */
  units: 3,
  /** Threads sharing the job (main + workers). */
  threads: 4,
  /** Number of arguments before the unit range. */
  argc: 5,
  /** First argument. */
  args: 8,
  /** Block size in Int32s. */
  size: 64,
} as const;

/** The kernel functions, by index, every kernel module exports. */
export const KERNEL_EXPORTS = [
  "conv_bpf",
  "conv_fwd",
  "wino_filter",
  "wino_conv",
  "wino4_filter",
  "wino4_conv",
  "wino_bpf",
  "wino_bpf_out",
  "wino4_bpf",
  "wino4_bpf_out",
  "sum_rows",
  "matmul",
  "max_pool_grad",
  "affine_rows",
  "moments_rows",
  "bn_grad_sums",
  "bn_grad_apply",
  "relu_grad",
  "relu_fwd",
  "arith",
  "sign_pm1",
  "ste_sign_grad",
  "swish_sign_grad",
  "adam_update",
  "bin_pack",
  "bin_pack_filter",
  "bin_conv",
  "max_pool",
  "flip_filter",
] as const;

/** One of {@link KERNEL_EXPORTS}. */
export type KernelName = typeof KERNEL_EXPORTS[number];

/** The unit range `[u0, u1)` of thread `index` among `threads` for `units` units. */
export function shareOf(units: number, options: { threads: number; index: number }): number[] {
  const { threads, index } = options;
  return [Math.floor((units * index) / threads), Math.floor((units * (index + 1)) / threads)];
}

/** Runs thread `index`'s share of the job in `ctrl` with `instance`'s exports. */
export function runShare(
  instance: WebAssembly.Instance,
  options: { ctrl: Int32Array; index: number },
): void {
  const { ctrl, index } = options;
  const fn = instance.exports[KERNEL_EXPORTS[ctrl[CTRL.fn]]] as (...a: number[]) => void;
  const args = Array.from(ctrl.subarray(CTRL.args, CTRL.args + ctrl[CTRL.argc]));
  const [u0, u1] = shareOf(ctrl[CTRL.units], { threads: ctrl[CTRL.threads], index });
  // Every kernel gets (u0, u1, thread index); a wasm export ignores arguments beyond its own.
  if (u1 > u0) fn(...args, u0, u1, index);
}

/** Runs kernels of one module on the wasm heap, split over the pool's threads. */
export interface NativePool {
  /** Threads used per call, the main thread included. */
  readonly threads: number;
  /** What runs the kernels: "wasm SIMD128" here, e.g. "x86-64 AVX-512" for the FFI pool. */
  readonly isa: string;
  /** Runs `fn(...args, u0, u1)` over `units` work units on all threads; returns when done. */
  run(fn: KernelName, options: { args: number[]; units: number }): void;
}

/** What the pool needs of the emscripten module of tfjs-wasm. */
export interface HeapModule {
  /** The module's memory (shared for the threaded build). */
  memory: WebAssembly.Memory;
  /** Allocates `n` bytes on the heap (the control block, never freed). */
  malloc(n: number): number;
}

/**
 * Starts `threads − 1` worker threads (unref'ed: they never keep the process alive) running
 * `bytes` on `heap`. With `threads` = 1, or a memory that is not shared, every call runs on the
 * calling thread.
 */
export async function startNativePool(
  heap: HeapModule,
  options: { bytes: Uint8Array; threads: number },
): Promise<NativePool> {
  const { bytes } = options;
  const shared = heap.memory.buffer instanceof SharedArrayBuffer;
  const threads = shared ? Math.max(1, options.threads) : 1;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
    env: { memory: heap.memory },
  });
  const ptr = heap.malloc(CTRL.size * 4);
  const workers: wt.Worker[] = [];
  for (let index = 1; index < threads; index++) {
    const w = new wt.Worker(new URL("./native_worker.ts", import.meta.url));
    const ready = new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
    });
    w.postMessage({ memory: heap.memory, bytes, ctrl: ptr, index });
    await ready;
    w.unref();
    workers.push(w);
  }
  const ctrlView = () => new Int32Array(heap.memory.buffer, ptr, CTRL.size);
  return {
    threads,
    isa: "wasm SIMD128",
    run(fn, { args, units }) {
      if (args.length > CTRL.size - CTRL.args) {
        throw new Error(
          `native pool: ${fn} has ${args.length} arguments, at most ${CTRL.size - CTRL.args}`,
        );
      }
      const ctrl = ctrlView();
      ctrl[CTRL.fn] = KERNEL_EXPORTS.indexOf(fn);
      ctrl[CTRL.units] = units;
      ctrl[CTRL.threads] = threads;
      ctrl[CTRL.argc] = args.length;
      ctrl.set(args, CTRL.args);
      if (threads > 1) {
        Atomics.store(ctrl, CTRL.done, 0);
        Atomics.add(ctrl, CTRL.seq, 1);
        Atomics.notify(ctrl, CTRL.seq);
      }
      runShare(instance, { ctrl, index: 0 });
      if (threads === 1) return; // no workers (and Atomics.wait needs a shared memory)
      let done: number;
      while ((done = Atomics.load(ctrl, CTRL.done)) < threads - 1) {
        Atomics.wait(ctrl, CTRL.done, done);
      }
    },
  };
}

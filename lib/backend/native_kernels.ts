/**
 * The project's own training kernels (`native/*.c`, built by `tools/build_kernels.sh` for the CPU
 * as a native library, `ffi_pool.ts`, and as wasm SIMD128, `native_pool.ts`), run on tfjs-wasm's
 * heap in place and split over the {@link NativePool}'s threads. Both builds give bit-identical
 * results for the same thread count (docs/native_kernels.md).
 *
 * - `conv_fwd`, `wino_filter`, `wino_conv`: forward convolutions, driven by `native_conv.ts`.
 * - `conv_bpf`: Conv2DBackpropFilter, `dW[ky,kx,c,o] = Σ_{b,oy,ox} x[b, oy·sh+ky−pt,
 *   ox·sw+kx−pl, c] · dy[b,oy,ox,o]`, NHWC, any stride / padding / kernel size, 4 × 8
 *   register tiles. XNNPACK has no AᵀB product: every formulation with its convolution or
 *   matmul repacks a full-size operand as "weights" on each call, single-threaded.
 * - `sum_rows`: per-column sums / means of a `[rows, cols]` matrix with float64 accumulators
 *   (batch-norm moments and gradients), 16 columns per work unit.
 * - `max_pool_grad`: MaxPoolGrad, first maximum of each window (strict `>`, tfjs cpu's rule),
 *   one image per work unit.
 * - `max_pool`: MaxPool in XNNPACK's operand order (`max_pool.ts`), one output row per unit.
 * - `flip_filter`: the flipped, transposed filter of Conv2DBackpropInput, one tap per unit.
 * - `affine_rows`: per-channel `(x − m)·s + t` (the `FusedBatchNorm` of `elementwise.ts`),
 *   blocks of 16 Ki elements per unit.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { type KernelName, type NativePool, startNativePool } from "./native_pool.ts";
import { startFfiPool } from "./ffi_pool.ts";
import type { HeapBackend } from "./wasm_ops.ts";

let pool: NativePool | undefined;
let heap: { memory: WebAssembly.Memory; malloc(n: number): number } | undefined;
let starting: Promise<NativeKernelsStart> | undefined;

interface EmscriptenModule {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
  _malloc(n: number): number;
}

/** The kernel bytes for a shared (threaded build) or plain memory. */
export function nativeKernelBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const file = shared ? "kernels.wasm" : "kernels.single.wasm";
  return Deno.readFileSync(new URL(`./native/${file}`, import.meta.url));
}

/** Which build of the kernels runs: the native library (FFI) or the wasm module. */
export type KernelPath = "native" | "wasm";

/** What {@link startNativeKernels} started. */
export interface NativeKernelsStart {
  /** The active pool (none when the kernels are off or the heap cannot be reached). */
  pool?: NativePool;
  /** Why the native library is not used although it was not turned off (one line). */
  notice?: string;
}

const pools: Partial<Record<KernelPath, NativePool>> = {};
let wasmPoolThreads = 1;

/**
 * Starts the project's kernels on the active wasm backend's heap: the native library (FFI,
 * `ffi_pool.ts`) with `threads` threads unless `BNN_NATIVE=0` or it cannot load here (then a
 * `notice`), else the wasm module with `wasmThreads` threads (the main thread included; 1 unless
 * the heap is shared). Idempotent. No pool when the wasm backend is not active, its heap cannot be
 * reached, or `BNN_NATIVE_KERNELS=0` (then the XNNPACK formulations run, e.g. to compare).
 */
export function startNativeKernels(
  options: { threads: number; wasmThreads: number },
): Promise<NativeKernelsStart> {
  starting ??= (async () => {
    if (Deno.env.get("BNN_NATIVE_KERNELS") === "0") return {};
    const m = (tf.findBackend("wasm") as unknown as { wasm?: EmscriptenModule } | null)?.wasm;
    const memory = m?.wasmMemory ?? m?.asm?.memory;
    if (!m || !memory) return {};
    // Emscripten's _malloc returns an i32: an address at or above 2 GiB comes back negative.
    heap = { memory, malloc: (n) => heapAddress(m._malloc(n), n) };
    wasmPoolThreads = options.wasmThreads;
    let notice: string | undefined;
    if (Deno.env.get("BNN_NATIVE") !== "0") {
      const p = startFfiPool(memory, { threads: options.threads });
      if (typeof p === "string") notice = p;
      else pools.native = p;
    }
    pool = pools.native ?? await startWasmKernels();
    return { pool, notice };
  })();
  return starting;
}

async function startWasmKernels(): Promise<NativePool | undefined> {
  if (pools.wasm || !heap) return pools.wasm;
  const shared = heap.memory.buffer instanceof SharedArrayBuffer;
  const bytes = nativeKernelBytes(shared);
  if (!WebAssembly.validate(bytes)) {
    console.warn(
      "native kernels: this runtime cannot compile them (wasm relaxed SIMD is needed); " +
        "using the XNNPACK formulations",
    );
    return undefined;
  }
  pools.wasm = await startNativePool(heap, { bytes, threads: shared ? wasmPoolThreads : 1 });
  return pools.wasm;
}

/**
 * Makes `path` the kernels' build from now on (tests and benchmarks compare the two) and
 * returns its pool, or undefined when that build cannot run here (the active one is kept).
 * Call after `initBackend`.
 */
export async function useKernelPath(path: KernelPath): Promise<NativePool | undefined> {
  if (!starting) return undefined;
  await starting;
  const p = path === "native" ? pools.native : await startWasmKernels();
  if (p) pool = p;
  return p;
}

/** The build of the active pool, if any. */
export function kernelPath(): KernelPath | undefined {
  return pool === undefined ? undefined : pool === pools.native ? "native" : "wasm";
}

/** The heap the pool runs on (tfjs-wasm's memory and allocator), once started. */
export function nativeHeap():
  | { memory: WebAssembly.Memory; malloc(n: number): number }
  | undefined {
  return heap;
}

/** Heap scratch buffers by name and heap, grown on demand (the pool runs one job at a time). */
const scratch = new Map<string, { ptr: number; bytes: number; memory: WebAssembly.Memory }>();

/**
 * The heap address `ptr` returned by `_malloc` for `bytes` bytes, as an unsigned number (wasm32
 * addresses reach 4 GiB; `_malloc` returns them as i32). Throws when the heap is exhausted (0).
 */
export function heapAddress(ptr: number, bytes: number): number {
  if (ptr === 0 && bytes > 0) {
    throw new Error(
      `native kernels: the wasm heap has no room for ${bytes} more bytes (4 GiB at most)`,
    );
  }
  return ptr >>> 0;
}

/**
 * A scratch buffer of at least `bytes` bytes on the kernels' heap (8-byte aligned), reused by
 * every call with the same `name`: packed operands, scalar blocks, tables. Allocating may grow
 * (and move) the heap: take tensor offsets and views after it.
 */
export function heapScratch(name: string, bytes: number): number {
  if (!heap) throw new Error(`native kernels: no heap for scratch buffer '${name}' (not started)`);
  let s = scratch.get(name);
  if (!s || s.bytes < bytes || s.memory !== heap.memory) {
    const size = Math.max(bytes, 4096);
    s = { ptr: Math.ceil(heap.malloc(size + 8) / 8) * 8, bytes: size, memory: heap.memory };
    scratch.set(name, s);
  }
  return s.ptr;
}

/** The started pool, if any (kernels fall back to XNNPACK formulations without it). */
export function nativePool(): NativePool | undefined {
  return pool;
}

/** Heap pointer of `t` on `backend`. */
export function heapPointer(backend: HeapBackend, t: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error("native kernel: tensor is not on the wasm backend");
  return d.memoryOffset;
}

/**
 * Conv2DBackpropFilter with the native kernel: `x` [N,H,W,Ci], `dy` [N,Ho,Wo,Co], filter
 * `[kh,kw,Ci,Co]`. Returns undefined when no pool is started.
 */
export function nativeConvBackpropFilter(
  backend: tf.KernelBackend,
  options: { x: tf.TensorInfo; dy: tf.TensorInfo; info: tf.backend_util.Conv2DInfo },
): tf.TensorInfo | undefined {
  if (!pool) return undefined;
  const { x, dy, info } = options;
  const b = backend as HeapBackend;
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const out = b.makeOutput([kh, kw, ci, co], "float32");
  // Pointers after makeOutput: allocating may grow the heap (offsets stay valid).
  const args = [heapPointer(b, x), heapPointer(b, dy), heapPointer(b, out), n, h, w, ci, ho, wo];
  args.push(co, kh, kw, sh, sw, padInfo.top, padInfo.left);
  pool.run("conv_bpf", { args, units: kh * kw * Math.ceil(ci / 4) });
  return out;
}

/**
 * Per-column sums (or means) of `x` seen as `[rows, cols]` into the float32 output `out` of
 * `cols` values. Returns false (nothing done) when no pool is started.
 */
export function nativeSumRows(
  backend: tf.KernelBackend,
  options: { x: tf.TensorInfo; out: tf.TensorInfo; rows: number; cols: number; mean: boolean },
): boolean {
  if (!pool) return false;
  const b = backend as HeapBackend;
  const { rows, cols } = options;
  const args = [heapPointer(b, options.x), heapPointer(b, options.out), rows, cols];
  pool.run("sum_rows", { args: [...args, options.mean ? 1 : 0], units: Math.ceil(cols / 16) });
  return true;
}

/**
 * MaxPoolGrad into `dx` (same shape as the input `x`, NHWC) from `dy`. Returns false (nothing
 * done) when no pool is started.
 */
export function nativeMaxPoolGrad(
  backend: tf.KernelBackend,
  options: {
    x: tf.TensorInfo;
    dy: tf.TensorInfo;
    dx: tf.TensorInfo;
    info: tf.backend_util.Conv2DInfo;
  },
): boolean {
  if (!pool) return false;
  const b = backend as HeapBackend;
  const { info } = options;
  const args = [heapPointer(b, options.x), heapPointer(b, options.dy), heapPointer(b, options.dx)];
  args.push(info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth);
  args.push(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth);
  args.push(info.padInfo.top, info.padInfo.left);
  pool.run("max_pool_grad", { args, units: info.batchSize });
  return true;
}

/**
 * The filter of the transposed convolution (`[kh, kw, a, c]` → `[kh, kw, c, a]`, both spatial
 * axes reversed), the same bits as `wasmOps(backend).flipFilter(filter, { swapIO: true })`, on
 * the pool's threads. Returns undefined (nothing done) when no pool is started or the filter is
 * not float32.
 */
export function nativeFlipFilter(
  backend: tf.KernelBackend,
  filter: tf.TensorInfo,
): tf.TensorInfo | undefined {
  if (!pool || filter.dtype !== "float32" || filter.shape.length !== 4) return undefined;
  const b = backend as HeapBackend;
  const [kh, kw, a, c] = filter.shape;
  const out = b.makeOutput([kh, kw, c, a], "float32");
  if (kh * kw * a * c === 0) return out;
  pool.run("flip_filter", {
    args: [heapPointer(b, filter), heapPointer(b, out), kh * kw, a, c],
    units: kh * kw,
  });
  return out;
}

/** Elements per work unit of the elementwise kernels. */
export const ELEMENT_BLOCK = 16384;

/**
 * Runs the elementwise kernel `name(inputs…, out, extra…, n, scalars…, block, u0, u1)` over the
 * `n` elements of `out`, in work units of {@link ELEMENT_BLOCK} elements (any thread split gives
 * the same bits). `extra`: further heap offsets; `scalars`: int32 arguments (e.g. float32 bits).
 * Returns false when no pool is started.
 */
export function nativeElementwise(
  backend: tf.KernelBackend,
  name: KernelName,
  options: { inputs: tf.TensorInfo[]; out: tf.TensorInfo; extra?: number[]; scalars?: number[] },
): boolean {
  if (!pool) return false;
  const b = backend as HeapBackend;
  const n = options.out.shape.reduce((a, d) => a * d, 1);
  const args = [...options.inputs.map((t) => heapPointer(b, t)), heapPointer(b, options.out)];
  args.push(...(options.extra ?? []), n, ...(options.scalars ?? []), ELEMENT_BLOCK);
  if (n > 0) pool.run(name, { args, units: Math.ceil(n / ELEMENT_BLOCK) });
  return true;
}

/** Rows of `cols` elements per work unit of the row-wise elementwise kernels (at least 1). */
export function rowBlock(cols: number): number {
  return Math.max(1, Math.floor(ELEMENT_BLOCK / cols));
}

/**
 * `out[r, c] = (x[r, c] − m[c]) · s[c] + t[c]` over `x` seen as `[rows, cols]`; `m` and `t` are
 * optional (0). Returns false when no pool is started.
 */
export function nativeAffineRows(
  backend: tf.KernelBackend,
  options: {
    x: tf.TensorInfo;
    m?: tf.TensorInfo;
    s: tf.TensorInfo;
    t?: tf.TensorInfo;
    out: tf.TensorInfo;
    cols: number;
  },
): boolean {
  if (!pool) return false;
  const p = backend as HeapBackend;
  const { x, m, s, t, out, cols } = options;
  const rows = x.shape.reduce((a, b) => a * b, 1) / cols;
  const block = rowBlock(cols);
  const ptr = (i?: tf.TensorInfo) => (i ? heapPointer(p, i) : 0);
  const args = [ptr(x), ptr(m), ptr(s), ptr(t), ptr(out), rows, cols, block];
  pool.run("affine_rows", { args, units: Math.ceil(rows / block) });
  return true;
}

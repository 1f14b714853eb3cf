/**
 * Forward convolutions on the native pool (`native_kernels.ts`), NHWC, float32, with relaxed-SIMD
 * fused multiply-add (x86 FMA3: twice the multiply-then-add peak XNNPACK's wasm SIMD128 kernels
 * are limited to):
 *
 * - direct (`native/conv_fwd.c`): `y[b,oy,ox,o] = act(bias[o] + Σ_{ky,kx,c} x[b, oy·sh+ky−pt,
 *   ox·sw+kx−pl, c] · w[ky,kx,c,o])` for any stride, padding and kernel size, in 2 pixels × 16
 *   channels register tiles;
 * - Winograd (Lavin & Gray, CVPR 2016) for 3×3 stride-1 convs with Ci a multiple of 4 and
 *   Ci, Co ≥ 16, as GEMMs over blocks of tiles that stay in each thread's cache:
 *   F(4×4, 3×3) (`native/winograd4.c`, 36 products per 4×4 output tile and channel pair instead
 *   of 144) where the output is at least 4×4, else F(2×2, 3×3) (`native/winograd.c`, 16 instead
 *   of 36; its transforms only add, subtract and halve). Both agree with the direct sum to float32
 *   rounding; F(4×4) has larger transform coefficients (up to 8 and 1/24), and the tests hold both
 *   to ≤ 1e-4 relative to the cpu backend.
 *
 * Both take an optional bias and ReLU (the `FusedConv2D` cases) and read zeros outside `x`.
 *
 * {@link nativeWinogradBackpropFilter} computes `Conv2DBackpropFilter` of such a conv (Ci, Co
 * multiples of 4) through the same identities (`native/winograd_bpf.c`, `winograd4_bpf.c`): the
 * forward output is linear in `U = G g Gᵀ`, so `dU[p] = Σ_tiles (A dY Aᵀ)[p] · (Bᵀ d B)[p]`
 * (16 or 36 GEMMs, one accumulator per thread, summed at the end) and `dW = Gᵀ dU G`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapPointer, nativeHeap, nativePool } from "./native_kernels.ts";
import type { HeapBackend } from "./wasm_ops.ts";

/**
 * Which algorithm {@link nativeConv2D} uses: "winograd" is F(2×2, 3×3), "winograd4" F(4×4, 3×3);
 * "auto" picks F(4×4) where Winograd applies and the output is at least 4×4, F(2×2) where it
 * applies otherwise, else direct.
 */
export type ConvAlgorithm = "auto" | "direct" | "winograd" | "winograd4";

/** Heap scratch buffers by name, grown on demand (the pool runs one job at a time). */
const scratch = new Map<string, { ptr: number; floats: number }>();

/** Makes scratch `name` hold at least `floats` floats (zeroed when grown); returns its pointer. */
function reserve(name: string, floats: number): number {
  const heap = nativeHeap();
  if (!heap) throw new Error("native conv: no heap");
  let s = scratch.get(name);
  if (!s || s.floats < floats) {
    s = { ptr: heap.malloc(Math.max(floats, 1024) * 4), floats: Math.max(floats, 1024) };
    scratch.set(name, s);
    new Float32Array(heap.memory.buffer, s.ptr, s.floats).fill(0);
  }
  return s.ptr;
}

/** A view of `count` floats at heap pointer `ptr` (take views only after the last allocation). */
function floats(ptr: number, count: number): Float32Array {
  return new Float32Array(nativeHeap()!.memory.buffer, ptr, count);
}

/** Whether Winograd F(2×2, 3×3) computes a conv of this geometry under "auto". */
export function winogradApplies(
  g: { kh: number; kw: number; sh: number; sw: number; ci: number; co: number },
): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.ci % 4 === 0 &&
    g.ci >= 16 && g.co >= 16;
}

/** Options of {@link nativeConv2D}. */
export interface NativeConvOptions {
  /** Input [N,H,W,Ci]. */
  x: tf.TensorInfo;
  /** Filter [kh,kw,Ci,Co]. */
  filter: tf.TensorInfo;
  /** Optional bias of Co values. */
  bias?: tf.TensorInfo;
  /** Applies ReLU after the bias. */
  relu?: boolean;
  /** Output height and width. */
  out: [number, number];
  /** Strides [sh, sw]. */
  strides: [number, number];
  /** Top and left padding (rows/columns outside `x` read 0). */
  pad: [number, number];
  /** Default "auto"; "winograd" throws where it does not apply (3×3, stride 1, Ci % 4 = 0). */
  algorithm?: ConvAlgorithm;
}

/** Conv2D on the native pool (see the module doc). Returns undefined when no pool is started. */
export function nativeConv2D(
  backend: tf.KernelBackend,
  options: NativeConvOptions,
): tf.TensorInfo | undefined {
  const pool = nativePool();
  if (!pool) return undefined;
  const [kh, kw, ci, co] = options.filter.shape;
  const [sh, sw] = options.strides;
  const [ho, wo] = options.out;
  let algorithm = options.algorithm ?? "auto";
  if (algorithm === "auto") {
    algorithm = !winogradApplies({ kh, kw, sh, sw, ci, co })
      ? "direct"
      : ho >= 4 && wo >= 4
      ? "winograd4"
      : "winograd";
  }
  const b = backend as HeapBackend;
  if (algorithm === "direct") return direct(b, options);
  if (!(kh === 3 && kw === 3 && sh === 1 && sw === 1 && ci % 4 === 0)) {
    throw new Error(
      `nativeConv2D: algorithm "${algorithm}" needs a 3×3 kernel, stride 1 and Ci % 4 = 0; got ` +
        `kernel ${kh}×${kw}, strides ${sh},${sw}, Ci ${ci}`,
    );
  }
  return winograd(b, { ...options, tile: algorithm === "winograd4" ? 4 : 2 });
}

function direct(b: HeapBackend, options: NativeConvOptions): tf.TensorInfo {
  const { x, filter, bias, out: [ho, wo], strides: [sh, sw], pad: [pt, pl] } = options;
  const [n, h, w, ci] = x.shape;
  const [kh, kw, , co] = filter.shape;
  const rows = kh * kw * ci, rem = co % 4;
  // Every allocation before any view: a growing non-shared heap detaches older views.
  const zeros = reserve("zeros", ci);
  const tail = rem ? reserve("tail", rows * 4 + 4) : 0;
  const y = b.makeOutput([n, ho, wo, co], "float32");
  if (rem) {
    // The last co % 4 filter columns zero-padded to 4, then the matching bias values.
    const t = floats(tail, rows * 4 + 4).fill(0), o0 = co - rem;
    const wv = floats(heapPointer(b, filter), rows * co);
    for (let r = 0; r < rows; r++) {
      for (let o = o0; o < co; o++) t[r * 4 + o - o0] = wv[r * co + o];
    }
    const bv = bias && floats(heapPointer(b, bias), co);
    for (let o = o0; o < co && bv; o++) t[rows * 4 + o - o0] = bv[o];
  }
  const args = [heapPointer(b, x), heapPointer(b, filter), bias ? heapPointer(b, bias) : 0];
  args.push(heapPointer(b, y), zeros, tail, h, w, ci, ho, wo, co, kh, kw, sh, sw, pt, pl);
  nativePool()!.run("conv_fwd", { args: [...args, options.relu ? 1 : 0], units: n * ho });
  return y;
}

/** F(tile×tile, 3×3) Winograd (tile 2 or 4). */
function winograd(b: HeapBackend, options: NativeConvOptions & { tile: 2 | 4 }): tf.TensorInfo {
  const pool = nativePool()!;
  const { x, filter, bias, out: [ho, wo], pad: [pt, pl], tile } = options;
  const [n, h, w, ci] = x.shape;
  const co = filter.shape[3], co4 = Math.ceil(co / 4) * 4;
  const positions = (tile + 2) ** 2;
  // Tiles per block: 16, 24 or 32 (whole 8-row register tiles of the AVX-512 GEMM), V and M of
  // one block (positions·block·(Ci+Co4) floats) near 512 KiB, in each thread's L2. (At 6 tiles
  // per block, 128 → 128 channels ran at half the GEMM speed.) Results do not depend on it.
  const fit = Math.floor(131072 / positions / (ci + co4) / 8);
  const block = 8 * Math.max(2, Math.min(4, fit));
  const vps = positionStride(block * ci), mps = positionStride(block * co4);
  const ups = positionStride(ci * co4);
  const slot = positions * (vps + mps);
  const tiles = n * Math.ceil(ho / tile) * Math.ceil(wo / tile);
  const u = reserve("wino_u", positions * ups);
  const bias4 = bias ? reserve("wino_bias", co4) : 0;
  const work = reserve("wino_work", pool.threads * slot);
  const y = b.makeOutput([n, ho, wo, co], "float32");
  if (bias) floats(bias4, co4).fill(0).set(floats(heapPointer(b, bias), co));
  const [filterFn, convFn] = tile === 4
    ? ["wino4_filter", "wino4_conv"] as const
    : ["wino_filter", "wino_conv"] as const;
  pool.run(filterFn, { args: [heapPointer(b, filter), u, ci, co, co4, ups], units: ci });
  const args = [heapPointer(b, x), u, bias4, heapPointer(b, y), work, n, h, w, ci, ho, wo, co];
  args.push(co4, pt, pl, options.relu ? 1 : 0, block, vps, ups, mps, slot);
  pool.run(convFn, { args, units: Math.ceil(tiles / block) });
  return y;
}

/**
 * `Conv2DBackpropFilter` of a 3×3 stride-1 conv by Winograd F(2×2, 3×3) (see the module doc):
 * `x` [N,H,W,Ci], `dy` [N,Ho,Wo,Co], padding from `info`. Returns undefined (nothing done) when
 * no pool is started or the conv is not 3×3 / stride 1 / dilation 1 with Ci, Co multiples of 4
 * and ≥ 16.
 */
export function nativeWinogradBackpropFilter(
  backend: tf.KernelBackend,
  options: { x: tf.TensorInfo; dy: tf.TensorInfo; info: tf.backend_util.Conv2DInfo },
): tf.TensorInfo | undefined {
  const pool = nativePool();
  const { x, dy, info } = options;
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const geometry = {
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    ci,
    co,
  };
  if (!pool || !winogradApplies(geometry) || co % 4 !== 0) return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const b = backend as HeapBackend;
  // F(4×4, 3×3) where the output is at least 4×4, else F(2×2, 3×3) (as for the forward conv).
  const tile = ho >= 4 && wo >= 4 ? 4 : 2, positions = (tile + 2) ** 2;
  // Tiles per block: V and Z of one block (positions·block·(Ci+Co) floats) stay near 512 KiB.
  const block = Math.max(2, Math.min(128, Math.floor(131072 / positions / (ci + co))));
  const vps = positionStride(block * ci), zps = positionStride(block * co);
  const aps = positionStride(ci * co);
  const slot = positions * (vps + zps), acc = positions * aps;
  const tiles = n * Math.ceil(ho / tile) * Math.ceil(wo / tile);
  const du = reserve("wino_du", pool.threads * acc);
  const work = reserve("wino_work", pool.threads * slot);
  const dw = b.makeOutput([3, 3, ci, co], "float32");
  const units = Math.ceil(tiles / block);
  // Each called thread zeroes its own accumulator; a thread with no units is not called.
  if (units < pool.threads) floats(du, pool.threads * acc).fill(0);
  const args = [heapPointer(b, x), heapPointer(b, dy), du, work, n, h, w, ci, ho, wo, co];
  args.push(info.padInfo.top, info.padInfo.left, block, vps, zps, aps, slot);
  const [gemmFn, outFn] = tile === 4
    ? ["wino4_bpf", "wino4_bpf_out"] as const
    : ["wino_bpf", "wino_bpf_out"] as const;
  pool.run(gemmFn, { args, units });
  pool.run(outFn, { args: [du, heapPointer(b, dw), ci, co, aps, pool.threads], units: ci });
  return dw;
}

/**
 * Floats between two Winograd positions of a matrix of `floats` floats (V, M, Z, U, dU): whole
 * 64-byte lines, an odd number of them. The kernels touch all 16 or 36 positions of a tile at
 * once; at a power-of-two stride (e.g. 32 tiles × 32 channels = 4 KiB) they all fall into one L1
 * set and evict each other. The padding moves addresses only, never the arithmetic.
 */
function positionStride(floats: number): number {
  const lines = Math.ceil(floats / 16);
  return (lines % 2 === 1 ? lines : lines + 1) * 16;
}

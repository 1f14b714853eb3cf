/**
 * Forward convolutions on the native pool (`native_kernels.ts`), NHWC, float32, with relaxed-SIMD
 * fused multiply-add (x86 FMA3: twice the multiply-then-add peak XNNPACK's wasm SIMD128 kernels
 * are limited to):
 *
 * - direct (`native/conv_fwd.c`): `y[b,oy,ox,o] = act(bias[o] + Σ_{ky,kx,c} x[b, oy·sh+ky−pt,
 *   ox·sw+kx−pl, c] · w[ky,kx,c,o])` for any stride, padding and kernel size, in 2 pixels × 16
 *   channels register tiles;
 * - Winograd F(2×2, 3×3) (`native/winograd.c`; Lavin & Gray, CVPR 2016) for 3×3 stride-1 convs
 *   with Ci a multiple of 4 and Ci, Co ≥ 16: 16 products per 2×2 output tile and channel pair
 *   instead of 36, as 16 GEMMs over blocks of tiles that stay in each thread's cache. Its transforms
 *   only add, subtract and halve, so it agrees with the direct sum to float32 rounding (tests:
 *   ≤ 1e-4 relative to the cpu backend).
 *
 * Both take an optional bias and ReLU (the `FusedConv2D` cases) and read zeros outside `x`.
 *
 * {@link nativeWinogradBackpropFilter} computes `Conv2DBackpropFilter` of such a conv (Ci, Co
 * multiples of 4) through the same identity (`native/winograd_bpf.c`): the forward output is
 * linear in `U = G g Gᵀ`, so `dU[p] = Σ_tiles (A dY Aᵀ)[p] · (Bᵀ d B)[p]` (16 GEMMs, one
 * accumulator per thread, summed at the end) and `dW = Gᵀ dU G`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapPointer, nativeHeap, nativePool } from "./native_kernels.ts";
import type { HeapBackend } from "./wasm_ops.ts";

/** Which algorithm {@link nativeConv2D} uses; "auto" picks Winograd where it applies. */
export type ConvAlgorithm = "auto" | "direct" | "winograd";

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
  const algorithm = options.algorithm ?? "auto";
  const geometry = { kh, kw, sh, sw, ci, co };
  if (algorithm === "winograd" && !(kh === 3 && kw === 3 && sh === 1 && sw === 1 && ci % 4 === 0)) {
    throw new Error(
      `nativeConv2D: algorithm "winograd" needs a 3×3 kernel, stride 1 and Ci % 4 = 0; got ` +
        `kernel ${kh}×${kw}, strides ${sh},${sw}, Ci ${ci}`,
    );
  }
  const wino = algorithm === "winograd" || (algorithm === "auto" && winogradApplies(geometry));
  return wino ? winograd(backend as unknown as HeapBackend, options) : direct(
    backend as unknown as HeapBackend,
    options,
  );
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

function winograd(b: HeapBackend, options: NativeConvOptions): tf.TensorInfo {
  const pool = nativePool()!;
  const { x, filter, bias, out: [ho, wo], pad: [pt, pl] } = options;
  const [n, h, w, ci] = x.shape;
  const co = filter.shape[3], co4 = Math.ceil(co / 4) * 4;
  // Tiles per block: V and M of one block (16·block·(Ci+Co4) floats) stay near 256 KiB.
  const block = Math.max(2, Math.min(64, 2 * Math.floor(2048 / (ci + co4))));
  const slot = 16 * block * (ci + co4);
  const tiles = n * Math.ceil(ho / 2) * Math.ceil(wo / 2);
  const u = reserve("wino_u", 16 * ci * co4);
  const bias4 = bias ? reserve("wino_bias", co4) : 0;
  const work = reserve("wino_work", pool.threads * slot);
  const y = b.makeOutput([n, ho, wo, co], "float32");
  if (bias) floats(bias4, co4).fill(0).set(floats(heapPointer(b, bias), co));
  pool.run("wino_filter", { args: [heapPointer(b, filter), u, ci, co, co4], units: ci });
  const args = [heapPointer(b, x), u, bias4, heapPointer(b, y), work, n, h, w, ci, ho, wo, co];
  args.push(co4, pt, pl, options.relu ? 1 : 0, block, slot);
  pool.run("wino_conv", { args, units: Math.ceil(tiles / block) });
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
  const b = backend as unknown as HeapBackend;
  // Tiles per block: V and Z of one block (16·block·(Ci+Co) floats) stay near 512 KiB.
  const block = Math.max(2, Math.min(128, Math.floor(8192 / (ci + co))));
  const slot = 16 * block * (ci + co), acc = 16 * ci * co;
  const tiles = n * Math.ceil(ho / 2) * Math.ceil(wo / 2);
  const du = reserve("wino_du", pool.threads * acc);
  const work = reserve("wino_work", pool.threads * slot);
  const dw = b.makeOutput([3, 3, ci, co], "float32");
  floats(du, pool.threads * acc).fill(0);
  const args = [heapPointer(b, x), heapPointer(b, dy), du, work, n, h, w, ci, ho, wo, co];
  args.push(info.padInfo.top, info.padInfo.left, block, slot);
  pool.run("wino_bpf", { args, units: Math.ceil(tiles / block) });
  const out = [du, heapPointer(b, dw), ci, co, pool.threads];
  pool.run("wino_bpf_out", { args: out, units: ci });
  return dw;
}

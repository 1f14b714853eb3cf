/**
 * A WebAssembly SIMD kernel for XNOR–popcount matrix products, assembled at run time from the
 * byte codes below (no toolchain, no binary blob), with a pure-TypeScript fallback when the host
 * lacks WebAssembly SIMD. No tfjs, no Deno APIs.
 *
 * The kernel `popcountGemm` computes, for packed rows A[P, K] and B[M, K] (K in 128-bit vectors,
 * padding bits 0): out[p·M + m] = Σ_k popcount(A[p,k] XOR B[m,k]). Four rows of B are processed
 * per pass (M must be a multiple of 4; callers pad B with zero rows).
 *
 * @module
 */
import { popcount32 } from "./bits.ts";
import { kernelModuleBytes } from "./wasm_asm.ts";
import type { Window2D } from "./float_ops.ts";

export { kernelModuleBytes };

/** Weights uploaded once to a kernel: `m` rows (a multiple of 4) of `kv` 128-bit vectors. */
export interface KernelWeights {
  readonly id: number;
  readonly m: number;
  readonly kv: number;
}

/**
 * Per-position popcount bounds uploaded once: position p uses block `patternOf[p]` of `bounds`
 * (`[patterns][lo[m], hi[m]]`, i32); its output bit for channel c is [lo ≤ popcount ≤ hi].
 */
export interface KernelThresholds {
  readonly id: number;
  readonly positions: number;
  readonly m: number;
  /** Output words per position. */
  readonly cw: number;
}

/** A popcount GEMM over packed rows (see the module doc); `kv` counts 128-bit vectors per row. */
export interface PopcountKernel {
  /** "wasm-simd" or "js". */
  readonly name: string;
  /** Stores packed weight rows `[m][kv·4 words]` (m % 4 = 0) for later {@link gemm} calls. */
  upload(b: Uint32Array, m: number, kv: number): KernelWeights;
  /**
   * out[p·m + j] = Σ popcount(a[p] XOR w[j]) over rows of `kv·4` words, for p < rows.
   * Returns a view that stays valid until the next call.
   */
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array;
  /** Stores per-position bounds for {@link gemmBits}. */
  uploadThresholds(
    table: { patternOf: Int32Array; bounds: Int32Array },
    shape: { m: number; cw: number },
  ): KernelThresholds;
  /**
   * {@link gemm} followed by the thresholds: packed output bits `[rows][cw]` (rows =
   * `t.positions`). Returns a view that stays valid until the next call.
   */
  gemmBits(a: Uint32Array, w: KernelWeights, t: KernelThresholds): Uint32Array;
  /**
   * Optional (the native kernel), with {@link convFloat}: stores the weights `[kh][kw][cin][cout]`
   * and the output affine of a float conv, and the near-tie bounds of `exact_ties.ts` if given.
   */
  uploadConvFloat?(
    w: Float32Array,
    shape: { cin: number; cout: number; taps: number },
    affine: { scale: Float32Array; shift: Float32Array },
    ties?: { a: Float64Array; b: Float64Array },
  ): FloatConvWeights;
  /**
   * Optional (the native kernel): `convFloat` of `lib/deploy/float_ops.ts` (float64 sums in the
   * same order: the same floats), written into `out` (positions·cout values). With near-tie bounds
   * uploaded, also writes `near` (one count per position; 0: no output near 0, see
   * `prepareNearTies`).
   */
  convFloat?(
    x: Float32Array,
    g: Window2D,
    w: FloatConvWeights,
    out: Float32Array,
    near?: Int32Array,
  ): void;
  /**
   * Optional (the native kernel): `binarize` of `lib/deploy/bit_ops.ts` (same bits). Returns a
   * new array.
   */
  binarize?(x: Float32Array, shape: { positions: number; c: number }, epsilon: number): Uint32Array;
  /**
   * Optional (the native kernel): {@link gemmBits} of a conv whose patch the kernel builds itself
   * from packed input bits `x` `[h][w][cw]` (taps in (ky, kx) order, zero words in the padding,
   * rows of `w.kv·4` words), with no patch built in TypeScript.
   */
  convBits?(x: Uint32Array, g: PatchGeometry, w: KernelWeights, t: KernelThresholds): Uint32Array;
  /**
   * Optional (the native kernel): `poolBits` of `lib/deploy/bit_ops.ts` on packed bits `x`
   * `[h][w][cw]` with the channel modes as `poolOrMask` words (same bits). Returns a new array.
   */
  poolBits?(x: Uint32Array, g: PatchGeometry, orMask: Uint32Array): Uint32Array;
}

/** Float conv weights uploaded once to a kernel ({@link PopcountKernel.uploadConvFloat}). */
export interface FloatConvWeights {
  readonly id: number;
  readonly cin: number;
  readonly cout: number;
}

/** The geometry {@link PopcountKernel.convBits} builds a patch for: a window and its words. */
export interface PatchGeometry extends Window2D {
  /** 32-bit words per input position. */
  cw: number;
}

function thresholdJs(
  cnt: Int32Array,
  table: { patternOf: Int32Array; bounds: Int32Array },
  shape: { m: number; cw: number; out: Uint32Array },
): void {
  const { patternOf, bounds } = table, { m, cw, out } = shape;
  out.fill(0);
  for (let p = 0; p < patternOf.length; p++) {
    const b = patternOf[p] * 2 * m;
    for (let c = 0; c < m; c++) {
      const v = cnt[p * m + c];
      if (v >= bounds[b + c] && v <= bounds[b + m + c]) out[p * cw + (c >>> 5)] |= 1 << (c & 31);
    }
  }
}

class JsKernel implements PopcountKernel {
  readonly name = "js";
  #out = new Int32Array(0);
  #weights: Uint32Array[] = [];
  upload(b: Uint32Array, m: number, kv: number): KernelWeights {
    checkShape(b, m, kv);
    this.#weights.push(b.slice(0, m * kv * 4));
    return { id: this.#weights.length - 1, m, kv };
  }
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array {
    const { m, kv } = w;
    const b = this.#weights[w.id];
    if (this.#out.length < rows * m) this.#out = new Int32Array(rows * m);
    const out = this.#out;
    const kw = kv * 4;
    for (let p = 0; p < rows; p++) {
      const ao = p * kw;
      for (let j = 0; j < m; j++) {
        const bo = j * kw;
        let s = 0;
        for (let k = 0; k < kw; k++) s += popcount32(a[ao + k] ^ b[bo + k]);
        out[p * m + j] = s;
      }
    }
    return out.subarray(0, rows * m);
  }
  #tables: { patternOf: Int32Array; bounds: Int32Array }[] = [];
  uploadThresholds(
    table: { patternOf: Int32Array; bounds: Int32Array },
    shape: { m: number; cw: number },
  ): KernelThresholds {
    this.#tables.push({ patternOf: table.patternOf.slice(), bounds: table.bounds.slice() });
    return { id: this.#tables.length - 1, positions: table.patternOf.length, ...shape };
  }
  gemmBits(a: Uint32Array, w: KernelWeights, t: KernelThresholds): Uint32Array {
    const cnt = this.gemm(a, t.positions, w);
    const out = new Uint32Array(t.positions * t.cw);
    thresholdJs(cnt, this.#tables[t.id], { m: t.m, cw: t.cw, out });
    return out;
  }
}

function checkShape(b: Uint32Array, m: number, kv: number): void {
  if (m % 4 !== 0) throw new Error(`popcount kernel: m must be a multiple of 4, got ${m}`);
  if (kv >= 4096) throw new Error(`popcount kernel: rows longer than 4095 vectors (${kv})`);
  if (b.length < m * kv * 4) {
    throw new Error(`popcount kernel: weights hold ${b.length} words, expected ${m * kv * 4}`);
  }
}

/**
 * The row-layout GEMM and thresholds (the assembled wasm module): weight rows `[m][kv·4 words]`.
 */
export interface RowKernelFunctions {
  /** popcountGemm(a, P, b, M, kv, out): out[p·M + m] (see the module doc). */
  gemm(a: number, p: number, b: number, m: number, kv: number, out: number): void;
  /** Like `gemm` for an even P, output row stride `ldo`. */
  gemm2(a: number, p: number, b: number, m: number, kv: number, out: number, ldo: number): void;
  /** thresholdBits(cnt, P, M, pos, out, cw) (see `wasm_asm.ts`). */
  threshold(cnt: number, p: number, m: number, pos: number, out: number, cw: number): void;
}

/**
 * The panel-layout GEMM (the native library): weights in panels of {@link PANEL_ROWS} rows (word
 * k of row `16q + r` at 64-bit word `(q·2kv + k)·16 + r`, rows past M zero, see
 * {@link panelLayout}).
 */
export interface PanelKernelFunctions {
  /** out[p·M + m] as `gemm` of {@link RowKernelFunctions} computes it. */
  panelGemm(a: number, p: number, panels: number, m: number, kv: number, out: number): void;
  /** The counts thresholded as `threshold` does (same `pos` table and output words). */
  panelGemmBits(
    a: number,
    p: number,
    panels: number,
    m: number,
    kv: number,
    pos: number,
    out: number,
    cw: number,
  ): void;
}

/**
 * The functions of a popcount kernel working on byte offsets of one memory: the exports of the
 * assembled wasm module (row layout), or the native library's kernels (panel layout, and the
 * optional ones).
 */
export type MemoryKernelFunctions =
  & {
    /** The memory the offsets point into (grown by the kernel as needed). */
    memory: WebAssembly.Memory;
    /**
     * Optional: packs the signs of `positions` rows of `c` floats at `x` into `cw` words each at
     * `out` (bit 1 iff x ≥ 0 or x > −epsilon, as `binarize` in `bit_ops.ts`).
     */
    signPack?(x: number, out: number, positions: number, c: number, cw: number, eps: number): void;
    /**
     * Optional: the float conv of {@link PopcountKernel.convFloat}: input at `x` ([h][w][cin]
     * float32), float64 weights at `w` (`[taps][cin][cout rounded up to 8]`), float32 scale and
     * shift, output at `y`; where `ties.a` ≠ 0, the near-tie counts per position at `ties.near`
     * from the float64 bounds at `ties.a`, `ties.b` (see `nearTieBounds` in `exact_ties.ts`).
     */
    convF64?(
      x: number,
      w: number,
      scale: number,
      shift: number,
      y: number,
      ties: { a: number; b: number; near: number },
      g: Window2D,
      cin: number,
      cout: number,
    ): void;
    /** Optional: builds the patch rows of {@link PopcountKernel.convBits} at `patch` from `x`. */
    im2col?(x: number, patch: number, g: PatchGeometry, rowWords: number): void;
    /** Optional: {@link PopcountKernel.poolBits} from `x` to `out`, masks at `orMask`. */
    poolBits?(x: number, out: number, orMask: number, g: PatchGeometry): void;
  }
  & (RowKernelFunctions | PanelKernelFunctions);

/** Rows per weight panel of {@link PanelKernelFunctions}. */
export const PANEL_ROWS = 16;

/**
 * Weight rows `[m][kv·4 words]` in the panel layout of {@link PanelKernelFunctions}:
 * panels of {@link PANEL_ROWS} rows, each `2kv` 64-bit words (two 32-bit words, low first) of
 * its rows side by side.
 */
export function panelLayout(b: Uint32Array, m: number, kv: number): Uint32Array {
  const n = 2 * kv, panels = Math.ceil(m / PANEL_ROWS);
  const out = new Uint32Array(panels * PANEL_ROWS * n * 2);
  for (let j = 0; j < m; j++) {
    const q = Math.floor(j / PANEL_ROWS), r = j % PANEL_ROWS;
    for (let k = 0; k < n; k++) {
      const at = ((q * n + k) * PANEL_ROWS + r) * 2;
      out[at] = b[j * n * 2 + 2 * k];
      out[at + 1] = b[j * n * 2 + 2 * k + 1];
    }
  }
  return out;
}

class WasmKernel implements PopcountKernel {
  readonly name: string;
  #memory: WebAssembly.Memory;
  /** Exactly one of the two layouts. */
  #rows?: RowKernelFunctions;
  #panels?: PanelKernelFunctions;
  #tables: number[] = [];
  #top: number;
  #offsets: number[] = [];
  #im2col: MemoryKernelFunctions["im2col"];
  #signPack: MemoryKernelFunctions["signPack"];
  #convF64: MemoryKernelFunctions["convF64"];
  #poolBits: MemoryKernelFunctions["poolBits"];
  #floatConvs: { w: number; scale: number; shift: number; ta: number; tb: number }[] = [];
  constructor(name: string, f: MemoryKernelFunctions, start: number) {
    this.name = name;
    this.#memory = f.memory;
    if ("panelGemm" in f) this.#panels = f;
    else this.#rows = f;
    this.#im2col = f.im2col;
    this.#signPack = f.signPack;
    this.#convF64 = f.convF64;
    this.#poolBits = f.poolBits;
    this.#top = start;
    if (!f.im2col) this.convBits = undefined;
    if (!f.signPack) this.binarize = undefined;
    if (!f.convF64) this.convFloat = this.uploadConvFloat = undefined;
    if (!f.poolBits) this.poolBits = undefined;
  }
  poolBits?(x: Uint32Array, g: PatchGeometry, orMask: Uint32Array): Uint32Array {
    const inWords = g.h * g.w * g.cw, outWords = g.oh * g.ow * g.cw;
    if (x.length < inWords || orMask.length !== g.cw) {
      throw new Error(
        `pool bits: input holds ${x.length} words (expected ${inWords}), masks ${orMask.length} ` +
          `(expected ${g.cw})`,
      );
    }
    const xAt = this.#top, maskAt = xAt + Math.ceil(inWords / 4) * 16;
    const outAt = maskAt + Math.ceil(g.cw / 4) * 16;
    this.#reserve(outAt + outWords * 4);
    new Uint32Array(this.#memory.buffer, xAt, inWords).set(x.subarray(0, inWords));
    new Uint32Array(this.#memory.buffer, maskAt, g.cw).set(orMask);
    this.#poolBits!(xAt, outAt, maskAt, g);
    return new Uint32Array(this.#memory.buffer, outAt, outWords).slice();
  }
  convBits?(x: Uint32Array, g: PatchGeometry, w: KernelWeights, t: KernelThresholds): Uint32Array {
    const rows = g.oh * g.ow, rowWords = w.kv * 4;
    const xAt = this.#top, xWords = g.h * g.w * g.cw;
    const patchAt = xAt + Math.ceil(xWords / 4) * 16;
    this.#reserve(patchAt + rows * rowWords * 4);
    new Uint32Array(this.#memory.buffer, xAt, xWords).set(x.subarray(0, xWords));
    this.#im2col!(xAt, patchAt, g, rowWords);
    return this.#gemmBitsAt(patchAt, w, t);
  }
  uploadConvFloat?(
    w: Float32Array,
    shape: { cin: number; cout: number; taps: number },
    affine: { scale: Float32Array; shift: Float32Array },
    ties?: { a: Float64Array; b: Float64Array },
  ): FloatConvWeights {
    const { cin, cout, taps } = shape, cp = Math.ceil(cout / 8) * 8;
    if (w.length !== taps * cin * cout) {
      throw new Error(`float conv: weights hold ${w.length} values, expected ${taps * cin * cout}`);
    }
    const wAt = this.#top, scaleAt = wAt + taps * cin * cp * 8;
    const shiftAt = scaleAt + Math.ceil(cout / 4) * 16;
    const taAt = shiftAt + Math.ceil(cout / 4) * 16, tbAt = taAt + cp * 8;
    this.#reserve(tbAt + cp * 8);
    if (ties) {
      new Float64Array(this.#memory.buffer, taAt, cout).set(ties.a);
      new Float64Array(this.#memory.buffer, tbAt, cout).set(ties.b);
    }
    const wd = new Float64Array(this.#memory.buffer, wAt, taps * cin * cp);
    for (let r = 0; r < taps * cin; r++) {
      for (let co = 0; co < cout; co++) wd[r * cp + co] = w[r * cout + co];
    }
    new Float32Array(this.#memory.buffer, scaleAt, cout).set(affine.scale);
    new Float32Array(this.#memory.buffer, shiftAt, cout).set(affine.shift);
    this.#top = tbAt + cp * 8;
    const t = ties ? { ta: taAt, tb: tbAt } : { ta: 0, tb: 0 };
    this.#floatConvs.push({ w: wAt, scale: scaleAt, shift: shiftAt, ...t });
    return { id: this.#floatConvs.length - 1, cin, cout };
  }
  convFloat?(
    x: Float32Array,
    g: Window2D,
    w: FloatConvWeights,
    out: Float32Array,
    near?: Int32Array,
  ): void {
    const xSize = g.h * g.w * w.cin, P = g.oh * g.ow, ySize = P * w.cout;
    if (out.length !== ySize) {
      throw new Error(`float conv: out holds ${out.length} values, expected ${ySize}`);
    }
    const f = this.#floatConvs[w.id];
    if (near && (near.length !== P || f.ta === 0)) {
      throw new Error(`float conv: near needs ${P} counts and uploaded near-tie bounds`);
    }
    const xAt = this.#top, yAt = xAt + Math.ceil(xSize / 4) * 16;
    const nearAt = yAt + Math.ceil(ySize / 4) * 16;
    this.#reserve(nearAt + P * 4);
    new Float32Array(this.#memory.buffer, xAt, xSize).set(x.subarray(0, xSize));
    const ties = near ? { a: f.ta, b: f.tb, near: nearAt } : { a: 0, b: 0, near: 0 };
    this.#convF64!(xAt, f.w, f.scale, f.shift, yAt, ties, g, w.cin, w.cout);
    out.set(new Float32Array(this.#memory.buffer, yAt, ySize));
    near?.set(new Int32Array(this.#memory.buffer, nearAt, P));
  }
  binarize?(
    x: Float32Array,
    shape: { positions: number; c: number },
    epsilon: number,
  ): Uint32Array {
    const { positions, c } = shape, cw = Math.ceil(c / 32);
    const xAt = this.#top, outAt = xAt + Math.ceil((positions * c) / 4) * 16;
    this.#reserve(outAt + positions * cw * 4);
    new Float32Array(this.#memory.buffer, xAt, positions * c).set(x.subarray(0, positions * c));
    this.#signPack!(xAt, outAt, positions, c, cw, epsilon);
    return new Uint32Array(this.#memory.buffer, outAt, positions * cw).slice();
  }
  /** The thresholded GEMM of `t.positions` rows already in memory at `aAt`. */
  #gemmBitsAt(aAt: number, w: KernelWeights, t: KernelThresholds): Uint32Array {
    if (!this.#panels) return this.#thresholdAt(this.#gemmAt(aAt, t.positions, w), t);
    const rows = t.positions, outAt = aAt + rows * w.kv * 16;
    this.#reserve(outAt + rows * t.cw * 4);
    const panels = this.#offsets[w.id];
    this.#panels.panelGemmBits(aAt, rows, panels, w.m, w.kv, this.#tables[t.id], outAt, t.cw);
    return new Uint32Array(this.#memory.buffer, outAt, rows * t.cw);
  }
  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) this.#memory.grow(Math.ceil((bytes - have) / 65536));
  }
  upload(b: Uint32Array, m: number, kv: number): KernelWeights {
    checkShape(b, m, kv);
    const rows = this.#panels ? panelLayout(b, m, kv) : b.subarray(0, m * kv * 4);
    const bytes = rows.length * 4;
    this.#reserve(this.#top + bytes);
    new Uint32Array(this.#memory.buffer, this.#top, rows.length).set(rows);
    this.#offsets.push(this.#top);
    this.#top += bytes;
    return { id: this.#offsets.length - 1, m, kv };
  }
  uploadThresholds(
    table: { patternOf: Int32Array; bounds: Int32Array },
    shape: { m: number; cw: number },
  ): KernelThresholds {
    const P = table.patternOf.length;
    const boundsAt = this.#top, posAt = boundsAt + table.bounds.length * 4;
    this.#reserve(posAt + P * 4);
    new Int32Array(this.#memory.buffer, boundsAt, table.bounds.length).set(table.bounds);
    const pos = new Int32Array(this.#memory.buffer, posAt, P);
    for (let p = 0; p < P; p++) pos[p] = boundsAt + table.patternOf[p] * 2 * shape.m * 4;
    this.#top = posAt + P * 4 + 16 - ((posAt + P * 4) % 16);
    this.#tables.push(posAt);
    return { id: this.#tables.length - 1, positions: P, ...shape };
  }
  gemmBits(a: Uint32Array, w: KernelWeights, t: KernelThresholds): Uint32Array {
    const aAt = this.#top, words = t.positions * w.kv * 4;
    this.#reserve(aAt + words * 4);
    new Uint32Array(this.#memory.buffer, aAt, words).set(a.subarray(0, words));
    return this.#gemmBitsAt(aAt, w, t);
  }
  /** The row layout's thresholds of the counts `cnt` (the panel layout fuses them). */
  #thresholdAt(cnt: Int32Array, t: KernelThresholds): Uint32Array {
    const outAt = cnt.byteOffset + cnt.byteLength;
    const need = outAt + t.positions * t.cw * 4;
    if (need > this.#memory.buffer.byteLength) {
      this.#memory.grow(Math.ceil((need - this.#memory.buffer.byteLength) / 65536));
    }
    this.#rows!.threshold(cnt.byteOffset, t.positions, t.m, this.#tables[t.id], outAt, t.cw);
    return new Uint32Array(this.#memory.buffer, outAt, t.positions * t.cw);
  }
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array {
    const { m, kv } = w;
    const aBytes = rows * kv * 16, oBytes = rows * m * 4;
    const aAt = this.#top;
    this.#reserve(aAt + aBytes + oBytes);
    new Uint32Array(this.#memory.buffer, aAt, rows * kv * 4).set(a.subarray(0, rows * kv * 4));
    return this.#gemmAt(aAt, rows, w);
  }
  /** The GEMM of `rows` rows already in memory at `aAt`; counts right after them. */
  #gemmAt(aAt: number, rows: number, w: KernelWeights): Int32Array {
    const { m, kv } = w;
    const aBytes = rows * kv * 16;
    this.#reserve(aAt + aBytes + rows * m * 4);
    const even = rows & ~1, bAt = this.#offsets[w.id], oAt = aAt + aBytes;
    if (this.#panels) {
      this.#panels.panelGemm(aAt, rows, bAt, m, kv, oAt);
      return new Int32Array(this.#memory.buffer, oAt, rows * m);
    }
    const { gemm, gemm2 } = this.#rows!;
    if (even > 0) {
      // Tile over weight rows so that a tile (≤ 16 KiB) stays in L1 while all positions pass.
      const rowBytes = kv * 16;
      const tile = Math.max(4, Math.floor(16384 / rowBytes / 4) * 4);
      for (let m0 = 0; m0 < m; m0 += tile) {
        const mc = Math.min(tile, m - m0);
        gemm2(aAt, even, bAt + m0 * rowBytes, mc, kv, oAt + m0 * 4, m);
      }
    }
    if (even < rows) gemm(aAt + even * kv * 16, rows - even, bAt, m, kv, oAt + even * m * 4);
    return new Int32Array(this.#memory.buffer, aAt + aBytes, rows * m);
  }
}

/** Whether this host supports WebAssembly SIMD (validates the kernel module). */
export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(kernelModuleBytes());
  } catch {
    return false;
  }
}

/**
 * Creates a popcount kernel: WebAssembly SIMD when available (unless `prefer: "js"`), else the
 * TypeScript fallback.
 */
export function createKernel(options: { prefer?: "wasm" | "js" } = {}): PopcountKernel {
  if (options.prefer !== "js" && hasWasmSimd()) {
    const module = new WebAssembly.Module(kernelModuleBytes());
    const e = new WebAssembly.Instance(module, {}).exports as unknown as MemoryKernelFunctions;
    return new WasmKernel("wasm-simd", e, 0);
  }
  return new JsKernel();
}

/**
 * A {@link PopcountKernel} named `name` on `functions` (weights, bounds and scratch are laid out
 * in `functions.memory` from byte `start` on, exactly as for the wasm module).
 */
export function memoryKernel(
  name: string,
  functions: MemoryKernelFunctions,
  start = 0,
): PopcountKernel {
  return new WasmKernel(name, functions, start);
}

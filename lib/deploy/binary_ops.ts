/**
 * Binary kernels of the deploy engine: XNOR–popcount convolution and dense layers on packed
 * activations, bit max-pooling, and the float → bits and bits → output conversions.
 * Pure TypeScript: no tfjs, no Deno APIs.
 *
 * Activations are packed per spatial position: an [H, W, C] map of signs is `H·W·⌈C/32⌉` words,
 * channel c of position (y, x) at word `(y·W + x)·⌈C/32⌉ + ⌊c/32⌋`, bit `c mod 32`.
 *
 * Zero padding ('same'): tfjs pads the *binarized* input with 0, so a padded tap contributes 0 to
 * the dot product (it is neither +1 nor −1). The engine writes zero words for padded taps into
 * the patch and then removes their effect exactly: a zero word XOR w counts popcount(w), so
 * r = n_valid − 2·(popcount total − Σ_padded taps popcount(w_tap)), with n_valid = C·(valid taps).
 *
 * @module
 */
import { popcount32, wordsFor } from "./bits.ts";
import type { Window2D } from "./float_ops.ts";
import type { KernelThresholds, KernelWeights, PopcountKernel } from "./wasm.ts";
import { type BinaryOutput, countBounds, emit, emitBitsInterior, emitter } from "./emit.ts";

export type { BinaryOutput };

/** 2^t for t = 0…52 (tap keys are sums of these; exact in float64). */
const POW2 = Float64Array.from({ length: 53 }, (_, t) => 2 ** t);

/** A binary×binary linear op ready to run: weights uploaded, buffers allocated. */
export interface PreparedBinary {
  /** Words per input position (conv) or per input row (dense). */
  cw: number;
  taps: number;
  cin: number;
  cout: number;
  kv: number;
  weights: KernelWeights;
  /** popcount of each weight tap, tap-major: [taps][cout]. */
  wpopT: Int32Array;
  patch: Uint32Array;
  rows: number;
}

/**
 * Uploads packed weights `[cout][taps][cw]` (padding bits 0) to `kernel`, padding rows to whole
 * 128-bit vectors and the row count to a multiple of 4.
 */
export function prepareBinary(
  kernel: PopcountKernel,
  packed: Uint32Array,
  shape: { cout: number; taps: number; cw: number; cin: number; rows: number },
): PreparedBinary {
  const { cout, taps, cw } = shape;
  for (const [name, v] of Object.entries(shape)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new Error(`deploy engine: binary op ${name} must be a positive integer, got ${v}`);
    }
  }
  if (taps > 52) {
    throw new Error(`deploy engine: at most 52 kernel taps are supported, got ${taps}`);
  }
  const k = taps * cw;
  if (packed.length !== cout * k) {
    throw new Error(
      `deploy engine: packed weights hold ${packed.length} words, expected ${cout * k}`,
    );
  }
  const kv = Math.max(1, Math.ceil(k / 4));
  const m = Math.ceil(cout / 4) * 4;
  const padded = new Uint32Array(m * kv * 4);
  const wpopT = new Int32Array(cout * taps);
  for (let co = 0; co < cout; co++) {
    padded.set(packed.subarray(co * k, (co + 1) * k), co * kv * 4);
    for (let t = 0; t < taps; t++) {
      let s = 0;
      for (let i = 0; i < cw; i++) s += popcount32(packed[co * k + t * cw + i]);
      wpopT[t * cout + co] = s;
    }
  }
  return {
    ...shape,
    kv,
    weights: kernel.upload(padded, m, kv),
    wpopT,
    patch: new Uint32Array(shape.rows * kv * 4),
  };
}

/** The result of a binary op: packed bits or floats, one of them non-empty. */
export interface BinaryResult {
  bits?: Uint32Array;
  float?: Float32Array;
}

/**
 * Binary convolution on packed input bits [H][W][cw]: the exact ±1 dot products r over the
 * valid taps (padded taps count 0), emitted as bits or floats per `out`.
 */
export function binaryConv(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  args: {
    window: Window2D;
    input: Uint32Array;
    output: BinaryOutput;
    /** From {@link prepareConvThresholds}: thresholds applied inside the kernel. */
    thresholds?: KernelThresholds;
  },
): BinaryResult {
  const { window: g, input: x, output: out } = args;
  const { cw, kv, patch, cout, taps, wpopT, cin } = prep;
  if (args.thresholds && kernel.convBits) {
    // The kernel builds the patch itself (native): same rows as below, no TypeScript loop.
    return { bits: kernel.convBits(x, { ...g, cw }, prep.weights, args.thresholds).slice() };
  }
  const rowWords = kv * 4;
  const P = g.oh * g.ow;
  // Key of the valid taps of each position: Σ 2^t over taps t inside the image (exact, ≤ 52 taps).
  const mask = new Float64Array(P);
  const full = 2 ** taps - 1, span = g.kw * cw;
  patch.fill(0);
  for (let oy = 0; oy < g.oh; oy++) {
    const iy0 = oy * g.sh - g.padTop;
    const rowsInside = iy0 >= 0 && iy0 + g.kh <= g.h;
    for (let ox = 0; ox < g.ow; ox++) {
      const p = oy * g.ow + ox;
      const ix0 = ox * g.sw - g.padLeft;
      let dst = p * rowWords;
      if (rowsInside && ix0 >= 0 && ix0 + g.kw <= g.w) {
        // Interior: every tap is valid and the kw taps of a kernel row are adjacent words.
        for (let ky = 0; ky < g.kh; ky++, dst += span) {
          const src = ((iy0 + ky) * g.w + ix0) * cw;
          for (let i = 0; i < span; i++) patch[dst + i] = x[src + i];
        }
        mask[p] = full;
        continue;
      }
      let bits = 0, t = 0;
      for (let ky = 0; ky < g.kh; ky++) {
        const iy = iy0 + ky;
        for (let kx = 0; kx < g.kw; kx++, dst += cw, t++) {
          const ix = ix0 + kx;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          const src = (iy * g.w + ix) * cw;
          for (let i = 0; i < cw; i++) patch[dst + i] = x[src + i];
          bits += POW2[t];
        }
      }
      mask[p] = bits;
    }
  }
  if (args.thresholds) {
    return { bits: kernel.gemmBits(patch, prep.weights, args.thresholds).slice() };
  }
  const cnt = kernel.gemm(patch, P, prep.weights);
  const m = prep.weights.m;
  const e = emitter(out, cout);
  const bits = e.bits ? new Uint32Array(P * wordsFor(cout)) : new Uint32Array(0);
  const float = e.bits ? new Float32Array(0) : new Float32Array(P * cout);
  const cwOut = wordsFor(cout);
  // One correction per pattern of valid taps (interior, each edge, each corner): zero words were
  // XORed with the weights of padded taps, so their popcounts are removed; for bit outputs the
  // correction is folded into per-pattern popcount bounds.
  const patterns = new Map<
    number,
    { corr: Int32Array; n: number; lo: Int32Array; hi: Int32Array }
  >();
  const pattern = (mk: number) => {
    let pt = patterns.get(mk);
    if (pt) return pt;
    const corr = new Int32Array(cout);
    let nTaps = 0;
    for (let t = 0; t < taps; t++) {
      if (Math.floor(mk / 2 ** t) % 2 === 1) {
        nTaps++;
        continue;
      }
      for (let co = 0; co < cout; co++) corr[co] += wpopT[t * cout + co];
    }
    const n = nTaps * cin;
    const lo = new Int32Array(cout), hi = new Int32Array(cout);
    if (e.bits) {
      const bd = countBounds(e, n);
      for (let co = 0; co < cout; co++) {
        lo[co] = bd.lo[co] + corr[co];
        hi[co] = bd.hi[co] + corr[co];
      }
    }
    pt = { corr, n, lo, hi };
    patterns.set(mk, pt);
    return pt;
  };
  for (let p = 0; p < P; p++) {
    const pt = pattern(mask[p]);
    if (e.bits) {
      emitBitsInterior(cnt, { at: p * m, c: cout, lo: pt.lo, hi: pt.hi, bits, outAt: p * cwOut });
    } else emit(e, { cnt, at: p * m, c: cout, nValid: pt.n, corr: pt.corr, float, p });
  }
  return e.bits ? { bits } : { float };
}

/** Binary dense on packed input words (`prep.taps·prep.cw` of them): r[j] = n − 2·popcount. */
export function binaryDense(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  args: {
    input: Uint32Array;
    inFeatures: number;
    output: BinaryOutput;
    /** From {@link prepareDenseThresholds}: thresholds applied inside the kernel. */
    thresholds?: KernelThresholds;
  },
): BinaryResult {
  const { input: x, inFeatures, output: out } = args;
  const k = prep.taps * prep.cw;
  prep.patch.fill(0);
  prep.patch.set(x.subarray(0, k));
  if (args.thresholds) {
    return { bits: kernel.gemmBits(prep.patch, prep.weights, args.thresholds).slice() };
  }
  const cnt = kernel.gemm(prep.patch, 1, prep.weights);
  const e = emitter(out, prep.cout);
  const bits = e.bits ? new Uint32Array(wordsFor(prep.cout)) : new Uint32Array(0);
  if (e.bits) {
    const { lo, hi } = countBounds(e, inFeatures);
    emitBitsInterior(cnt, { at: 0, c: prep.cout, lo, hi, bits, outAt: 0 });
    return { bits };
  }
  const float = e.bits ? new Float32Array(0) : new Float32Array(prep.cout);
  const corr = new Int32Array(prep.cout);
  emit(e, { cnt, at: 0, c: prep.cout, nValid: inFeatures, corr, float, p: 0 });
  return e.bits ? { bits } : { float };
}

/**
 * Uploads the popcount bounds of a binary dense op with bit outputs (one position, every input
 * valid), so that the kernel thresholds its popcounts directly ({@link binaryDense}
 * `thresholds`): the same bits as `countBounds` + `emitBitsInterior`.
 */
export function prepareDenseThresholds(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  args: { inFeatures: number; output: BinaryOutput & { kind: "bits" } },
): KernelThresholds {
  const { cout } = prep, m = prep.weights.m;
  const bd = countBounds(emitter(args.output, cout), args.inFeatures);
  const bounds = new Int32Array(2 * m);
  for (let co = 0; co < m; co++) {
    bounds[co] = co < cout ? bd.lo[co] : 1; // padded channels: never (lo > hi)
    bounds[m + co] = co < cout ? bd.hi[co] : 0;
  }
  return kernel.uploadThresholds({ patternOf: new Int32Array(1), bounds }, {
    m,
    cw: wordsFor(cout),
  });
}

/** The key of the valid taps of every output position (Σ 2^t over taps t inside the image). */
function tapKeys(g: Window2D): Float64Array {
  const keys = new Float64Array(g.oh * g.ow);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      let key = 0, t = 0;
      for (let ky = 0; ky < g.kh; ky++) {
        const iy = oy * g.sh + ky - g.padTop;
        for (let kx = 0; kx < g.kw; kx++, t++) {
          const ix = ox * g.sw + kx - g.padLeft;
          if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) key += 2 ** t;
        }
      }
      keys[oy * g.ow + ox] = key;
    }
  }
  return keys;
}

/**
 * Uploads the per-position popcount bounds of a binary conv with bit outputs, so that the kernel
 * thresholds its popcounts directly ({@link binaryConv} `thresholds`): one bounds block per
 * pattern of valid taps, with the padded taps' weight popcounts folded in.
 */
export function prepareConvThresholds(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  args: { window: Window2D; output: BinaryOutput & { kind: "bits" } },
): KernelThresholds {
  const { cout, taps, cin, wpopT } = prep;
  const m = prep.weights.m;
  const e = emitter(args.output, cout);
  const keys = tapKeys(args.window);
  const ids = new Map<number, number>();
  const blocks: Int32Array[] = [];
  const patternOf = new Int32Array(keys.length);
  keys.forEach((key, p) => {
    let id = ids.get(key);
    if (id === undefined) {
      const corr = new Int32Array(cout);
      let nTaps = 0;
      for (let t = 0; t < taps; t++) {
        if (Math.floor(key / 2 ** t) % 2 === 1) nTaps++;
        else for (let co = 0; co < cout; co++) corr[co] += wpopT[t * cout + co];
      }
      const bd = countBounds(e, nTaps * cin);
      const block = new Int32Array(2 * m);
      for (let co = 0; co < m; co++) {
        block[co] = co < cout ? bd.lo[co] + corr[co] : 1; // padded channels: never (lo > hi)
        block[m + co] = co < cout ? bd.hi[co] + corr[co] : 0;
      }
      id = blocks.length;
      blocks.push(block);
      ids.set(key, id);
    }
    patternOf[p] = id;
  });
  const bounds = new Int32Array(blocks.length * 2 * m);
  blocks.forEach((b, i) => bounds.set(b, i * 2 * m));
  return kernel.uploadThresholds({ patternOf, bounds }, { m, cw: wordsFor(cout) });
}

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
import type { KernelWeights, PopcountKernel } from "./wasm.ts";

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

/**
 * Where a binary op's integer outputs r go: per-channel thresholds → packed bits, or the affine
 * scale·r + shift → floats.
 */
export type BinaryOutput =
  | { kind: "bits"; threshold: Float32Array; direction: Int8Array }
  | { kind: "float"; scale: Float32Array; shift: Float32Array };

/** Precomputed form of an output spec: bit = sgn·r ≥ thr, or v = scale·r + shift. */
interface Emitter {
  bits: boolean;
  sgn: Int32Array;
  thr: Float64Array;
  scale: Float32Array;
  shift: Float32Array;
}

function emitter(o: BinaryOutput, c: number): Emitter {
  const sgn = new Int32Array(c), thr = new Float64Array(c);
  if (o.kind === "bits") {
    for (let ch = 0; ch < c; ch++) {
      const d = o.direction[ch], t = o.threshold[ch];
      // direction 0 is a constant bit [t ≤ 0]: 0 ≥ −1 holds, 0 ≥ 1 does not.
      sgn[ch] = d;
      thr[ch] = d === 0 ? (t <= 0 ? -1 : 1) : d * t;
    }
    return { bits: true, sgn, thr, scale: new Float32Array(0), shift: new Float32Array(0) };
  }
  return { bits: false, sgn, thr, scale: o.scale, shift: o.shift };
}

/** Emits one position's float outputs from popcounts `cnt[at..at+c)`: r = nValid − 2·(cnt − corr). */
function emit(
  e: Emitter,
  cnt: Int32Array,
  at: number,
  c: number,
  nValid: number,
  corr: Int32Array,
  float: Float32Array,
  p: number,
): void {
  const { scale, shift } = e;
  const o = p * c;
  for (let ch = 0; ch < c; ch++) {
    const r = nValid - 2 * (cnt[at + ch] - corr[ch]);
    float[o + ch] = scale[ch] * r + shift[ch];
  }
}

/**
 * Bounds on the raw popcount for positions with all taps valid (n = nValid): the bit is 1 iff
 * lo[c] ≤ popcount ≤ hi[c] (r = n − 2·popcount, so r ≥ T ⇔ popcount ≤ ⌊(n − T)/2⌋ and
 * r ≤ T ⇔ popcount ≥ ⌈(n − T)/2⌉).
 */
function countBounds(e: Emitter, n: number): { lo: Int32Array; hi: Int32Array } {
  const c = e.sgn.length, BIG = 2 ** 30;
  const lo = new Int32Array(c), hi = new Int32Array(c);
  for (let ch = 0; ch < c; ch++) {
    const s = e.sgn[ch], t = e.thr[ch];
    if (s > 0) {
      lo[ch] = 0;
      hi[ch] = Math.max(-1, Math.min(BIG, Math.floor((n - t) / 2)));
    } else if (s < 0) {
      // −r ≥ t ⇔ r ≤ −t ⇔ popcount ≥ (n + t)/2
      lo[ch] = Math.max(0, Math.min(BIG, Math.ceil((n + t) / 2)));
      hi[ch] = BIG;
    } else if (t <= 0) {
      lo[ch] = 0;
      hi[ch] = BIG;
    } else {
      lo[ch] = 1;
      hi[ch] = 0;
    }
  }
  return { lo, hi };
}

function emitBitsInterior(
  cnt: Int32Array,
  at: number,
  c: number,
  lo: Int32Array,
  hi: Int32Array,
  bits: Uint32Array,
  outAt: number,
): void {
  let word = 0, b = 0, o = outAt;
  for (let ch = 0; ch < c; ch++) {
    const v = cnt[at + ch];
    if (v >= lo[ch] && v <= hi[ch]) word |= 1 << b;
    if (++b === 32) {
      bits[o++] = word;
      word = 0;
      b = 0;
    }
  }
  if (b !== 0) bits[o] = word;
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
  args: { window: Window2D; input: Uint32Array; output: BinaryOutput },
): BinaryResult {
  const { window: g, input: x, output: out } = args;
  const { cw, kv, patch, cout, taps, wpopT, cin } = prep;
  const rowWords = kv * 4;
  const P = g.oh * g.ow;
  // Key of the valid taps of each position: Σ 2^t over taps t inside the image (exact, ≤ 52 taps).
  const mask = new Float64Array(P);
  patch.fill(0);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      const p = oy * g.ow + ox;
      let dst = p * rowWords, bits = 0, t = 0;
      for (let ky = 0; ky < g.kh; ky++) {
        const iy = oy * g.sh + ky - g.padTop;
        for (let kx = 0; kx < g.kw; kx++, dst += cw, t++) {
          const ix = ox * g.sw + kx - g.padLeft;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          const src = (iy * g.w + ix) * cw;
          for (let i = 0; i < cw; i++) patch[dst + i] = x[src + i];
          bits += 2 ** t;
        }
      }
      mask[p] = bits;
    }
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
    if (e.bits) emitBitsInterior(cnt, p * m, cout, pt.lo, pt.hi, bits, p * cwOut);
    else emit(e, cnt, p * m, cout, pt.n, pt.corr, float, p);
  }
  return e.bits ? { bits } : { float };
}

/** Binary dense on packed input words (`prep.taps·prep.cw` of them): r[j] = n − 2·popcount. */
export function binaryDense(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  args: { input: Uint32Array; inFeatures: number; output: BinaryOutput },
): BinaryResult {
  const { input: x, inFeatures, output: out } = args;
  const k = prep.taps * prep.cw;
  prep.patch.fill(0);
  prep.patch.set(x.subarray(0, k));
  const cnt = kernel.gemm(prep.patch, 1, prep.weights);
  const e = emitter(out, prep.cout);
  const bits = e.bits ? new Uint32Array(wordsFor(prep.cout)) : new Uint32Array(0);
  if (e.bits) {
    const { lo, hi } = countBounds(e, inFeatures);
    emitBitsInterior(cnt, 0, prep.cout, lo, hi, bits, 0);
    return { bits };
  }
  const float = e.bits ? new Float32Array(0) : new Float32Array(prep.cout);
  emit(e, cnt, 0, prep.cout, inFeatures, new Int32Array(prep.cout), float, 0);
  return e.bits ? { bits } : { float };
}

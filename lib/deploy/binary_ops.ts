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
import { packSigns, popcount32, wordsFor } from "./bits.ts";
import { thresholdBit } from "./fold.ts";
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
  /** popcount of each weight tap: [cout][taps]. */
  wpop: Int32Array;
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
  const k = taps * cw;
  if (packed.length !== cout * k) {
    throw new Error(
      `deploy engine: packed weights hold ${packed.length} words, expected ${cout * k}`,
    );
  }
  const kv = Math.max(1, Math.ceil(k / 4));
  const m = Math.ceil(cout / 4) * 4;
  const padded = new Uint32Array(m * kv * 4);
  const wpop = new Int32Array(cout * taps);
  for (let co = 0; co < cout; co++) {
    padded.set(packed.subarray(co * k, (co + 1) * k), co * kv * 4);
    for (let t = 0; t < taps; t++) {
      let s = 0;
      for (let i = 0; i < cw; i++) s += popcount32(packed[co * k + t * cw + i]);
      wpop[co * taps + t] = s;
    }
  }
  return {
    ...shape,
    kv,
    weights: kernel.upload(padded, m, kv),
    wpop,
    patch: new Uint32Array(shape.rows * kv * 4),
  };
}

/**
 * Binary convolution on packed input bits [H][W][cw]: returns r[p·cout + co], the exact ±1 dot
 * products over the valid taps (padded taps count 0).
 */
export function binaryConv(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  g: Window2D,
  x: Uint32Array,
): Int32Array {
  const { cw, kv, patch, cout, taps, wpop, cin } = prep;
  const rowWords = kv * 4;
  const P = g.oh * g.ow;
  const valid = new Int32Array(P);
  patch.fill(0);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      const p = oy * g.ow + ox;
      let dst = p * rowWords, n = 0;
      for (let ky = 0; ky < g.kh; ky++) {
        const iy = oy * g.sh + ky - g.padTop;
        for (let kx = 0; kx < g.kw; kx++, dst += cw) {
          const ix = ox * g.sw + kx - g.padLeft;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          const src = (iy * g.w + ix) * cw;
          for (let i = 0; i < cw; i++) patch[dst + i] = x[src + i];
          n++;
        }
      }
      valid[p] = n;
    }
  }
  const cnt = kernel.gemm(patch, P, prep.weights);
  const m = prep.weights.m;
  const r = new Int32Array(P * cout);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      const p = oy * g.ow + ox;
      const nValid = valid[p] * cin;
      const border = valid[p] < taps;
      for (let co = 0; co < cout; co++) {
        let c = cnt[p * m + co];
        if (border) {
          for (let ky = 0; ky < g.kh; ky++) {
            const iy = oy * g.sh + ky - g.padTop;
            for (let kx = 0; kx < g.kw; kx++) {
              const ix = ox * g.sw + kx - g.padLeft;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) c -= wpop[co * taps + ky * g.kw + kx];
            }
          }
        }
        r[p * cout + co] = nValid - 2 * c;
      }
    }
  }
  return r;
}

/** Binary dense on packed input words (`prep.taps·prep.cw` of them): r[j] = n − 2·popcount. */
export function binaryDense(
  kernel: PopcountKernel,
  prep: PreparedBinary,
  x: Uint32Array,
  inFeatures: number,
): Int32Array {
  const k = prep.taps * prep.cw;
  prep.patch.fill(0);
  prep.patch.set(x.subarray(0, k));
  const cnt = kernel.gemm(prep.patch, 1, prep.weights);
  const r = new Int32Array(prep.cout);
  for (let j = 0; j < prep.cout; j++) r[j] = inFeatures - 2 * cnt[j];
  return r;
}

/** Packs sign(x) of `positions` groups of `c` values into `positions·⌈c/32⌉` words. */
export function binarize(x: Float32Array, positions: number, c: number): Uint32Array {
  const cw = wordsFor(c);
  const out = new Uint32Array(positions * cw);
  for (let p = 0; p < positions; p++) packSigns(x, c, { offset: p * c, out, outOffset: p * cw });
  return out;
}

/** v = scale·r + shift for `positions` rows of `c` channels. */
export function rawToFloat(
  r: Int32Array,
  c: number,
  scale: Float32Array,
  shift: Float32Array,
): Float32Array {
  const out = new Float32Array(r.length);
  for (let i = 0, ch = 0; i < r.length; i++) {
    out[i] = scale[ch] * r[i] + shift[ch];
    if (++ch === c) ch = 0;
  }
  return out;
}

/** Output bits [positions][⌈c/32⌉] from integer r and per-channel thresholds. */
export function rawToBits(
  r: Int32Array,
  c: number,
  threshold: Float32Array,
  direction: Int8Array,
): Uint32Array {
  const cw = wordsFor(c);
  const positions = r.length / c;
  const out = new Uint32Array(positions * cw);
  for (let p = 0; p < positions; p++) {
    for (let ch = 0; ch < c; ch++) {
      if (thresholdBit(r[p * c + ch], threshold[ch], direction[ch])) {
        out[p * cw + (ch >>> 5)] |= 1 << (ch & 31);
      }
    }
  }
  return out;
}

/**
 * Max pooling on packed bits: per channel OR over the window (max of ±1), or AND where the
 * folded batch norm turned the pool into a min (`mode[c] < 0`). Padded cells are ignored.
 */
export function poolBits(x: Uint32Array, g: Window2D, c: number, mode?: Int8Array): Uint32Array {
  const cw = wordsFor(c);
  const orMask = new Uint32Array(cw).fill(0xffffffff);
  if (mode) {
    for (let ch = 0; ch < c; ch++) if (mode[ch] < 0) orMask[ch >>> 5] &= ~(1 << (ch & 31));
  }
  const out = new Uint32Array(g.oh * g.ow * cw);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      const oo = (oy * g.ow + ox) * cw;
      for (let i = 0; i < cw; i++) {
        let or = 0, and = 0xffffffff;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh + ky - g.padTop;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw + kx - g.padLeft;
            if (ix < 0 || ix >= g.w) continue;
            const v = x[(iy * g.w + ix) * cw + i];
            or |= v;
            and &= v;
          }
        }
        out[oo + i] = ((or & orMask[i]) | (and & ~orMask[i])) >>> 0;
      }
    }
  }
  return out;
}

/**
 * Output stage of the binary ops: integer dot products r = n − 2·popcount turned into packed
 * sign bits (per-channel thresholds, as popcount bounds) or floats (scale·r + shift).
 * Pure TypeScript.
 *
 * @module
 */

/**
 * Where a binary op's integer outputs r go: per-channel thresholds → packed bits, or the affine
 * scale·r + shift → floats.
 */
export type BinaryOutput =
  | { kind: "bits"; threshold: Float32Array; direction: Int8Array }
  | { kind: "float"; scale: Float32Array; shift: Float32Array };

/** Precomputed form of an output spec: bit = sgn·r ≥ thr, or v = scale·r + shift. */
export interface Emitter {
  bits: boolean;
  sgn: Int32Array;
  thr: Float64Array;
  scale: Float32Array;
  shift: Float32Array;
}

/** Precomputes the emitter of an output spec for `c` channels. */
export function emitter(o: BinaryOutput, c: number): Emitter {
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
export function emit(
  e: Emitter,
  args: {
    cnt: Int32Array;
    at: number;
    c: number;
    nValid: number;
    corr: Int32Array;
    float: Float32Array;
    p: number;
  },
): void {
  const { cnt, at, c, nValid, corr, float, p } = args;
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
export function countBounds(e: Emitter, n: number): { lo: Int32Array; hi: Int32Array } {
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

/** Packs the bits [lo ≤ cnt ≤ hi] of one position's `c` channels into words at `outAt`. */
export function emitBitsInterior(
  cnt: Int32Array,
  args: { at: number; c: number; lo: Int32Array; hi: Int32Array; bits: Uint32Array; outAt: number },
): void {
  const { at, c, lo, hi, bits, outAt } = args;
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

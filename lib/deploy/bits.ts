/**
 * Bit packing and XNOR–popcount arithmetic on `Uint32Array`s. Pure TypeScript, no tfjs, no
 * Deno APIs (runs in browsers too).
 *
 * Encoding: a value v is binarized as sign(v) with sign(0) = +1 and stored as bit 1 for +1, bit 0
 * for −1. Bit i of a vector goes to word ⌊i/32⌋, bit position i mod 32 (LSB first). Unused high
 * bits of the last word ("padding bits") are always 0, in activations and in weights alike, so
 * that they XOR to 0 and never count as a disagreement.
 *
 * For two ±1 vectors a, b of length n: a·b = n − 2·popcount(bits(a) XOR bits(b)).
 *
 * @module
 */

/** Number of 32-bit words needed for `n` bits. */
export function wordsFor(n: number): number {
  return (n + 31) >>> 5;
}

/** Number of set bits of a 32-bit integer (SWAR popcount). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Packs sign(values[offset + i·stride]) for i < n into `out` starting at word `outOffset`
 * (bit 1 ⇔ value ≥ 0, so sign(0) = +1; NaN packs as −1). Padding bits of the last word are 0.
 */
export function packSigns(
  values: ArrayLike<number>,
  n: number,
  options: { offset?: number; stride?: number; out?: Uint32Array; outOffset?: number } = {},
): Uint32Array {
  const offset = options.offset ?? 0;
  const stride = options.stride ?? 1;
  const words = wordsFor(n);
  const out = options.out ?? new Uint32Array(words);
  const base = options.outOffset ?? 0;
  let src = offset;
  for (let w = 0; w < words; w++) {
    const lim = Math.min(32, n - w * 32);
    let word = 0;
    for (let b = 0; b < lim; b++) {
      if (values[src] >= 0) word |= 1 << b;
      src += stride;
    }
    out[base + w] = word >>> 0;
  }
  return out;
}

/** Unpacks `length` bits (from word `offset`, default 0) to ±1 values (bit 1 → +1, bit 0 → −1). */
export function unpackSigns(
  bits: Uint32Array,
  options: { length: number; offset?: number },
): Float32Array {
  const n = options.length, offset = options.offset ?? 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (bits[offset + (i >>> 5)] >>> (i & 31)) & 1 ? 1 : -1;
  }
  return out;
}

/**
 * Number of disagreeing bits between `a[aOffset..+words]` and `b[bOffset..+words]`:
 * Σ popcount(a XOR b). Offsets default to 0, `words` to `a.length`.
 */
export function xorPopcount(
  a: Uint32Array,
  b: Uint32Array,
  options: { aOffset?: number; bOffset?: number; words?: number } = {},
): number {
  const aOffset = options.aOffset ?? 0, bOffset = options.bOffset ?? 0;
  const words = options.words ?? a.length;
  let p = 0;
  for (let w = 0; w < words; w++) p += popcount32(a[aOffset + w] ^ b[bOffset + w]);
  return p;
}

/**
 * Dot product of two packed ±1 vectors of `n` entries (padding bits 0 in both):
 * n − 2·popcount(a XOR b).
 */
export function binaryDot(a: Uint32Array, b: Uint32Array, options: { length: number }): number {
  const n = options.length;
  return n - 2 * xorPopcount(a, b, { words: wordsFor(n) });
}

/**
 * Packs the rows of a row-major matrix `shape = {rows, n}` into `[rows, wordsFor(n)]` words.
 * `group` (default n) splits each row into consecutive groups of `group` entries, each padded
 * to whole words (the layout of a flattened `[H, W, C]` activation packed per position, group = C).
 */
export function packRows(
  values: ArrayLike<number>,
  shape: { rows: number; n: number },
  options: { group?: number; colStride?: number; rowStride?: number } = {},
): Uint32Array {
  const { rows, n } = shape;
  const group = options.group ?? n;
  if (n % group !== 0) throw new Error(`packRows: group ${group} must divide row length ${n}`);
  const colStride = options.colStride ?? 1;
  const rowStride = options.rowStride ?? n;
  const gw = wordsFor(group);
  const groups = n / group;
  const out = new Uint32Array(rows * groups * gw);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      packSigns(values, group, {
        offset: r * rowStride + g * group * colStride,
        stride: colStride,
        out,
        outOffset: (r * groups + g) * gw,
      });
    }
  }
  return out;
}

/**
 * Bit-level helpers of the deploy engine: binarizing float activations into packed sign bits,
 * and max-pooling packed bits (OR, or AND where a folded negative batch-norm slope turned the
 * pool into a min). Pure TypeScript: no tfjs, no Deno APIs.
 *
 * @module
 */
import { wordsFor } from "./bits.ts";
import { type Window2D, windowTaps } from "./float_ops.ts";

/**
 * Packs sign(x) of `positions` groups of `c` values into `positions·⌈c/32⌉` words; bit 1 iff
 * x ≥ 0, or x > −epsilon when `epsilon` > 0.
 */
export function binarize(
  x: Float32Array,
  shape: { positions: number; c: number },
  options: { epsilon?: number } = {},
): Uint32Array {
  const { positions, c } = shape;
  // x ≥ 0 || x > −ε is x ≥ 0 for ε = 0 (−0 included) and x > −ε for ε > 0 (NaN: 0 either way).
  const eps = options.epsilon ?? 0;
  const cw = wordsFor(c), full = c >>> 5, rest = c & 31;
  const out = new Uint32Array(positions * cw);
  for (let p = 0, src = 0, dst = 0; p < positions; p++) {
    for (let w = 0; w < full; w++, src += 32) {
      let word = 0;
      if (eps > 0) {
        for (let b = 0; b < 32; b++) word |= (x[src + b] > -eps ? 1 : 0) << b;
      } else {
        for (let b = 0; b < 32; b++) word |= (x[src + b] >= 0 ? 1 : 0) << b;
      }
      out[dst++] = word;
    }
    if (rest > 0) {
      let word = 0;
      for (let b = 0; b < rest; b++, src++) word |= (x[src] >= 0 || x[src] > -eps ? 1 : 0) << b;
      out[dst++] = word;
    }
  }
  return out;
}

/**
 * Max pooling on packed bits: per channel OR over the window (max of ±1), or AND where the
 * folded batch norm turned the pool into a min (`mode[c] < 0`). Padded cells are ignored.
 */
export function poolBits(
  x: Uint32Array,
  spec: { window: Window2D; channels: number; mode?: Int8Array },
): Uint32Array {
  const { window: g, channels: c, mode } = spec;
  const cw = wordsFor(c);
  const orMask = poolOrMask(c, mode);
  const out = new Uint32Array(g.oh * g.ow * cw);
  const taps = new Int32Array(2 * g.kh * g.kw);
  for (let p = 0; p < g.oh * g.ow; p++) {
    const n = windowTaps(g, p, taps);
    for (let i = 0; i < cw; i++) {
      let or = 0, and = 0xffffffff;
      for (let k = 0; k < n; k++) {
        const v = x[taps[2 * k] * cw + i];
        or |= v;
        and &= v;
      }
      out[p * cw + i] = ((or & orMask[i]) | (and & ~orMask[i])) >>> 0;
    }
  }
  return out;
}

/**
 * The words of {@link poolBits}'s channel modes: bit c is 1 where channel c is pooled by OR (max),
 * 0 where by AND (`mode[c] < 0`, min); bits past `channels` are 1.
 */
export function poolOrMask(channels: number, mode?: Int8Array): Uint32Array {
  const orMask = new Uint32Array(wordsFor(channels)).fill(0xffffffff);
  if (mode) {
    for (let ch = 0; ch < channels; ch++) if (mode[ch] < 0) orMask[ch >>> 5] &= ~(1 << (ch & 31));
  }
  return orMask;
}

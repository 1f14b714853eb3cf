/**
 * Small seeded random number generators used by the batch iterator. Every random choice is derived
 * from integer keys such as (seed, epoch, batch index), so a run can resume at any batch and see
 * exactly the same shuffles and augmentations.
 *
 * @module
 */

/** A 32-bit integer hash (murmur3 finaliser); maps any integer to a well-mixed uint32. */
export function mix32(value: number): number {
  let a = value >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  return (a ^ (a >>> 16)) >>> 0;
}

/**
 * Combines integer keys into one uint32 seed. Keys must be safe integers (≥ 0 or negative); values
 * beyond 32 bits contribute their high bits too. Different key sequences give unrelated seeds.
 */
export function seedFrom(keys: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    if (!Number.isSafeInteger(k)) throw new Error(`seed key must be a safe integer, got ${k}`);
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    h = mix32(h ^ mix32(lo + 0x7f4a7c15));
    h = mix32(h ^ mix32(hi + 0x2545f491));
  }
  return h;
}

/** A generator of uint32 values (mulberry32). */
export type Rng = () => number;

/** Returns a mulberry32 generator started from `seed`; each call gives a uint32. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return function next(): number {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A uniform integer in [0, n) from `rng` (n ≤ 2^32; bias below 2^-32·n is negligible here). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor((rng() / 4294967296) * n);
}

/** Shuffles `arr` in place (Fisher–Yates) with `rng` and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(
  arr: T,
  rng: Rng,
): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

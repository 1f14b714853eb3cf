/**
 * Batch-norm folding math: batch norm → per-channel affine, affine composition, and the integer
 * thresholds that replace "affine then sign" after a binary layer. Pure TypeScript.
 *
 * A binary×binary layer produces an integer r per channel (r = n_valid − 2·popcount). Followed
 * by the affine v = a·r + b (α, bias and batch norm folded) and the next layer's sign
 * (sign(0) = +1), the output bit is [a·r + b ≥ 0]:
 * - a > 0: r ≥ −b/a ⇔ r ≥ ⌈−b/a⌉  (direction +1, integer threshold ⌈−b/a⌉);
 * - a < 0: r ≤ −b/a ⇔ r ≤ ⌊−b/a⌋  (direction −1 — a negative γ flips the comparison);
 * - a = 0: the bit is the constant [b ≥ 0] (direction 0, threshold −∞ when b ≥ 0, else +∞).
 *
 * Ties (a·r + b = 0 exactly) give bit 1, as sign(0) = +1. Thresholds are computed in float64 and
 * are integers, so they are exact in float32.
 *
 * @module
 */

/** A per-channel affine v = scale·x + shift. */
export interface Affine {
  scale: Float64Array;
  shift: Float64Array;
}

/** Batch-norm parameters (tfjs BatchNormalization weights; gamma/beta absent = 1/0). */
export interface BatchNormParams {
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  movingMean: ArrayLike<number>;
  movingVariance: ArrayLike<number>;
  epsilon: number;
}

/**
 * The inference-mode batch norm y = γ(x − μ)/√(σ² + ε) + β as an affine:
 * scale = γ/√(σ² + ε), shift = β − μ·scale.
 */
export function batchNormAffine(p: BatchNormParams): Affine {
  const n = p.movingMean.length;
  if (p.movingVariance.length !== n) {
    throw new Error(
      `batchNormAffine: movingVariance has ${p.movingVariance.length} entries, expected ${n}`,
    );
  }
  const scale = new Float64Array(n), shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const g = p.gamma ? p.gamma[c] : 1;
    const b = p.beta ? p.beta[c] : 0;
    scale[c] = g / Math.sqrt(p.movingVariance[c] + p.epsilon);
    shift[c] = b - p.movingMean[c] * scale[c];
  }
  return { scale, shift };
}

/** `second ∘ first`: x ↦ second.scale·(first.scale·x + first.shift) + second.shift. */
export function composeAffine(first: Affine, second: Affine): Affine {
  const n = first.scale.length;
  if (second.scale.length !== n) {
    throw new Error(`composeAffine: channel counts differ (${n} vs ${second.scale.length})`);
  }
  const scale = new Float64Array(n), shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = second.scale[c] * first.scale[c];
    shift[c] = second.scale[c] * first.shift[c] + second.shift[c];
  }
  return { scale, shift };
}

/**
 * Integer thresholds replacing sign(scale·r + shift) for integer r (see the module doc).
 * With `epsilon` > 0 the bit is [v > −epsilon] instead of [v ≥ 0] (see `signEpsilon` in
 * `format.ts`).
 */
export function affineThreshold(
  a: Affine,
  options: { epsilon?: number } = {},
): { threshold: Float32Array; direction: Int8Array } {
  const n = a.scale.length;
  const eps = options.epsilon ?? 0;
  const threshold = new Float32Array(n), direction = new Int8Array(n);
  for (let c = 0; c < n; c++) {
    const s = a.scale[c], b = a.shift[c];
    if (eps > 0) {
      // s·r + b > −ε: r > (−ε − b)/s for s > 0, r < (−ε − b)/s for s < 0.
      const q = (-eps - b) / s;
      if (s > 0) [direction[c], threshold[c]] = [1, Math.floor(q) + 1];
      else if (s < 0) [direction[c], threshold[c]] = [-1, Math.ceil(q) - 1];
      else [direction[c], threshold[c]] = [0, b > -eps ? -Infinity : Infinity];
      continue;
    }
    if (s > 0) {
      direction[c] = 1;
      threshold[c] = Math.ceil(-b / s);
    } else if (s < 0) {
      direction[c] = -1;
      threshold[c] = Math.floor(-b / s);
    } else {
      direction[c] = 0;
      threshold[c] = b >= 0 ? -Infinity : Infinity;
    }
  }
  return { threshold, direction };
}

/** The output bit (1 = +1) for integer `r` under a threshold/direction pair. */
export function thresholdBit(r: number, t: { threshold: number; direction: number }): number {
  if (t.direction > 0) return r >= t.threshold ? 1 : 0;
  if (t.direction < 0) return r <= t.threshold ? 1 : 0;
  return t.threshold <= 0 ? 1 : 0;
}

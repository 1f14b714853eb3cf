/**
 * Curves of the BNN+ regularizers over a latent weight w, computed with the library's own
 * `manhattan` / `euclidean` (`lib/regularizers.ts`), and the optimal scale α of a weight sample
 * (median|w| for Manhattan, mean|w| for Euclidean).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { euclidean, manhattan } from "../regularizers.ts";
import type { XYCurve } from "./quantizer_curves.ts";

/** The regularizers with a non-trivial curve. */
export type PenaltyName = "manhattan" | "euclidean";

function penaltyFn(name: PenaltyName): (w: tf.Tensor, a: number | tf.Tensor) => tf.Scalar {
  if (name === "manhattan") return manhattan;
  if (name === "euclidean") return euclidean;
  throw new Error(
    `regularizer curve: name must be "manhattan" or "euclidean", got ${JSON.stringify(name)}`,
  );
}

/** R(w) for a single weight w at each point of `ws`, for scale α. */
export function penaltyCurve(
  name: PenaltyName,
  ws: number[],
  options: { alpha: number },
): XYCurve {
  const alpha = options.alpha;
  const fn = penaltyFn(name);
  const y = tf.tidy(() => ws.map((w) => tf.tidy(() => fn(tf.scalar(w), alpha).dataSync()[0])));
  return { name: `${name} α=${alpha}`, x: ws, y };
}

/** ∂R/∂w at each point of `ws` (autodiff through the library regularizer), for scale α. */
export function penaltyGradientCurve(
  name: PenaltyName,
  ws: number[],
  options: { alpha: number },
): XYCurve {
  const alpha = options.alpha;
  const fn = penaltyFn(name);
  const y = tf.tidy(() => {
    const g = tf.grad((w: tf.Tensor) => fn(w, alpha));
    return g(tf.tensor1d(ws)).arraySync() as number[];
  });
  return { name: `${name} α=${alpha}`, x: ws, y };
}

/** Result of {@link alphaOptimum}. */
export interface AlphaOptimum {
  name: PenaltyName;
  /** The α on the scan grid with the smallest total penalty. */
  best: number;
  meanAbs: number;
  medianAbs: number;
  /** Total penalty Σ R(w; α) over the scan grid (for plotting). */
  curve: XYCurve;
}

/**
 * Scans α over `n` points of [0, max|w|] and returns the α minimising Σ R(w; α) for the weight
 * sample, next to mean|w| and median|w| (the closed-form minimisers of Euclidean and Manhattan).
 */
export function alphaOptimum(
  name: PenaltyName,
  weights: ArrayLike<number>,
  options: { n?: number } = {},
): AlphaOptimum {
  const fn = penaltyFn(name);
  const ws = Float32Array.from(weights);
  if (ws.length === 0) throw new Error("alphaOptimum: weights must not be empty");
  const abs = Array.from(ws, Math.abs).sort((a, b) => a - b);
  const meanAbs = abs.reduce((s, v) => s + v, 0) / abs.length;
  const m = abs.length >> 1;
  const medianAbs = abs.length % 2 ? abs[m] : (abs[m - 1] + abs[m]) / 2;
  const n = options.n ?? 801;
  const alphas = Array.from({ length: n }, (_, i) => (abs[abs.length - 1] * i) / (n - 1));
  const totals = tf.tidy(() => {
    const w = tf.tensor1d(ws);
    return alphas.map((a) => fn(w, a).dataSync()[0]);
  });
  let k = 0;
  for (let i = 1; i < n; i++) if (totals[i] < totals[k]) k = i;
  return {
    name,
    best: alphas[k],
    meanAbs,
    medianAbs,
    curve: { name: `Σ ${name}(w; α)`, x: alphas, y: totals },
  };
}

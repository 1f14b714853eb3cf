/**
 * BNN+ regularizers that pull latent weights towards ±α (not towards 0 like L1/L2).
 *
 * Both take the latent weights `w` and a scale `alpha` broadcast against `w`: a scalar, or one α
 * per output channel (shape of the last axis of a dense/conv kernel, `[units]` / `[filters]`).
 * They return the summed penalty; a layer multiplies by λ and adds it to the training loss.
 *
 * @module
 */
import { tf } from "./tf.ts";

/** Names of the regularizers a layer can select. */
export type RegularizerName = "none" | "manhattan" | "euclidean";

/** All regularizer names, for validation and grids. */
export const REGULARIZER_NAMES: readonly RegularizerName[] = ["none", "manhattan", "euclidean"];

function checkBroadcast(fn: string, w: tf.Tensor, alpha: tf.Tensor | number): void {
  if (typeof alpha === "number" || alpha.rank === 0) return;
  const last = w.shape[w.rank - 1];
  const ok = alpha.size === 1 || (alpha.rank === 1 && alpha.shape[0] === last) ||
    (alpha.rank === w.rank && alpha.shape.every((d, i) => d === 1 || d === w.shape[i]));
  if (!ok) {
    throw new Error(
      `${fn}: alpha of shape [${alpha.shape}] does not broadcast against w of shape [${w.shape}]; ` +
        `expected a scalar or [${last}] (one α per output channel)`,
    );
  }
}

/**
 * Manhattan (L1-like) BNN+ regularizer R1 = Σ |α − |w||, minimal at w = ±α.
 *
 * - Gradients: ∂R1/∂w = −sign(α − |w|)·sign(w), ∂R1/∂α = Σ sign(α − |w|).
 * - For a fixed group of weights the α minimising R1 is median(|w|).
 *
 * Citation: Darabi et al., "BNN+: Improved Binary Network Training", arXiv 1812.11800.
 */
export function manhattan(w: tf.Tensor, alpha: tf.Tensor | number): tf.Scalar {
  checkBroadcast("manhattan", w, alpha);
  return tf.tidy(() => tf.sum(tf.abs(tf.sub(alpha, tf.abs(w))))) as tf.Scalar;
}

/**
 * Euclidean (L2-like) BNN+ regularizer R2 = Σ (α − |w|)², minimal at w = ±α.
 *
 * - Gradients: ∂R2/∂w = −2(α − |w|)·sign(w), ∂R2/∂α = Σ 2(α − |w|).
 * - For a fixed group of weights the α minimising R2 is mean(|w|) (the XNOR-Net scale).
 *
 * Citation: Darabi et al., "BNN+: Improved Binary Network Training", arXiv 1812.11800.
 */
export function euclidean(w: tf.Tensor, alpha: tf.Tensor | number): tf.Scalar {
  checkBroadcast("euclidean", w, alpha);
  return tf.tidy(() => tf.sum(tf.square(tf.sub(alpha, tf.abs(w))))) as tf.Scalar;
}

/** The penalty for `name` (0 for `"none"`), without λ. */
export function regularize(
  w: tf.Tensor,
  alpha: tf.Tensor | number,
  name: RegularizerName,
): tf.Scalar {
  switch (name) {
    case "none":
      return tf.scalar(0);
    case "manhattan":
      return manhattan(w, alpha);
    case "euclidean":
      return euclidean(w, alpha);
    default:
      throw new Error(
        `regularizer: unknown name ${JSON.stringify(name)}; expected one of ` +
          REGULARIZER_NAMES.map((n) => JSON.stringify(n)).join(", "),
      );
  }
}

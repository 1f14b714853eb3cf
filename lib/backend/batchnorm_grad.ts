/**
 * A leaner gradient for `FusedBatchNorm` (tf.batchNorm), registered over tfjs-core's. The stock
 * one tiles `1/√(var+ε)` to the full input shape and makes four full-size products plus four
 * reductions; this one broadcasts per-channel values and shares two reductions:
 *
 *   g = scale/√(var+ε), s₁ = Σ dy, s₂ = Σ dy·(x − mean)   (Σ over all axes but the channel)
 *   dx = dy·g, dOffset = s₁, dScale = s₂/√(var+ε), dMean = −g·s₁, dVar = −½·g·s₂/(var+ε).
 *
 * Inputs whose `mean` has the same rank as `x` (no reduction) use the same formulas without Σ.
 * Backend-independent (it is made of tf ops), so it also speeds up the cpu backend.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** The gradient config registered for `FusedBatchNorm`. */
export const FUSED_BATCH_NORM_GRAD: tf.GradConfig = {
  kernelName: "FusedBatchNorm",
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g0 = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as Pick<tf.FusedBatchNormAttrs, "varianceEpsilon">;
    const [x, mean, variance, scale] = saved;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const inv = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const g = scale == null ? inv : tf.mul(inv, scale);
    // Computed here, not in the closures: the engine runs each closure in its own tidy.
    const s1 = reduce(g0);
    const s2 = reduce(tf.mul(g0, tf.sub(x, mean)));
    return {
      x: () => tf.mul(g0, g),
      mean: () => tf.neg(tf.mul(g, s1)),
      variance: () => tf.mul(tf.mul(tf.mul(g, tf.square(inv)), s2), -0.5),
      scale: () => tf.mul(s2, inv),
      offset: () => tf.clone(s1),
    };
  },
};

/** Registers {@link FUSED_BATCH_NORM_GRAD} (idempotent; replaces tfjs-core's gradient). */
export function registerBatchNormGrad(): void {
  const cur = tf.getGradient("FusedBatchNorm");
  if (cur?.gradFunc === FUSED_BATCH_NORM_GRAD.gradFunc) return;
  tf.registerGradient(FUSED_BATCH_NORM_GRAD);
}

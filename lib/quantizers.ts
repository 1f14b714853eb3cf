/**
 * Binarizing quantizers: forward `sign` (with sign(0) = +1) and a choice of pseudo-gradients.
 *
 * Each quantizer maps a real tensor to ±1 in the forward pass; they differ only in the gradient
 * that replaces d sign/dx (which is 0 almost everywhere) in the backward pass.
 *
 * @module
 */
import { tf } from "./tf.ts";

/** A number or a scalar tensor (for example a trainable `tf.Variable`). */
export type Beta = number | tf.Scalar;

/**
 * sign(x) ∈ {−1, +1} with sign(0) = +1 (the larq / BinaryNet convention). Not differentiable:
 * its gradient is 0 everywhere. NaN stays NaN.
 *
 * Forward: `x ≥ 0 ? +1 : −1`, computed as `−step(−x, −1)`: exact for every x on every backend
 * (tfjs-wasm's `Sign` returns 0 for |x| < 2⁻²³, so `sign(sign(x) + 0.1)` maps tiny negatives to +1).
 */
export function sign<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.neg(tf.step(tf.neg(x), -1))) as T;
}

/** Options of {@link steSign}. */
export interface SteSignOptions {
  /** Gradients pass only where |x| ≤ clipValue. Default 1. */
  clipValue?: number;
}

/**
 * Straight-through estimator sign (BinaryNet).
 *
 * - Forward: `sign(x)`, sign(0) = +1.
 * - Pseudo-gradient: `dy · 1{|x| ≤ clipValue}` (the derivative of hardtanh for clipValue = 1).
 *
 * Citation: Hubara, Courbariaux, Soudry, El-Yaniv, Bengio, "Binarized Neural Networks", NeurIPS 2016
 * (arXiv 1602.02830); Bengio, Léonard, Courville 2013 (arXiv 1308.3432) for the STE.
 */
export function steSign<T extends tf.Tensor>(x: T, options: SteSignOptions = {}): T {
  const clipValue = options.clipValue ?? 1;
  const f = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: sign(t),
      gradFunc: (dy, saved) => {
        const [xs] = saved as tf.Tensor[];
        return tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(xs), clipValue), dy.dtype));
      },
    };
  });
  return f(x) as T;
}

/**
 * ApproxSign (Bi-Real Net).
 *
 * - Forward: `sign(x)`, sign(0) = +1.
 * - Pseudo-gradient: `dy · max(0, 2 − 2|x|)`, the derivative of the piecewise-quadratic
 *   `2x + x²·sign(−x)` on [−1, 1].
 *
 * Citation: Liu, Wu, Luo, Yang, Liu, Cheng, "Bi-Real Net", ECCV 2018 (arXiv 1808.00278).
 */
export function approxSign<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: sign(t),
      gradFunc: (dy, saved) => {
        const [xs] = saved as tf.Tensor[];
        return tf.mul(dy, tf.relu(tf.sub(2, tf.mul(2, tf.abs(xs)))));
      },
    };
  });
  return f(x) as T;
}

/**
 * g(t) = (2 − t·tanh(t/2)) / (1 + cosh t), written with u = e^{−|t|} so that it stays finite for
 * any |t|: 1/(1 + cosh t) = 2u/(1+u)² and t·tanh(t/2) = |t|(1−u)/(1+u).
 * Then dSS_β/dx = β·g(βx) and dSS_β/dβ = x·g(βx).
 */
function swishKernel(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(t);
    const u = tf.exp(tf.neg(a));
    const onePlusU = tf.add(1, u);
    const tTanh = tf.div(tf.mul(a, tf.sub(1, u)), onePlusU);
    const inv = tf.div(tf.mul(2, u), tf.square(onePlusU));
    return tf.mul(tf.sub(2, tTanh), inv);
  });
}

/**
 * SwishSign: the BNN+ sign with the SignSwish pseudo-gradient.
 *
 * - Forward: `sign(x)`, sign(0) = +1.
 * - Pseudo-gradient: `dy · β(2 − βx·tanh(βx/2)) / (1 + cosh(βx))`, the derivative of
 *   {@link signSwish}. It peaks at β for x = 0, is positive for |x| < 2.3994/β, slightly negative
 *   beyond, and integrates to 2 over ℝ. Evaluated in a form that cannot overflow (finite at βx = 1000).
 * - When `beta` is a scalar tensor (e.g. a trainable variable) it also receives the gradient
 *   `Σ dy · x(2 − βx·tanh(βx/2)) / (1 + cosh(βx))`.
 *
 * Citation: Darabi, Belbahri, Courbariaux, Partovi Nia, "BNN+: Improved Binary Network Training",
 * arXiv 1812.11800.
 */
export function swishSign<T extends tf.Tensor>(x: T, beta: Beta = 5): T {
  if (typeof beta === "number") {
    const b = beta;
    const f = tf.customGrad((input, save) => {
      const t = input as tf.Tensor;
      (save as tf.GradSaveFunc)([t]);
      return {
        value: sign(t),
        gradFunc: (dy, saved) => {
          const [xs] = saved as tf.Tensor[];
          return tf.mul(dy, tf.mul(b, swishKernel(tf.mul(b, xs))));
        },
      };
    });
    return f(x) as T;
  }
  const f = tf.customGrad((input, b, save) => {
    const t = input as tf.Tensor;
    const bt = b as tf.Tensor;
    (save as tf.GradSaveFunc)([t, bt]);
    return {
      value: sign(t),
      gradFunc: (dy, saved) => {
        const [xs, bs] = saved as tf.Tensor[];
        const g = swishKernel(tf.mul(bs, xs));
        return [tf.mul(dy, tf.mul(bs, g)), tf.reshape(tf.sum(tf.mul(dy, tf.mul(xs, g))), bs.shape)];
      },
    };
  });
  return f(x, beta) as T;
}

/**
 * The smooth SignSwish surrogate SS_β(x) = 2σ(βx)[1 + βx(1 − σ(βx))] − 1 (= 2·d/dx[x·σ(βx)] − 1).
 * Used for plots and tests; ordinary autodiff gives its exact derivatives in x and β.
 *
 * Citation: Darabi et al., "BNN+: Improved Binary Network Training", arXiv 1812.11800.
 */
export function signSwish<T extends tf.Tensor>(x: T, beta: Beta = 5): T {
  return tf.tidy(() => {
    const bx = tf.mul(beta, x);
    const s = tf.sigmoid(bx);
    return tf.sub(tf.mul(tf.mul(2, s), tf.add(1, tf.mul(bx, tf.sub(1, s)))), 1);
  }) as T;
}

/** Names of the binarizing quantizers a layer can select. */
export type QuantizerName = "ste_sign" | "approx_sign" | "swish_sign";

/** All quantizer names, for validation and grids. */
export const QUANTIZER_NAMES: readonly QuantizerName[] = ["ste_sign", "approx_sign", "swish_sign"];

/**
 * Applies the quantizer `name` (or the identity for `null` / `"none"`, i.e. full precision).
 * `beta` is used by `"swish_sign"` only.
 */
export function quantize<T extends tf.Tensor>(
  x: T,
  name: QuantizerName | "none" | null | undefined,
  options: { beta?: Beta; clipValue?: number } = {},
): T {
  switch (name ?? "none") {
    case "none":
      return x;
    case "ste_sign":
      return steSign(x, { clipValue: options.clipValue });
    case "approx_sign":
      return approxSign(x);
    case "swish_sign":
      return swishSign(x, options.beta ?? 5);
    default:
      throw new Error(
        `quantizer: unknown name ${JSON.stringify(name)}; expected one of ` +
          `"none", ${QUANTIZER_NAMES.map((n) => JSON.stringify(n)).join(", ")}`,
      );
  }
}

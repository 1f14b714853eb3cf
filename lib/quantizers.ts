/**
 * Binarizing quantizers: forward `sign` (with sign(0) = +1) and a choice of pseudo-gradients, in
 * one registry ({@link QUANTIZERS}, as larq does) that the layers, the experiment config and grid,
 * the analysis curves and the plots read. Adding a quantizer is adding one entry there.
 *
 * Each quantizer maps a real tensor to ±1 in the forward pass; they differ only in the gradient
 * that replaces d sign/dx (which is 0 almost everywhere) in the backward pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantize, QUANTIZER_NAMES } from "./quantizers.ts";
 * import { tf } from "./tf.ts";
import { fusedSign, fusedSteSignGrad, fusedSwishSignGrad } from "./backend/quantizer_grad.ts";
 * const x = tf.tensor1d([-0.5, 0, 2]);
 * assert.deepEqual(quantize(x, "swish_sign", { beta: 5 }).arraySync(), [-1, 1, 1]);
 * // The pseudo-gradient training uses (autodiff through the quantizer): 1{|x| ≤ 1} for STE.
 * const g = tf.grad((t: tf.Tensor) => quantize(t, "ste_sign").sum());
 * assert.deepEqual(g(x).arraySync(), [1, 1, 0]);
 * assert.deepEqual(QUANTIZER_NAMES, ["ste_sign", "approx_sign", "swish_sign"]);
 * ```
 *
 * @module
 */
import { tf } from "./tf.ts";
import { fusedSign, fusedSteSignGrad, fusedSwishSignGrad } from "./backend/quantizer_grad.ts";

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

/**
 * The one custom-gradient block of the quantizers: forward `sign(x)`, backward `dy · dqdx(x)`.
 * On tfjs-wasm with the project's native kernels both run as one pass each (`fused`: the whole
 * backward, `lib/backend/quantizer_grad.ts`), bit-identical to the tfjs ops written here.
 */
function signWithPseudoGradient<T extends tf.Tensor>(
  x: T,
  dqdx: (x: tf.Tensor) => tf.Tensor,
  fused?: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor | undefined,
): T {
  const f = tf.customGrad((input, save) => {
    const t = input as tf.Tensor;
    (save as tf.GradSaveFunc)([t]);
    return {
      value: fusedSign(t) ?? sign(t),
      gradFunc: (dy, saved) => {
        const xs = (saved as tf.Tensor[])[0];
        return fused?.(xs, dy as tf.Tensor) ?? tf.mul(dy, dqdx(xs));
      },
    };
  });
  return f(x) as T;
}

/**
 * {@link signWithPseudoGradient} for a quantizer with a trainable scalar parameter p (β): the
 * backward pass also returns `Σ dy · dqdp(x, p)` for p.
 */
function signWithParamGradient<T extends tf.Tensor>(
  x: T,
  p: tf.Scalar,
  grads: (x: tf.Tensor, p: tf.Tensor) => { dx: tf.Tensor; dp: tf.Tensor },
): T {
  const f = tf.customGrad((input, param, save) => {
    const t = input as tf.Tensor;
    const pt = param as tf.Tensor;
    (save as tf.GradSaveFunc)([t, pt]);
    return {
      value: fusedSign(t) ?? sign(t),
      gradFunc: (dy, saved) => {
        const [xs, ps] = saved as tf.Tensor[];
        const { dx, dp } = grads(xs, ps);
        return [tf.mul(dy, dx), tf.reshape(tf.sum(tf.mul(dy, dp)), ps.shape)];
      },
    };
  });
  return f(x, p) as T;
}

/** Options of the quantizers (each uses the ones it lists in {@link Quantizer.parameters}). */
export interface QuantizerOptions {
  /** SignSwish β (number or scalar tensor, e.g. a trainable variable). Default 5. */
  beta?: Beta;
  /** STE: gradients pass only where |x| ≤ clipValue. Default 1. */
  clipValue?: number;
}

/** Options of {@link steSign}. */
export interface SteSignOptions {
  /** Gradients pass only where |x| ≤ clipValue. Default 1. */
  clipValue?: number;
}

/** One registered quantizer. */
export interface Quantizer {
  /** Registry name (what layers, configs and grids use), e.g. `"ste_sign"`. */
  readonly name: string;
  /** Bits of the forward output (1 for the binarizing quantizers). */
  readonly precision: number;
  /** The options it reads; `"beta"` makes it a SignSwish-like quantizer (β axis, trainable β). */
  readonly parameters: readonly (keyof QuantizerOptions)[];
  /** A short name for plots and tables, e.g. `"STE (hardtanh)"`, `"SignSwish β=5"`. */
  title(options?: { beta?: number }): string;
  /** Forward `sign(x)` with the pseudo-gradient in the backward pass. */
  apply<T extends tf.Tensor>(x: T, options?: QuantizerOptions): T;
  /** The pseudo-gradient dq/dx in closed form (what `apply`'s backward multiplies `dy` by). */
  pseudoGradient(x: tf.Tensor, options?: { beta?: number; clipValue?: number }): tf.Tensor;
  /** The smooth function whose derivative the pseudo-gradient is (drawn by the notebooks). */
  surrogate(x: tf.Tensor, options?: { beta?: number }): tf.Tensor;
}

function steGrad(x: tf.Tensor, clipValue = 1): tf.Tensor {
  return tf.cast(tf.lessEqual(tf.abs(x), clipValue), x.dtype);
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
  return signWithPseudoGradient(
    x,
    (xs) => steGrad(xs, clipValue),
    (xs, dy) => fusedSteSignGrad(xs, dy, clipValue),
  );
}

function approxGrad(x: tf.Tensor): tf.Tensor {
  return tf.relu(tf.sub(2, tf.mul(2, tf.abs(x))));
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
  return signWithPseudoGradient(x, approxGrad);
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
    return signWithPseudoGradient(
      x,
      (xs) => tf.mul(b, swishKernel(tf.mul(b, xs))),
      (xs, dy) => fusedSwishSignGrad(xs, dy, b),
    );
  }
  return signWithParamGradient(x, beta, (xs, bs) => {
    const g = swishKernel(tf.mul(bs, xs));
    return { dx: tf.mul(bs, g), dp: tf.mul(xs, g) };
  });
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

/**
 * The quantizer registry: one entry per quantizer (forward with pseudo-gradient, the closed-form
 * pseudo-gradient, its surrogate, precision, parameters, plot title). Formulas and citations are
 * on {@link steSign}, {@link approxSign} and {@link swishSign}. The order is the order of the
 * ablation grid's backward axis and of the notebooks' figures.
 */
export const QUANTIZERS = {
  /** BinaryNet's straight-through estimator: pseudo-gradient 1{|x| ≤ clip}, surrogate hardtanh. */
  ste_sign: {
    name: "ste_sign",
    precision: 1,
    parameters: ["clipValue"],
    title: () => "STE (hardtanh)",
    apply: (x, o = {}) => steSign(x, { clipValue: o.clipValue }),
    pseudoGradient: (x, o = {}) => steGrad(x, o.clipValue ?? 1),
    surrogate: (x) => tf.clipByValue(x, -1, 1),
  },
  /** Bi-Real Net's ApproxSign: pseudo-gradient max(0, 2 − 2|x|), surrogate 2x − x²·sign(x). */
  approx_sign: {
    name: "approx_sign",
    precision: 1,
    parameters: [],
    title: () => "ApproxSign",
    apply: (x) => approxSign(x),
    pseudoGradient: (x) => approxGrad(x),
    surrogate: (x) =>
      tf.tidy(() => {
        const c = tf.clipByValue(x, -1, 1);
        return tf.sub(tf.mul(2, c), tf.mul(tf.square(c), tf.sign(c)));
      }),
  },
  /** BNN+ SignSwish: pseudo-gradient dSS_β/dx, surrogate SS_β (β may be trainable). */
  swish_sign: {
    name: "swish_sign",
    precision: 1,
    parameters: ["beta"],
    title: (o = {}) => `SignSwish β=${o.beta ?? 5}`,
    apply: (x, o = {}) => swishSign(x, o.beta ?? 5),
    pseudoGradient: (x, o = {}) => {
      const b = o.beta ?? 5;
      return tf.tidy(() => tf.mul(b, swishKernel(tf.mul(b, x))));
    },
    surrogate: (x, o = {}) => signSwish(x, o.beta ?? 5),
  },
} as const satisfies Record<string, Quantizer>;

/** Names of the binarizing quantizers a layer can select (the keys of {@link QUANTIZERS}). */
export type QuantizerName = keyof typeof QUANTIZERS;

/** All quantizer names, in registry order, for validation and grids. */
export const QUANTIZER_NAMES: readonly QuantizerName[] = Object.keys(QUANTIZERS) as QuantizerName[];

/** A layer's quantizer choice: a registered name, or `"none"` (full precision). */
export type QuantizerChoice = QuantizerName | "none";

/** The registered quantizer `name`; throws naming the known ones when there is none. */
export function getQuantizer(name: string): Quantizer {
  if (!Object.hasOwn(QUANTIZERS, name)) {
    throw new Error(
      `quantizer: unknown name ${JSON.stringify(name)}; expected one of ` +
        `"none", ${QUANTIZER_NAMES.map((n) => JSON.stringify(n)).join(", ")}`,
    );
  }
  return QUANTIZERS[name as QuantizerName];
}

/** True when quantizer `name` reads β (SignSwish-like; "none" does not). */
export function usesBeta(name: QuantizerChoice | null | undefined): boolean {
  return !!name && name !== "none" && getQuantizer(name).parameters.includes("beta");
}

/**
 * Applies the quantizer `name` (or the identity for `null` / `"none"`, i.e. full precision),
 * resolved through {@link QUANTIZERS}. Each quantizer reads only its own options.
 */
export function quantize<T extends tf.Tensor>(
  x: T,
  name: QuantizerChoice | null | undefined,
  options: QuantizerOptions = {},
): T {
  if ((name ?? "none") === "none") return x;
  return getQuantizer(name as string).apply(x, options);
}

/**
 * Curves of the binarizing quantizers over x, computed with the library's own quantizers
 * (`lib/quantizers.ts`): forward surrogates, the pseudo-gradients autodiff actually uses, the
 * SignSwish zero crossing (±2.3994/β) and the area under each pseudo-gradient (2 for all of them).
 *
 * @module
 */
import { tf } from "../tf.ts";
import {
  getQuantizer,
  quantize,
  QUANTIZER_NAMES,
  type QuantizerName,
  sign,
} from "../quantizers.ts";

/** One named curve y(x). */
export interface XYCurve {
  name: string;
  x: number[];
  y: number[];
}

/** The quantizers drawn in notebooks: the library's names plus plain `sign`. */
export type CurveQuantizer = QuantizerName | "sign";

/** `n` evenly spaced points on [lo, hi]. */
export function linspace(range: [number, number], n: number): number[] {
  const [lo, hi] = range;
  if (!(n >= 2) || !Number.isInteger(n)) {
    throw new Error(`linspace: n must be an integer ≥ 2, got ${n}`);
  }
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

function label(name: CurveQuantizer, beta: number): string {
  return name === "sign" ? "sign" : getQuantizer(name).title({ beta });
}

/**
 * The smooth function whose derivative each quantizer uses in the backward pass: sign itself for
 * `sign`, hardtanh for STE, Bi-Real's piecewise quadratic for ApproxSign and SS_β for SignSwish.
 */
export function surrogateCurve(
  name: CurveQuantizer,
  xs: number[],
  options: { beta?: number } = {},
): XYCurve {
  const beta = options.beta ?? 5;
  if (name !== "sign" && !(QUANTIZER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`surrogateCurve: unknown quantizer ${JSON.stringify(name)}`);
  }
  const y = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    const f = name === "sign" ? sign(x) : getQuantizer(name).surrogate(x, { beta });
    return f.arraySync() as number[];
  });
  return { name: label(name, beta), x: xs, y };
}

/**
 * The pseudo-gradient d q(x)/dx that training uses, obtained by autodiff through the library
 * quantizer (`sign` has the true gradient 0).
 */
export function pseudoGradientCurve(
  name: CurveQuantizer,
  xs: number[],
  options: { beta?: number } = {},
): XYCurve {
  const beta = options.beta ?? 5;
  const y = tf.tidy(() => {
    const x = tf.tensor1d(xs);
    if (name === "sign") return tf.zerosLike(x).arraySync() as number[];
    const g = tf.grad((t: tf.Tensor) => tf.sum(quantize(t, name, { beta })));
    return g(x).arraySync() as number[];
  });
  return { name: label(name, beta), x: xs, y };
}

/** The pseudo-gradient at one point x (autodiff through the library quantizer). */
function gradAt(name: QuantizerName, x: number, beta: number): number {
  return tf.tidy(() => {
    const g = tf.grad((t: tf.Tensor) => tf.sum(quantize(t, name, { beta })));
    return g(tf.tensor1d([x])).dataSync()[0];
  });
}

/**
 * The positive x where the SignSwish pseudo-gradient changes sign (it is negative beyond), found by
 * bisection on the library's swishSign gradient. Theory: 2.3994/β (root of 2 = t·tanh(t/2)).
 */
export function swishZeroCrossing(beta: number): number {
  if (!(beta > 0)) throw new Error(`swishZeroCrossing: beta must be > 0, got ${beta}`);
  let lo = 0, hi = 10 / beta;
  if (!(gradAt("swish_sign", lo, beta) > 0 && gradAt("swish_sign", hi, beta) < 0)) {
    throw new Error(`swishZeroCrossing: no sign change of the gradient on [0, ${hi}]`);
  }
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (gradAt("swish_sign", mid, beta) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * ∫ q'(x) dx over [−range, range] by the midpoint rule on `n` cells, q' being the library's
 * pseudo-gradient. It is 2 (= sign(+∞) − sign(−∞)) for STE, ApproxSign and SignSwish: every
 * estimator transports the same total gradient, distributed differently. Default range 40/β ∨ 4.
 */
export function pseudoGradientArea(
  name: QuantizerName,
  options: { beta?: number; range?: number; n?: number } = {},
): number {
  const beta = options.beta ?? 5;
  const range = options.range ?? Math.max(4, 40 / beta);
  const n = options.n ?? 20000;
  const h = (2 * range) / n;
  const mids = Array.from({ length: n }, (_, i) => -range + (i + 0.5) * h);
  return pseudoGradientCurve(name, mids, { beta }).y.reduce((s, v) => s + v * h, 0);
}

/** Summary row per β: peak gradient (= β), zero crossing x₀, β·x₀ (≈ 2.3994), area (≈ 2). */
export interface SwishStats {
  beta: number;
  peak: number;
  zeroCrossing: number;
  betaTimesCrossing: number;
  area: number;
}

/** {@link SwishStats} for each β, all computed through the library's swishSign. */
export function swishStats(betas: number[]): SwishStats[] {
  return betas.map((beta) => {
    const zeroCrossing = swishZeroCrossing(beta);
    return {
      beta,
      peak: gradAt("swish_sign", 0, beta),
      zeroCrossing,
      betaTimesCrossing: beta * zeroCrossing,
      area: pseudoGradientArea("swish_sign", { beta }),
    };
  });
}

/** Area under each estimator's pseudo-gradient (all ≈ 2), one row per quantizer. */
export function quantizerAreas(beta = 5): { quantizer: QuantizerName; area: number }[] {
  return QUANTIZER_NAMES.map((quantizer) => ({
    quantizer,
    area: pseudoGradientArea(quantizer, { beta }),
  }));
}

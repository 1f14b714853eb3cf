/**
 * Figures of the method itself: quantizer surrogates and pseudo-gradients, the SignSwish β family,
 * regularizer penalties and gradients, and the optimal scale α. The numbers come from
 * `lib/analysis/` (which uses the library's quantizers and regularizers); this module only draws.
 *
 * @module
 */
import {
  type CurveQuantizer,
  linspace,
  pseudoGradientCurve,
  surrogateCurve,
  swishZeroCrossing,
} from "../analysis/quantizer_curves.ts";
import {
  type AlphaOptimum,
  penaltyCurve,
  penaltyGradientCurve,
  type PenaltyName,
} from "../analysis/regularizer_curves.ts";
import { type Figure, lineFigure, type LineSeries, withVerticalLines } from "./figure.ts";
import { QUANTIZER_NAMES } from "../quantizers.ts";

/** Plain sign, then every registered quantizer (lib/quantizers.ts). */
const ALL: CurveQuantizer[] = ["sign", ...QUANTIZER_NAMES];

/** Options of the quantizer figures. */
export interface QuantizerFigureOptions {
  /** Quantizers to draw; default sign, STE, ApproxSign, SignSwish. */
  quantizers?: CurveQuantizer[];
  /** β of SignSwish; default 5. */
  beta?: number;
  /** x range [−range, range]; default 2.5. */
  range?: number;
  /** Number of x samples; default 401. */
  points?: number;
}

/** Forward surrogates of the quantizers (what each backward pass differentiates). */
export function surrogateFigure(options: QuantizerFigureOptions = {}): Figure {
  const xs = linspace([-(options.range ?? 2.5), options.range ?? 2.5], options.points ?? 401);
  const series: LineSeries[] = (options.quantizers ?? ALL).map((q) =>
    surrogateCurve(q, xs, { beta: options.beta ?? 5 })
  );
  return lineFigure(series, { title: "Forward surrogates q(x)", xTitle: "x", yTitle: "q(x)" });
}

/** Pseudo-gradients dq/dx of the quantizers as used in training (autodiff through lib/). */
export function pseudoGradientFigure(options: QuantizerFigureOptions = {}): Figure {
  const xs = linspace([-(options.range ?? 2.5), options.range ?? 2.5], options.points ?? 401);
  const series: LineSeries[] = (options.quantizers ?? ALL).map((q) =>
    pseudoGradientCurve(q, xs, { beta: options.beta ?? 5 })
  );
  return lineFigure(series, {
    title: "Pseudo-gradients ∂q/∂x",
    xTitle: "x",
    yTitle: "∂q/∂x",
  });
}

/**
 * The SignSwish family for several β: the surrogate SS_β (`kind: "surrogate"`) or its derivative
 * (`kind: "gradient"`, with dotted lines at the zero crossings ±2.4/β).
 */
export function swishBetaFigure(
  betas: number[],
  options: { kind?: "surrogate" | "gradient"; range?: number; points?: number } = {},
): Figure {
  const kind = options.kind ?? "gradient";
  const range = options.range ?? 3;
  const xs = linspace([-range, range], options.points ?? 601);
  const series = betas.map((b) =>
    kind === "gradient"
      ? pseudoGradientCurve("swish_sign", xs, { beta: b })
      : surrogateCurve("swish_sign", xs, { beta: b })
  );
  const fig = lineFigure(series, {
    title: kind === "gradient" ? "SignSwish ∂SS_β/∂x (zero crossings dotted)" : "SignSwish SS_β(x)",
    xTitle: "x",
    yTitle: kind === "gradient" ? "∂SS_β/∂x" : "SS_β(x)",
  });
  if (kind !== "gradient") return fig;
  const zs = betas.map((b) => swishZeroCrossing(b)).filter((z) => z <= range);
  return withVerticalLines(fig, [...zs, ...zs.map((z) => -z)]);
}

/** Regularizer R(w) (`kind: "penalty"`) or ∂R/∂w (`kind: "gradient"`) for each α. */
export function regularizerFigure(
  name: PenaltyName,
  options: { alphas?: number[]; kind?: "penalty" | "gradient"; range?: number; points?: number } =
    {},
): Figure {
  const alphas = options.alphas ?? [0.25, 0.5, 1];
  const kind = options.kind ?? "penalty";
  const range = options.range ?? 1.5;
  const ws = linspace([-range, range], options.points ?? 301);
  const series = alphas.map((a) =>
    kind === "penalty"
      ? penaltyCurve(name, ws, { alpha: a })
      : penaltyGradientCurve(name, ws, { alpha: a })
  );
  return lineFigure(series, {
    title: `${name[0].toUpperCase()}${name.slice(1)} regularizer: ${
      kind === "penalty" ? "R(w)" : "∂R/∂w"
    }`,
    xTitle: "latent weight w",
    yTitle: kind === "penalty" ? "R(w)" : "∂R/∂w",
  });
}

const OPTIMUM_COLORS: Record<PenaltyName, string> = { euclidean: "#d62728", manhattan: "#1f77b4" };

/**
 * Total penalty against α for a weight sample (each curve normalised to max 1), with a dotted line
 * in the curve's colour at its closed-form minimiser: mean|w| (Euclidean), median|w| (Manhattan).
 */
export function alphaOptimumFigure(results: AlphaOptimum[]): Figure {
  if (results.length === 0) throw new Error("alphaOptimumFigure: results must not be empty");
  const series: LineSeries[] = results.map((r) => {
    const max = Math.max(...r.curve.y);
    return {
      name: r.curve.name,
      x: r.curve.x,
      y: r.curve.y.map((v) => v / (max || 1)),
      color: OPTIMUM_COLORS[r.name],
    };
  });
  let fig = lineFigure(series, {
    title: "Optimal α: Euclidean at mean|w|, Manhattan at median|w|",
    xTitle: "α",
    yTitle: "Σ R(w; α) (normalised)",
  });
  for (const r of results) {
    fig = withVerticalLines(fig, [r.name === "euclidean" ? r.meanAbs : r.medianAbs], {
      color: OPTIMUM_COLORS[r.name],
    });
  }
  return fig;
}

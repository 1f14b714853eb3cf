/**
 * Equivalence check between a tfjs model (the float simulation of the binary network) and its
 * exported `.bnn` run by the XNOR–popcount engine: argmax agreement and the largest logit
 * difference over every image of a set of batches.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { isQuantLayer } from "../layers/mod.ts";
import type { BinaryEngine } from "./engine.ts";

/** A batch of NHWC float images and labels (as produced by `lib/data` `batches`). */
export interface VerifyBatch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

/** What {@link verifyEquivalence} found. */
export interface VerifyResult {
  images: number;
  /** Images whose argmax agrees between tfjs and the engine. */
  argmaxAgree: number;
  /** Largest |logit_tfjs − logit_engine| over all images and classes. */
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Images whose logits differ by more than `tolerance` somewhere. */
  overTolerance: number;
  tolerance: number;
  tfjsAccuracy: number;
  engineAccuracy: number;
  /** Up to 20 indices of images whose argmax differs. */
  disagreements: number[];
  /** Up to 20 indices of images whose logits differ by more than `tolerance`. */
  overToleranceImages: number[];
  /**
   * Sign margins: per image, the smallest |value| that a binarizing sign of the tfjs model sees
   * (inputs of every layer whose input quantizer is not "none"). A float32 rounding difference
   * can only flip a sign this close to 0. `outliers`: the margins of `overToleranceImages`;
   * `othersMedian` / `othersMin`: over all other images. Null when the model has no such layer.
   */
  signMargins: { outliers: number[]; othersMedian: number; othersMin: number } | null;
  tfjsMs: number;
  engineMs: number;
}

function argmax(v: Float32Array, o: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[o + j] > v[o + best]) best = j;
  return best;
}

/**
 * Runs both `pair.model` (tfjs, batched `predict`) and `pair.engine` on every image of `batches` and
 * compares their outputs. `tolerance` (default 1e-3) only feeds `overTolerance`.
 */
export function verifyEquivalence(
  pair: { model: tf.LayersModel; engine: BinaryEngine },
  batches: Iterable<VerifyBatch>,
  options: { tolerance?: number } = {},
): VerifyResult {
  const { model, engine } = pair;
  const tolerance = options.tolerance ?? 1e-3;
  const inShape = engine.inputShape;
  const inSize = inShape.reduce((a, b) => a * b, 1);
  const k = engine.outputShape.reduce((a, b) => a * b, 1);
  const r: VerifyResult = {
    images: 0,
    argmaxAgree: 0,
    maxAbsDiff: 0,
    meanAbsDiff: 0,
    overTolerance: 0,
    tolerance,
    tfjsAccuracy: 0,
    engineAccuracy: 0,
    disagreements: [],
    overToleranceImages: [],
    signMargins: null,
    tfjsMs: 0,
    engineMs: 0,
  };
  let sumDiff = 0, tfCorrect = 0, engCorrect = 0;
  const probe = signProbe(model);
  const margins: number[] = [];
  for (const b of batches) {
    if (b.x.length !== b.size * inSize) {
      throw new Error(
        `verifyEquivalence: batch holds ${b.x.length} values, expected ${b.size}×${inSize}`,
      );
    }
    let t0 = performance.now();
    const ref = tf.tidy(() => {
      const out = model.predict(tf.tensor(b.x, [b.size, ...inShape])) as tf.Tensor;
      return out.dataSync() as Float32Array;
    });
    r.tfjsMs += performance.now() - t0;
    if (probe) margins.push(...probe(b.x, [b.size, ...inShape]));
    t0 = performance.now();
    const got = engine.predictBatch(b.x, b.size);
    r.engineMs += performance.now() - t0;
    for (let i = 0; i < b.size; i++) {
      const o = i * k;
      let worst = 0;
      for (let j = 0; j < k; j++) {
        const d = Math.abs(ref[o + j] - got[o + j]);
        sumDiff += d;
        worst = Math.max(worst, d);
      }
      r.maxAbsDiff = Math.max(r.maxAbsDiff, worst);
      if (worst > tolerance) {
        r.overTolerance++;
        if (r.overToleranceImages.length < 20) r.overToleranceImages.push(r.images + i);
      }
      const a = argmax(ref, o, k), e = argmax(got, o, k);
      if (a === e) r.argmaxAgree++;
      else if (r.disagreements.length < 20) r.disagreements.push(r.images + i);
      if (a === b.y[i]) tfCorrect++;
      if (e === b.y[i]) engCorrect++;
    }
    r.images += b.size;
  }
  r.meanAbsDiff = r.images ? sumDiff / (r.images * k) : 0;
  if (probe && margins.length) {
    const out = new Set(r.overToleranceImages);
    const others = margins.filter((_, i) => !out.has(i)).sort((a, b) => a - b);
    r.signMargins = {
      outliers: r.overToleranceImages.map((i) => margins[i]),
      othersMedian: others.length ? others[Math.floor(others.length / 2)] : NaN,
      othersMin: others.length ? others[0] : NaN,
    };
  }
  r.tfjsAccuracy = r.images ? tfCorrect / r.images : 0;
  r.engineAccuracy = r.images ? engCorrect / r.images : 0;
  return r;
}

/**
 * A function giving, per image of a batch, the smallest |value| entering a binarizing input
 * quantizer of `model` (see {@link VerifyResult.signMargins}); null when there is none.
 */
function signProbe(
  model: tf.LayersModel,
): ((x: Float32Array, shape: number[]) => number[]) | null {
  const inputs = model.layers.filter((l) =>
    isQuantLayer(l) &&
    (l.getConfig() as { inputQuantizer?: string }).inputQuantizer !== "none"
  ).map((l) => l.input as tf.SymbolicTensor);
  if (inputs.length === 0) return null;
  const sub = tf.model({ inputs: model.inputs, outputs: inputs });
  return (x, shape) =>
    tf.tidy(() => {
      const outs = sub.predict(tf.tensor(x, shape)) as tf.Tensor | tf.Tensor[];
      const mins = (Array.isArray(outs) ? outs : [outs]).map((o) =>
        tf.min(tf.abs(o.reshape([shape[0], -1])), 1)
      );
      return Array.from(tf.stack(mins).min(0).dataSync());
    });
}

/**
 * Small self-contained trainings for the notebooks (the loops live here, not in cells).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { batchNormalization, quantDense } from "../layers/mod.ts";
import { trainEpoch } from "../train.ts";
import type { RegularizerName } from "../regularizers.ts";
import type { Figure } from "../plots/figure.ts";
import { learningCurvesFigure, type WeightHistogramInput } from "../plots/training_figures.ts";

/** Options of {@link weightClusteringDemo}. */
export interface ClusteringDemoOptions {
  regularizer?: RegularizerName;
  /** Penalty strength λ; default 1e-2 (strong, so clustering shows within a few epochs). */
  lambda?: number;
  epochs?: number;
  /** Epochs at which latent weights are recorded (0 = at initialisation); default 0, mid, last. */
  snapshotEpochs?: number[];
  /** Samples of the synthetic task; default 1024. */
  samples?: number;
  seed?: number;
  learningRate?: number;
}

/** What {@link weightClusteringDemo} recorded. */
export interface ClusteringDemoResult {
  regularizer: RegularizerName;
  lambda: number;
  /** Latent kernel of the binary layer at the chosen epochs. */
  snapshots: WeightHistogramInput[];
  /** The layer's α after each epoch (index 0 = initialisation). */
  alphas: number[];
  /** Share of latent weights within 10 % of ±α after each epoch. */
  nearAlpha: number[];
  /** Training accuracy per epoch. */
  accuracy: number[];
}

function layerAlpha(layer: tf.layers.Layer): number {
  const w = layer.weights.find((v) => /(^|\/)alpha(_\d+)?$/.test(v.originalName));
  if (!w) throw new Error(`weightClusteringDemo: layer ${layer.name} has no alpha weight`);
  return tf.tidy(() => tf.mean(w.read()).dataSync()[0]);
}

function latentKernel(layer: tf.layers.Layer): Float32Array {
  const w = layer.weights.find((v) => /(^|\/)kernel(_\d+)?$/.test(v.originalName));
  if (!w) throw new Error(`weightClusteringDemo: layer ${layer.name} has no kernel weight`);
  return w.read().dataSync() as Float32Array;
}

function share(ws: Float32Array, alpha: number): number {
  let n = 0;
  for (const w of ws) if (Math.abs(Math.abs(w) - alpha) <= 0.1 * alpha) n++;
  return n / ws.length;
}

/**
 * Trains a small binary MLP (one QuantDense layer with a trainable per-layer α, STE sign kernel,
 * then batch norm and a float classifier) on a synthetic 4-class task, recording the binary layer's
 * latent weights: with a BNN+ regularizer they cluster at ±α.
 */
export function weightClusteringDemo(options: ClusteringDemoOptions = {}): ClusteringDemoResult {
  const regularizer = options.regularizer ?? "euclidean";
  const lambda = options.lambda ?? 1e-2;
  const epochs = options.epochs ?? 6;
  const snapshotEpochs = options.snapshotEpochs ?? [0, Math.floor(epochs / 2), epochs];
  const n = options.samples ?? 1024, features = 32, classes = 4, batch = 64;
  const seed = options.seed ?? 0;
  const model = tf.sequential({
    layers: [
      quantDense({
        units: 128,
        inputShape: [features],
        kernelQuantizer: "ste_sign",
        scale: "trainable",
        scaleShape: "layer",
        regularizer,
        lambda,
        kernelInitializer: {
          className: "RandomUniform",
          config: { minval: -0.5, maxval: 0.5, seed },
        },
      }),
      batchNormalization(),
      tf.layers.activation({ activation: "relu" }),
      tf.layers.dense({ units: classes }),
    ],
  });
  const data = tf.tidy(() => {
    const x = tf.randomNormal([n, features], 0, 1, "float32", seed + 1);
    const teacher = tf.randomNormal([features, classes], 0, 1, "float32", seed + 2);
    return { x, y: tf.argMax(tf.matMul(x, teacher), 1) };
  });
  const batches = Array.from({ length: Math.ceil(n / batch) }, (_, i) => ({
    x: data.x.slice([i * batch, 0], [Math.min(batch, n - i * batch), features]),
    y: data.y.slice([i * batch], [Math.min(batch, n - i * batch)]),
  }));
  const optimizer = tf.train.adam(options.learningRate ?? 0.01);
  const layer = model.layers[0];
  const out: ClusteringDemoResult = {
    regularizer,
    lambda,
    snapshots: [],
    alphas: [],
    nearAlpha: [],
    accuracy: [],
  };
  const record = (epoch: number) => {
    const alpha = layerAlpha(layer);
    const w = latentKernel(layer);
    out.alphas.push(alpha);
    out.nearAlpha.push(share(w, alpha));
    if (snapshotEpochs.includes(epoch)) out.snapshots.push({ label: `epoch ${epoch}`, weights: w });
  };
  try {
    record(0);
    for (let e = 1; e <= epochs; e++) {
      out.accuracy.push(trainEpoch(model, batches, { optimizer }).accuracy);
      record(e);
    }
    return out;
  } finally {
    for (const b of batches) tf.dispose([b.x, b.y]);
    tf.dispose([data.x, data.y]);
    optimizer.dispose();
    model.dispose();
  }
}

/** One row per demo run: regularizer, λ, final α, share of weights near ±α, final accuracy. */
export function clusteringRows(results: ClusteringDemoResult[]): Record<string, unknown>[] {
  return results.map((r) => ({
    regularizer: r.regularizer,
    "λ": r.lambda,
    "α (final)": r.alphas.at(-1),
    "near ±α at start": r.nearAlpha[0],
    "near ±α at end": r.nearAlpha.at(-1),
    "train accuracy": r.accuracy.at(-1),
  }));
}

/** Share of latent weights within 10 % of ±α per epoch, one line per demo run. */
export function clusteringFigure(results: ClusteringDemoResult[]): Figure {
  return learningCurvesFigure(
    results.map((r) => ({
      name: `${r.regularizer} λ=${r.lambda}`,
      epochs: r.nearAlpha.map((_, i) => i),
      values: r.nearAlpha,
    })),
    { metric: "share of |w| within 10 % of α", title: "Latent weights clustering at ±α" },
  );
}

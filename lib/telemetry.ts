/**
 * Per-epoch training telemetry of binary layers, as plain JSON-able data: flip ratio of sign(W)
 * since the previous snapshot, α statistics, β when trainable, the share of latent weights within
 * 10 % of ±α, and optional weight histograms. Pure functions of the model (no training state).
 *
 * Usage, once per epoch (the experiments runner):
 *
 * ```ts
 * let previous = signSnapshot(model); // before the first epoch
 * for (let epoch = 1; epoch <= epochs; epoch++) {
 *   // … train one epoch …
 *   const t = telemetry(model, { previous, epoch, histograms: epoch % 10 === 0 });
 *   previous = signSnapshot(model);
 *   metrics.telemetry = t; // JSON-able
 * }
 * ```
 *
 * A "binary layer" is any layer with a `kernelQuantizer` other than "none" (QuantConv2D /
 * QuantDense). Its latent weights are the `kernel` weight; α is the `alpha` weight broadcast
 * over the kernel's last axis (per output channel) or a single value (per layer); a layer
 * without `alpha` uses α = 1 (the binarized kernel is ±1).
 *
 * @module
 */
import type { tf } from "./tf.ts";

/** Packed sign bits of each binary layer's kernel, keyed by layer name. */
export type SignSnapshot = Record<string, Uint32Array>;

/** Summary statistics of a set of numbers. */
export interface Stats {
  mean: number;
  min: number;
  max: number;
}

/** A weight histogram: `counts[i]` values in [edges[i], edges[i+1]); out-of-range values counted apart. */
export interface Histogram {
  edges: number[];
  counts: number[];
  below: number;
  above: number;
}

/** Telemetry of one binary layer. */
export interface LayerTelemetry {
  name: string;
  /** Number of latent weights. */
  size: number;
  /** Share of weights whose sign changed since `previous`; null without a previous snapshot. */
  flipRatio: number | null;
  /** α statistics over channels; null when the layer has no α. */
  alpha: Stats | null;
  /** β when the layer trains it; null otherwise. */
  beta: number | null;
  /** Share of latent weights w with ||w| − α| ≤ 0.1·α (α of w's channel). */
  nearAlpha: number;
  /** Latent weight statistics. */
  weights: Stats & { meanAbs: number };
  histogram?: Histogram;
}

/** What {@link telemetry} returns (JSON-able). */
export interface TelemetryRecord {
  epoch: number | null;
  /** Flips over all binary layers / their total size; null without a previous snapshot. */
  flipRatio: number | null;
  layers: LayerTelemetry[];
}

/** Options of {@link telemetry}. */
export interface TelemetryOptions {
  /** Snapshot taken at the previous epoch (see {@link signSnapshot}). */
  previous?: SignSnapshot;
  epoch?: number;
  /** Include weight histograms (e.g. only at chosen epochs). Default false. */
  histograms?: boolean;
  /** Histogram bins; default 40. */
  bins?: number;
  /** Histogram range; default [−1, 1] (the latent-weight clip). */
  range?: [number, number];
}

type Config = Record<string, unknown>;

function binaryLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => {
    const q = (l.getConfig() as Config).kernelQuantizer;
    return q !== undefined && q !== null && q !== "none";
  });
}

function weightNamed(layer: tf.layers.Layer, name: string): Float32Array | null {
  const i = layer.weights.findIndex((w) =>
    w.originalName.split("/").pop()!.replace(/_\d+$/, "") === name
  );
  if (i < 0) return null;
  return layer.weights[i].read().dataSync() as Float32Array;
}

function kernelOf(layer: tf.layers.Layer): Float32Array {
  const k = weightNamed(layer, "kernel");
  if (!k) throw new Error(`telemetry: binary layer ${layer.name} has no kernel weight`);
  return k;
}

/** Packs sign(W) (sign(0) = +1) of every binary layer's latent kernel. */
export function signSnapshot(model: tf.LayersModel): SignSnapshot {
  const out: SignSnapshot = {};
  for (const layer of binaryLayers(model)) {
    const k = kernelOf(layer);
    const bits = new Uint32Array((k.length + 31) >>> 5);
    for (let i = 0; i < k.length; i++) if (k[i] >= 0) bits[i >>> 5] |= 1 << (i & 31);
    out[layer.name] = bits;
  }
  return out;
}

function stats(v: ArrayLike<number>): Stats {
  let min = Infinity, max = -Infinity, s = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
  }
  return { mean: v.length ? s / v.length : NaN, min, max };
}

function histogram(v: Float32Array, bins: number, [lo, hi]: [number, number]): Histogram {
  const counts = new Array(bins).fill(0);
  let below = 0, above = 0;
  const width = (hi - lo) / bins;
  for (const x of v) {
    if (x < lo) below++;
    else if (x > hi) above++;
    else counts[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return { edges, counts, below, above };
}

function flips(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i] ^ b[i];
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return n;
}

/** Telemetry of every binary layer of `model` (see the module doc for the call pattern). */
export function telemetry(model: tf.LayersModel, options: TelemetryOptions = {}): TelemetryRecord {
  const snap = options.previous ? signSnapshot(model) : null;
  let flipped = 0, total = 0;
  const layers = binaryLayers(model).map((layer): LayerTelemetry => {
    const k = kernelOf(layer);
    const alpha = weightNamed(layer, "alpha");
    const beta = weightNamed(layer, "beta");
    const cout = layer.weights.find((w) => w.originalName.endsWith("kernel"))!.shape.at(-1)!;
    if (alpha && alpha.length !== 1 && alpha.length !== cout) {
      throw new Error(
        `telemetry: layer ${layer.name}: alpha has ${alpha.length} entries, expected 1 or ${cout}`,
      );
    }
    let near = 0, absSum = 0;
    for (let i = 0; i < k.length; i++) {
      const a = alpha ? Math.abs(alpha.length === 1 ? alpha[0] : alpha[i % cout]) : 1;
      const m = Math.abs(k[i]);
      absSum += m;
      if (Math.abs(m - a) <= 0.1 * a) near++;
    }
    let flipRatio: number | null = null;
    const prev = options.previous?.[layer.name];
    if (snap && prev) {
      if (prev.length !== snap[layer.name].length) {
        throw new Error(`telemetry: previous snapshot of ${layer.name} has a different size`);
      }
      const f = flips(prev, snap[layer.name]);
      flipRatio = f / k.length;
      flipped += f;
      total += k.length;
    }
    const entry: LayerTelemetry = {
      name: layer.name,
      size: k.length,
      flipRatio,
      alpha: alpha ? stats(alpha) : null,
      beta: beta && (layer.getConfig() as Config).trainableBeta ? beta[0] : null,
      nearAlpha: k.length ? near / k.length : 0,
      weights: { ...stats(k), meanAbs: k.length ? absSum / k.length : NaN },
    };
    if (options.histograms) {
      entry.histogram = histogram(k, options.bins ?? 40, options.range ?? [-1, 1]);
    }
    return entry;
  });
  return { epoch: options.epoch ?? null, flipRatio: total > 0 ? flipped / total : null, layers };
}

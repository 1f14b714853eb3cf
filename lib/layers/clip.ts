/**
 * Finding binary layers in a model and clipping their latent kernels after optimizer steps.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { isQuantLayer, type QuantLayer } from "./common.ts";

function collectLayers(layer: tf.layers.Layer, out: tf.layers.Layer[]): void {
  out.push(layer);
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(inner)) { for (const l of inner) collectLayers(l, out); }
}

/** All binary layers of a model (nested models included), in order. */
export function quantLayers(model: tf.LayersModel | tf.layers.Layer): QuantLayer[] {
  const all: tf.layers.Layer[] = [];
  collectLayers(model as tf.layers.Layer, all);
  return all.filter(isQuantLayer);
}

/**
 * Clips every binary layer's latent kernel to [−kernelClip, kernelClip] (Hubara et al.); call it
 * after each optimizer step. Layers with `kernelClip: null` or a full-precision kernel are skipped.
 */
export function clipLatentWeights(model: tf.LayersModel | tf.layers.Layer): void {
  for (const l of quantLayers(model)) l.clipKernel();
}

/**
 * A `model.fit` callback that runs {@link clipLatentWeights} after every batch (tfjs' own
 * training loop does not clip): `model.fit(x, y, {callbacks: [clipCallback(model)]})`.
 */
export function clipCallback(model: tf.LayersModel): tf.CustomCallback {
  return new tf.CustomCallback({
    onBatchEnd: () => {
      clipLatentWeights(model);
      return Promise.resolve();
    },
  });
}

/**
 * The lab's `BatchNormalization`: tfjs-layers' layer (same config, weights, serialization name and
 * inference path) whose training path runs the fused native op of
 * `lib/backend/batch_norm_train.ts` on the wasm backend: four passes instead of the dozen of
 * `moments` + `batchNorm` and their autodiff. Everywhere else (other backends, axis not last,
 * `center`/`scale` off with tfjs semantics, non-float inputs) it is tfjs-layers' own `call`.
 * Registered under the class name "BatchNormalization", so saved models load into it. Importing
 * this module also gives tfjs-layers' own `BatchNormalization` (what `tf.layers.batchNormalization`
 * builds) the fused training path, so plain tfjs-layers code trains as fast as the lab's layer.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { batchNormTrain, movingAverage } from "../backend/batch_norm_train.ts";

/** Constructor arguments (tfjs-layers' `BatchNormalizationLayerArgs`). */
export type BatchNormalizationArgs = Parameters<typeof tf.layers.batchNormalization>[0];

interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(v: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(v: tf.Tensor): void };
}

type LayerCtor = new (args?: BatchNormalizationArgs) => tf.layers.Layer;
const TfjsBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({}))
  .constructor as LayerCtor;

type Call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;
const proto = TfjsBatchNormalization.prototype as unknown as { call: Call; __bnnFused?: true };
const tfjsCall: Call = proto.call;

/** Training on wasm: the fused op, then the moving averages exactly as tfjs-layers does. */
function fusedCall(
  this: tf.layers.Layer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  const f = this as unknown as BatchNormFields;
  const axis = f.axis >= 0 ? f.axis : f.axis + x.rank;
  if (!kwargs.training || axis !== x.rank - 1 || (Array.isArray(inputs) && inputs.length !== 1)) {
    return tfjsCall.call(this, inputs, kwargs);
  }
  return tf.tidy(() => {
    const r = batchNormTrain(x, {
      gamma: f.gamma?.read(),
      beta: f.beta?.read(),
      epsilon: f.epsilon,
    });
    if (!r) return tfjsCall.call(this, inputs, kwargs);
    for (const [v, value] of [[f.movingMean, r.mean], [f.movingVariance, r.variance]] as const) {
      v.write(movingAverage(v.read(), value, 1 - f.momentum));
    }
    tf.dispose([r.mean, r.variance]);
    return r.y;
  });
}

// Plain tfjs-layers code gets the fused path too: `tf.layers.batchNormalization` (the `tf` lib/
// exports, or tfjs imported directly, once lib/layers is loaded) trains with it on wasm.
if (!proto.__bnnFused) {
  proto.call = fusedCall;
  proto.__bnnFused = true;
}

/**
 * tfjs-layers' BatchNormalization with a fused training path on wasm (see the module doc). Since
 * importing this module gives tfjs-layers' own layer the same path, this class only keeps the
 * lab's name and serialization registration.
 */
export class BatchNormalization extends TfjsBatchNormalization {
  /** The serialization name (that of tfjs-layers' layer, which this one replaces). */
  static className = "BatchNormalization";
}
tf.serialization.registerClass(
  BatchNormalization as unknown as tf.serialization.SerializableConstructor<
    tf.serialization.Serializable
  >,
);

/** `tf.layers.batchNormalization`, the lab's version ({@link BatchNormalization}). */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}

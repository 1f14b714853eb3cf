/**
 * Converts a trained tfjs model (a chain of layers) into a {@link DeployModel}: binary kernels
 * packed as sign bits with a per-channel α, batch norms folded into the preceding layer's
 * per-channel affine (through max-pools, which turn into min-pools where the batch-norm slope is
 * negative), and integer thresholds where a binary layer feeds another binary layer's sign.
 *
 * Supported layers: InputLayer, Conv2D, Dense, QuantConv2D, QuantDense, BatchNormalization
 * (last axis), MaxPooling2D, Flatten, Dropout (identity at inference), Activation, ReLU.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { BNN_FORMAT_VERSION, type DeployModel } from "./format.ts";
import { layerToOps } from "./export_layers.ts";
import { finalizeOps, type RawOp } from "./passes.ts";
import { sign } from "../quantizers.ts";

function checkChain(model: tf.LayersModel): void {
  const layers = model.layers;
  for (let i = 1; i < layers.length; i++) {
    const inbound = layers[i].inboundNodes.flatMap((n) => n.inboundLayers);
    if (inbound.length !== 1 || inbound[0] !== layers[i - 1]) {
      throw new Error(
        `exportBinary: layer ${layers[i].name} does not take exactly the previous layer ` +
          `(${layers[i - 1].name}) as input; only chains of layers are supported`,
      );
    }
  }
}

/**
 * The tie width ε of the project's `sign` quantizer on the current tfjs backend: the smallest
 * power of two 2^−k such that sign(−v) = +1 for 0 < v < 2^−k (0 when sign is exact down to
 * the smallest float32). tfjs-wasm gives 2⁻²³: its Sign kernel returns 0 for |v| < 2⁻²³.
 */
export function quantizerSignEpsilon(): number {
  const ks = Array.from({ length: 140 }, (_, i) => i + 10);
  const s = tf.tidy(() => sign(tf.tensor1d(ks.map((k) => -(2 ** -k)))).dataSync());
  const first = s.findIndex((v) => v > 0);
  return first < 0 ? 0 : 2 ** -(ks[first] - 1);
}

/** Options of {@link toDeployModel}. */
export interface ToDeployOptions {
  /**
   * ε stored as the model's `signEpsilon`: a number, or "backend" (default) to reproduce the
   * float simulation of the current tfjs backend ({@link quantizerSignEpsilon}).
   */
  signEpsilon?: number | "backend";
}

/**
 * Converts a trained tfjs chain model to a {@link DeployModel} (see the module doc). Reads the
 * weights synchronously; creates no tensors that outlive the call.
 */
export function toDeployModel(model: tf.LayersModel, options: ToDeployOptions = {}): DeployModel {
  const eps = options.signEpsilon === undefined || options.signEpsilon === "backend"
    ? quantizerSignEpsilon()
    : options.signEpsilon;
  if (!(eps >= 0)) throw new Error(`exportBinary: signEpsilon must be ≥ 0, got ${eps}`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error("exportBinary: the model must have one input and one output");
  }
  checkChain(model);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.some((d) => d === null)) {
    throw new Error(`exportBinary: input shape [${inputShape}] must be fully defined`);
  }
  let shape = inputShape;
  let group = shape[shape.length - 1];
  const raw: RawOp[] = [];
  for (const layer of model.layers) {
    const r = layerToOps(layer, { shape, group });
    raw.push(...r.ops);
    const cls = layer.getClassName();
    if (cls === "Flatten") group = shape[shape.length - 1];
    else if (r.shape.length !== 1 || cls === "Dense" || cls === "QuantDense") {
      group = r.shape[r.shape.length - 1];
    }
    shape = r.shape;
  }
  return {
    format: "bnn-packed",
    version: BNN_FORMAT_VERSION,
    inputShape,
    outputShape: shape,
    signEpsilon: eps,
    ops: finalizeOps(raw, { epsilon: eps }),
    meta: { source: model.name, exported: new Date().toISOString(), backend: tf.getBackend() },
  };
}

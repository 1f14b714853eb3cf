/**
 * The lab's `Conv2D`: tfjs-layers' layer (same config, weights and serialization name) whose
 * forward pass, when there is nothing to fuse (no bias, linear activation, channels-last, 2-D), is
 * a plain `tf.conv2d`. tfjs-layers calls `tf.fused.conv2d`, whose gradient computes the input and
 * the filter gradient eagerly, so a network's first layer paid for an input gradient nobody asks
 * for; the plain op's gradient computes only what backpropagation needs. Both run the same
 * backend kernel, so outputs are identical. Registered under the class name "Conv2D", so saved
 * models load into it.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Constructor arguments (tfjs-layers' `ConvLayerArgs`). */
export type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

interface ConvFields {
  rank: number;
  useBias: boolean;
  activation: { getClassName(): string };
  dataFormat: string;
  dilationRate: number | number[];
  strides: [number, number];
  padding: "same" | "valid";
  kernel: { read(): tf.Tensor };
}

type LayerCtor = new (args: Conv2DArgs) => tf.layers.Layer;
const TfjsConv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 }))
  .constructor as LayerCtor;

/** Whether `d` is a dilation of 1 in every axis. */
function unitDilation(d: number | number[]): boolean {
  return Array.isArray(d) ? d.every((v) => v === 1) : d === 1;
}

/** tfjs-layers' Conv2D with a plain, lazily differentiated conv when nothing is fused. */
export class Conv2D extends TfjsConv2D {
  /** The serialization name (that of tfjs-layers' layer, which this one replaces). */
  static className = "Conv2D";

  /** Forward pass: `tf.conv2d(x, kernel)` when there is no bias or activation to fuse. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    const f = this as unknown as ConvFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const plain = !f.useBias && f.activation.getClassName() === "linear" && f.rank === 2 &&
      f.dataFormat === "channelsLast" && unitDilation(f.dilationRate) && x.rank === 4 &&
      (!Array.isArray(inputs) || inputs.length === 1);
    if (!plain) return super.call(inputs, kwargs);
    return tf.tidy(() =>
      tf.conv2d(x as tf.Tensor4D, f.kernel.read() as tf.Tensor4D, f.strides, f.padding)
    );
  }
}
tf.serialization.registerClass(
  Conv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** `tf.layers.conv2d`, the lab's version ({@link Conv2D}). */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}

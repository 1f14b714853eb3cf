/**
 * Binary 2-D convolution (NHWC): `y = act(conv2d(q_in(x), α·q_k(W)) + b)`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { binaryConv2d } from "../backend/binary_conv.ts";
import { QuantLayer } from "./common.ts";
import { activate, type QuantOptions } from "./options.ts";

/** Arguments of {@link quantConv2d}: tf.layers.conv2d's (NHWC) plus the BNN+ options. */
export interface QuantConv2DArgs extends QuantOptions {
  /** Number of output channels. */
  filters: number;
  /** Kernel height and width. */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** Default "valid". */
  padding?: "same" | "valid";
  /** Default 1. */
  dilationRate?: number | [number, number];
  /** Only "channelsLast" (NHWC) is supported. */
  dataFormat?: "channelsLast";
  /** Input shape without the batch axis (first layer of a sequential model). */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis. */
  batchInputShape?: (number | null)[];
  /** Layer name. */
  name?: string;
  /** Whether the layer's weights are trainable. Default true. */
  trainable?: boolean;
}

function pair(layer: string, key: string, v: unknown, fallback: number): [number, number] {
  const p = v === undefined || v === null ? [fallback, fallback] : Array.isArray(v) ? v : [v, v];
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(
      `${layer}: ${key} must be a positive integer or a pair of them; got ${JSON.stringify(v)}`,
    );
  }
  return p as [number, number];
}

function outLength(n: number | null, k: number, s: number, d: number, pad: string): number | null {
  if (n === null) return null;
  const dk = (k - 1) * d + 1;
  const len = pad === "same" ? n : n - dk + 1;
  return Math.floor((len + s - 1) / s);
}

/**
 * Inserts d−1 zeros between kernel taps, so that a dilation-1 convolution with the result equals
 * the dilated convolution. tfjs has no gradient for dilated convolutions; this keeps training
 * possible (pad / reshape / slice are differentiable) at the cost of a larger effective kernel.
 */
function dilateKernel(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, c, f] = w.shape;
  const padded = tf.pad(tf.reshape(w, [kh, 1, kw, 1, c, f]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(padded, [kh * dh, kw * dw, c, f]),
    [0, 0, 0, 0],
    [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, f],
  ) as tf.Tensor4D;
}

/** Binary Conv2D layer (class name "QuantConv2D"); see {@link QuantOptions}. */
export class QuantConv2D extends QuantLayer {
  /** The tfjs serialization class name. */
  static className = "QuantConv2D";
  /** Output channels. */
  readonly filters: number;
  /** Kernel height and width. */
  readonly kernelSize: [number, number];
  /** Strides (height, width). */
  readonly strides: [number, number];
  /** Padding mode. */
  readonly padding: "same" | "valid";
  /** Dilation (height, width). */
  readonly dilationRate: [number, number];

  /** Validates the arguments; weights are created in `build`. */
  constructor(args: QuantConv2DArgs) {
    super(args, "glorotNormal");
    const name = "QuantConv2D";
    if (!Number.isInteger(args.filters) || args.filters <= 0) {
      throw new Error(`${name}: filters must be a positive integer; got ${args.filters}`);
    }
    if (args.dataFormat !== undefined && args.dataFormat !== "channelsLast") {
      throw new Error(`${name}: dataFormat must be "channelsLast" (NHWC); got ${args.dataFormat}`);
    }
    const padding = args.padding ?? "valid";
    if (padding !== "same" && padding !== "valid") {
      throw new Error(`${name}: padding must be "same" or "valid"; got ${JSON.stringify(padding)}`);
    }
    this.filters = args.filters;
    this.kernelSize = pair(name, "kernelSize", args.kernelSize, 0);
    this.strides = pair(name, "strides", args.strides, 1);
    this.padding = padding;
    this.dilationRate = pair(name, "dilationRate", args.dilationRate, 1);
  }

  /** Creates kernel, bias, α and β for an NHWC input shape. */
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 4 || shape[3] === null) {
      throw new Error(
        `QuantConv2D: input must be NHWC with a known channel count; got [${shape}]`,
      );
    }
    const [kh, kw] = this.kernelSize;
    this.buildWeights([kh, kw, shape[3] as number, this.filters]);
  }

  /** Output shape for 'same' / 'valid' padding, strides and dilation. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const [kh, kw] = this.kernelSize;
    return [
      s[0],
      outLength(s[1], kh, this.strides[0], this.dilationRate[0], this.padding),
      outLength(s[2], kw, this.strides[1], this.dilationRate[1], this.padding),
      this.filters,
    ];
  }

  /**
   * Forward pass: act(conv2d(q_in(x), α·q_k(W)) + b); as XNOR–popcount when both quantizers
   * binarize (see `lib/backend/binary_conv.ts`).
   */
  // deno-lint-ignore no-explicit-any
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, any>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (x.rank !== 4) {
        throw new Error(`${this.name}: input must be a rank-4 NHWC tensor; got [${x.shape}]`);
      }
      const xq = this.quantizeInput(x) as tf.Tensor4D;
      const act = this.quant.activation;
      const [kh, kw] = this.kernelSize;
      const dilated = this.dilationRate[0] > 1 || this.dilationRate[1] > 1;
      if (!dilated && this.binaryForward(kh * kw * x.shape[3])) {
        const y = binaryConv2d(xq, this.signKernel() as tf.Tensor4D, {
          ...this.scaleAndBias(),
          strides: this.strides,
          padding: this.padding,
        });
        return activate(y, act);
      }
      let w = this.quantizedKernel() as tf.Tensor4D;
      if (dilated) w = dilateKernel(w, this.dilationRate);
      // Fused only when there is something to fuse: tfjs's fused conv computes both gradients
      // eagerly, the plain conv only those asked for (no input gradient for a first layer).
      if (act === "relu" || (act === "linear" && this.bias)) {
        return tf.fused.conv2d({
          x: xq,
          filter: w,
          strides: this.strides,
          pad: this.padding,
          dataFormat: "NHWC",
          bias: this.bias ? this.bias.read() : undefined,
          activation: act,
        });
      }
      let y: tf.Tensor = tf.conv2d(xq, w, this.strides, this.padding, "NHWC");
      if (this.bias) y = tf.add(y, this.bias.read());
      return activate(y, act);
    });
  }

  /** Every constructor option, for serialization. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      dataFormat: "channelsLast",
      ...this.quantConfig(),
    };
  }
}
tf.serialization.registerClass(QuantConv2D);

/** Creates a {@link QuantConv2D} layer. */
export function quantConv2d(args: QuantConv2DArgs): QuantConv2D {
  return new QuantConv2D(args);
}

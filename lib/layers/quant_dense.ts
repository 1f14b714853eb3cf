/**
 * Binary fully connected layer: `y = act(q_in(x) · α·q_k(W) + b)` on rank-2 inputs.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { binaryDense } from "../backend/binary_conv.ts";
import { QuantLayer } from "./common.ts";
import { activate, type QuantOptions } from "./options.ts";

/** Arguments of {@link quantDense}: tf.layers.dense's plus the BNN+ options. */
export interface QuantDenseArgs extends QuantOptions {
  /** Number of output units. */
  units: number;
  /** Input shape without the batch axis (first layer of a sequential model). */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis. */
  batchInputShape?: (number | null)[];
  /** Layer name. */
  name?: string;
  /** Whether the layer's weights are trainable. Default true. */
  trainable?: boolean;
}

/** Binary Dense layer (class name "QuantDense"); see {@link QuantOptions}. */
export class QuantDense extends QuantLayer {
  /** The tfjs serialization class name. */
  static className = "QuantDense";
  /** Output units. */
  readonly units: number;

  /** Validates the arguments; weights are created in `build`. */
  constructor(args: QuantDenseArgs) {
    super(args, "glorotUniform");
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new Error(`QuantDense: units must be a positive integer; got ${args.units}`);
    }
    this.units = args.units;
  }

  /** Creates kernel, bias, α and β for a `[batch, features]` input. */
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 2 || shape[1] === null) {
      throw new Error(
        `QuantDense: input must be rank 2 [batch, features] with known features; got [${shape}] ` +
          `(flatten first)`,
      );
    }
    this.buildWeights([shape[1] as number, this.units]);
  }

  /** `[batch, units]`. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], this.units];
  }

  /**
   * Forward pass: act(q_in(x)·α·q_k(W) + b); as XNOR–popcount when both quantizers binarize
   * (see `lib/backend/binary_conv.ts`).
   */
  // deno-lint-ignore no-explicit-any
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, any>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      if (x.rank !== 2) {
        throw new Error(`${this.name}: input must be rank 2 [batch, features]; got [${x.shape}]`);
      }
      const xq = this.quantizeInput(x) as tf.Tensor2D;
      const act = this.quant.activation;
      if (this.binaryForward(x.shape[1])) {
        const k = this.signKernel() as tf.Tensor2D;
        return activate(binaryDense(xq, k, this.scaleAndBias()), act);
      }
      const w = this.quantizedKernel() as tf.Tensor2D;
      if (act === "linear" || act === "relu") {
        return tf.fused.matMul({
          a: xq,
          b: w,
          bias: this.bias ? this.bias.read() : undefined,
          activation: act,
        });
      }
      let y: tf.Tensor = tf.matMul(xq, w);
      if (this.bias) y = tf.add(y, this.bias.read());
      return activate(y, act);
    });
  }

  /** Every constructor option, for serialization. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, ...this.quantConfig() };
  }
}
tf.serialization.registerClass(QuantDense);

/** Creates a {@link QuantDense} layer. */
export function quantDense(args: QuantDenseArgs): QuantDense {
  return new QuantDense(args);
}

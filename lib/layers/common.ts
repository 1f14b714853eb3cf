/**
 * The base class of the binary layers: the α / β weights, the quantized kernel α·q(W), the BNN+
 * penalty λ·ΣR(W, α), latent-kernel clipping and the config of the BNN+ options.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { type Beta, quantize } from "../quantizers.ts";
import { regularize } from "../regularizers.ts";
import { binaryForwardAvailable } from "../backend/binary_conv.ts";
import {
  type Initializer,
  initializerConfig,
  type QuantOptions,
  type QuantSettings,
  quantSettings,
  toInitializer,
} from "./options.ts";

/**
 * Lower bound kept on a trainable β by {@link QuantLayer.clipKernel}: with β ≤ 0 the SignSwish
 * pseudo-gradient vanishes or flips sign, so an optimizer step must not take β there.
 */
export const BETA_MIN = 1e-3;

/**
 * Base of the binary layers. Subclasses validate the input shape in `build` and then call
 * {@link QuantLayer.buildWeights} with the kernel shape (last axis = output channels).
 */
export abstract class QuantLayer extends tf.layers.Layer {
  /** Validated BNN+ settings. */
  readonly quant: QuantSettings;
  /** Latent real-valued kernel. */
  protected kernel: tf.LayerVariable | null = null;
  /** Bias (when `useBias`). */
  protected bias: tf.LayerVariable | null = null;
  /** α (when scale ≠ "none"): shape `[channels]` or `[]`. */
  protected alpha: tf.LayerVariable | null = null;
  /** β (when trainableBeta): shape `[]`. */
  protected betaVar: tf.LayerVariable | null = null;
  /** Kernel initializer. */
  protected kernelInit: Initializer;
  /** Bias initializer. */
  protected biasInit: Initializer;

  /** Validates the BNN+ options (see {@link QuantOptions}). */
  constructor(
    args: QuantOptions & { name?: string; trainable?: boolean },
    defaultKernelInit: string,
  ) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    const name = this.getClassName();
    this.quant = quantSettings(name, args);
    this.kernelInit = toInitializer(name, args.kernelInitializer ?? defaultKernelInit);
    this.biasInit = toInitializer(name, args.biasInitializer ?? "zeros");
  }

  /**
   * Creates, in this order, `kernel` of `kernelShape`, `bias` (`[channels]`, when `useBias`), α and
   * β (see {@link QuantLayer.buildQuant}), and marks the layer built.
   */
  protected buildWeights(kernelShape: number[]): void {
    this.kernel = this.addWeight(
      "kernel",
      kernelShape,
      "float32",
      this.kernelInit,
      undefined,
      true,
    );
    if (this.quant.useBias) {
      const channels = kernelShape[kernelShape.length - 1];
      this.bias = this.addWeight("bias", [channels], "float32", this.biasInit, undefined, true);
    }
    this.buildQuant();
    this.built = true;
  }

  /** Creates α (= mean|W| of the freshly initialised kernel) and β, and registers the penalty. */
  protected buildQuant(): void {
    const q = this.quant;
    const kernel = this.kernel!;
    if (q.scale !== "none") {
      const k = kernel.read();
      const channels = k.shape[k.rank - 1];
      const shape = q.scaleShape === "channel" ? [channels] : [];
      this.alpha = this.addWeight(
        "alpha",
        shape,
        "float32",
        tf.initializers.ones(),
        undefined,
        q.scale === "trainable",
      );
      const axes = q.scaleShape === "channel" ? [...Array(k.rank - 1).keys()] : undefined;
      tf.tidy(() => {
        this.alpha!.write(tf.mean(tf.abs(k), axes));
      });
    }
    if (q.trainableBeta) {
      this.betaVar = this.addWeight(
        "beta",
        [],
        "float32",
        tf.initializers.constant({ value: q.beta }),
        undefined,
        true,
      );
    }
    if (q.regularizer !== "none") this.addLoss(() => this.penalty());
  }

  /** β as used by the quantizers: the trainable scalar weight, or the fixed number. */
  protected betaValue(): Beta {
    return this.betaVar ? this.betaVar.read() as tf.Scalar : this.quant.beta;
  }

  /** α·q(W) with the kernel quantizer's pseudo-gradient (q = identity for "none"). */
  protected quantizedKernel(): tf.Tensor {
    const k = this.signKernel();
    return this.alpha ? tf.mul(k, this.alpha.read()) : k;
  }

  /** q(W) without α, with the kernel quantizer's pseudo-gradient. */
  protected signKernel(): tf.Tensor {
    const q = this.quant;
    return quantize(this.kernel!.read(), q.kernelQuantizer, { beta: this.betaValue() });
  }

  /**
   * Whether the forward product runs as XNOR–popcount ({@link binaryConv2d}): both quantizers
   * binarize, and the popcount forward is available for `taps` = kh·kw·C (see
   * `lib/backend/binary_conv.ts`; `BNN_BINARY_FORWARD=0` turns it off).
   */
  protected binaryForward(taps: number): boolean {
    const q = this.quant;
    return q.inputQuantizer !== "none" && q.kernelQuantizer !== "none" &&
      binaryForwardAvailable(taps);
  }

  /** α and the bias as the binary forward takes them. */
  protected scaleAndBias(): { alpha?: tf.Tensor; bias?: tf.Tensor } {
    return { alpha: this.alpha?.read(), bias: this.bias?.read() };
  }

  /** The input after the input quantizer. */
  protected quantizeInput(x: tf.Tensor): tf.Tensor {
    return quantize(x, this.quant.inputQuantizer, { beta: this.betaValue() });
  }

  /** The kernel as used in the forward pass, α·sign(W) (or W at full precision). */
  binaryKernel(): tf.Tensor {
    this.assertBuilt();
    return tf.tidy(() => this.quantizedKernel());
  }

  /** The BNN+ penalty λ·Σ R(W, α) (α = 1 when scale is "none"); 0 without a regularizer. */
  penalty(): tf.Scalar {
    this.assertBuilt();
    const q = this.quant;
    if (q.regularizer === "none" || q.lambda === 0) return tf.scalar(0);
    return tf.tidy(() => {
      const alpha = this.alpha ? this.alpha.read() : 1;
      return tf.mul(q.lambda, regularize(this.kernel!.read(), alpha, q.regularizer)) as tf.Scalar;
    });
  }

  /**
   * Clips the latent kernel to [−kernelClip, kernelClip] (binary kernels only) and keeps a
   * trainable β ≥ {@link BETA_MIN}.
   */
  clipKernel(): void {
    const b = this.betaVar;
    if (b) {
      tf.tidy(() => {
        b.write(tf.maximum(b.read(), BETA_MIN));
      });
    }
    const c = this.quant.kernelClip;
    if (c === null || this.quant.kernelQuantizer === "none" || !this.kernel) return;
    const k = this.kernel;
    tf.tidy(() => {
      k.write(tf.clipByValue(k.read(), -c, c));
    });
  }

  /** The latent kernel variable (for inspection and tests). */
  get kernelWeight(): tf.LayerVariable {
    this.assertBuilt();
    return this.kernel!;
  }

  /** The α weight, or null when scale is "none". */
  get alphaWeight(): tf.LayerVariable | null {
    return this.alpha;
  }

  /** The β weight, or null unless trainableBeta. */
  get betaWeight(): tf.LayerVariable | null {
    return this.betaVar;
  }

  /** Throws unless `build` has run. */
  protected assertBuilt(): void {
    if (!this.kernel) throw new Error(`${this.name}: layer is not built yet (apply it first)`);
  }

  /** The BNN+ options, initializers and activation for `getConfig`. */
  protected quantConfig(): tf.serialization.ConfigDict {
    return {
      ...this.quant,
      kernelInitializer: initializerConfig(this.kernelInit),
      biasInitializer: initializerConfig(this.biasInit),
    };
  }
}

/** True when `layer` is one of the binary layers ({@link QuantLayer}). */
export function isQuantLayer(layer: unknown): layer is QuantLayer {
  return layer instanceof QuantLayer;
}

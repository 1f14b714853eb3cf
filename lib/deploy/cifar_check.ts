/**
 * The CIFAR-10 deployment check behind `deno task deploy:verify`: train (or load) a small binary
 * network, export it to `.bnn`, reload it, and compare the XNOR–popcount engine with the tfjs
 * float simulation on every test image.
 *
 * The model (a small BinaryNet-style CNN, {@link smallBinaryCnn}) follows the project's rules:
 * full-precision first conv and last dense, conv → max-pool → batch norm → (sign in the next
 * layer), α per channel, SignSwish on activations, STE on weights.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { batchNormalization, conv2d, quantConv2d, quantDense } from "../layers/mod.ts";
import { trainEpoch } from "../train.ts";
import { batches, channelStats, type Dataset } from "../data/mod.ts";

/** Options of {@link smallBinaryCnn}. */
export interface SmallCnnOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
  /** Channels of the four convolutions; default [32, 64, 128, 128]. */
  channels?: number[];
  /** Units of the binary dense layer; default 256. */
  hidden?: number;
  seed?: number;
}

/** A small binary CNN: fp conv → BN → 3×(binary conv → pool → BN) → binary dense → BN → fp dense. */
export function smallBinaryCnn(options: SmallCnnOptions = {}): tf.Sequential {
  const [c0, c1, c2, c3] = options.channels ?? [32, 64, 128, 128];
  const seed = options.seed ?? 0;
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  const q = {
    inputQuantizer: "swish_sign",
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    scaleShape: "channel",
    useBias: false,
  } as const;
  const bn = (name: string) => batchNormalization({ momentum: 0.9, epsilon: 1e-4, name });
  const pool = (name: string) =>
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: "same", name });
  const m = tf.sequential({ name: "small_binary_cnn" });
  m.add(conv2d({
    inputShape: options.inputShape ?? [32, 32, 3],
    filters: c0,
    kernelSize: 3,
    padding: "same",
    useBias: false,
    kernelInitializer: init(0),
    name: "conv0",
  }));
  m.add(bn("bn0"));
  [c1, c2, c3].forEach((filters, i) => {
    m.add(
      quantConv2d({
        ...q,
        filters,
        kernelSize: 3,
        padding: "same",
        kernelInitializer: init(i + 1),
        name: `qconv${i + 1}`,
      }),
    );
    m.add(pool(`pool${i + 1}`));
    m.add(bn(`bn${i + 1}`));
  });
  m.add(tf.layers.flatten({ name: "flatten" }));
  m.add(
    quantDense({ ...q, units: options.hidden ?? 256, kernelInitializer: init(4), name: "qdense" }),
  );
  m.add(bn("bn4"));
  m.add(
    tf.layers.dense({
      units: options.numClasses ?? 10,
      kernelInitializer: init(5),
      name: "logits",
    }),
  );
  return m;
}

/** Options of {@link trainBriefly}. */
export interface BriefTrainOptions {
  epochs?: number;
  batchSize?: number;
  /** Examples per class used for training; default all. */
  subset?: number;
  learningRate?: number;
  seed?: number;
  normalize: { mean: number[]; std: number[] };
  log?: (line: string) => void;
}

/**
 * A short Adam training run with the project's `trainEpoch` (softmax cross-entropy on logits +
 * the layers' BNN+ penalties, latent weights clipped after each step). Enough to give a
 * non-trivial trained model.
 */
export function trainBriefly(model: tf.LayersModel, ds: Dataset, options: BriefTrainOptions): void {
  const optimizer = tf.train.adam(options.learningRate ?? 2e-3);
  const epochs = options.epochs ?? 2;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    const r = trainEpoch(
      model,
      batches(ds, {
        batchSize: options.batchSize ?? 64,
        seed: options.seed ?? 0,
        epoch,
        subset: options.subset,
        normalize: options.normalize,
        augment: false,
      }),
      { optimizer },
    );
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    options.log?.(`epoch ${epoch + 1}/${epochs}: loss ${r.loss.toFixed(4)} (${s} s)`);
  }
  optimizer.dispose();
}

/** Normalization statistics to use for both training and test images. */
export function normalizationOf(train: Dataset): { mean: number[]; std: number[] } {
  return channelStats(train);
}

/**
 * Timing of one net on the active backend: training images/s (forward + backward + Adam, batch
 * tensors created once, loss read back each step so the work is really done) and inference
 * images/s (`predict`, result read back). Each step is timed on its own and the median step time
 * is used (the machine is shared: the median resists other jobs' bursts); the PyTorch peer uses
 * the same statistic.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { benchTrainStep, benchVgg, benchVggFlops } from "./nets.ts";

/** Options of {@link measureNet}. */
export interface MeasureOptions {
  binary?: boolean;
  /** tfjs-layers' own conv2d / batchNormalization instead of the lab's (see `benchVgg`). */
  plain?: boolean;
  width?: number;
  batch?: number;
  /** Timed training steps (default 5). */
  steps?: number;
  /** Untimed steps first (default 2). */
  warmup?: number;
}

/** Result of {@link measureNet}. */
export interface NetSpeed {
  trainIps: number;
  inferIps: number;
  trainGflops: number;
  inferGflops: number;
  /** Forward GFLOP per image. */
  gflopPerImage: number;
}

/** Median wall time in ms of `n` calls of `fn` (each timed on its own). */
export function medianMs(fn: () => void, n: number): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/** Builds the net on the active backend, times it, disposes everything it made. */
export function measureNet(options: MeasureOptions = {}): NetSpeed {
  const batch = options.batch ?? 64, steps = options.steps ?? 5, warmup = options.warmup ?? 2;
  const model = benchVgg({ width: options.width, binary: options.binary, plain: options.plain });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, 10, "int32") as tf.Tensor1D, 10).toFloat()
  );
  try {
    const step = () => {
      const l = benchTrainStep(model, { x, y }, { optimizer: opt });
      l.dataSync();
      l.dispose();
    };
    for (let i = 0; i < warmup; i++) step();
    const trainIps = (batch * 1000) / medianMs(step, steps);
    const infer = () =>
      tf.tidy(() => (model.predict(x, { batchSize: batch }) as tf.Tensor).dataSync());
    for (let i = 0; i < Math.max(1, warmup); i++) infer();
    const inferIps = (batch * 1000) / medianMs(infer, steps);
    const g = benchVggFlops({ width: options.width }) / 1e9;
    return {
      trainIps,
      inferIps,
      trainGflops: trainIps * 3 * g,
      inferGflops: inferIps * g,
      gflopPerImage: g,
    };
  } finally {
    x.dispose();
    y.dispose();
    opt.dispose();
    model.dispose();
  }
}

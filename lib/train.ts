/**
 * Training and evaluation of classifiers that output logits: one optimizer step
 * ({@link trainStep}), one epoch ({@link trainEpoch}) and evaluation ({@link evaluate}).
 *
 * The objective is the BNN+ one: mean softmax cross-entropy + Σ layer losses (the binary layers'
 * λ·ΣR(W, α) penalties, plus any tfjs regularizers), minimised over the model's trainable weights
 * (latent kernels, biases, α, β, batch-norm γ/β); then latent kernels are clipped
 * ({@link clipLatentWeights}). Batch norm runs in training mode during steps.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { clipLatentWeights } from "./layers/mod.ts";

/**
 * A batch: `x` NHWC images or `[batch, features]` rows, `y` integer labels (or one-hot rows).
 * Tensors stay owned by the caller; typed arrays are converted (shaped like the model input) and
 * disposed internally.
 */
export interface Batch {
  /** Inputs: a tensor, or a flat Float32Array shaped by the model's input shape. */
  x: tf.Tensor | Float32Array;
  /** Integer class labels (tensor or typed array), or a rank-2 one-hot / probability tensor. */
  y: tf.Tensor | Int32Array | Uint8Array | number[];
}

/** Options of {@link trainStep} / {@link trainEpoch}. */
export interface TrainStepOptions {
  /** The optimizer (its state persists across calls). */
  optimizer: tf.Optimizer;
  /** Clip latent kernels after the step (default true). */
  clip?: boolean;
}

/** Result of one step: plain numbers. */
export interface StepResult {
  /** The minimised objective: `ce + penalty`. */
  loss: number;
  /** Mean softmax cross-entropy of the batch. */
  ce: number;
  /** Σ layer losses (λ·ΣR of binary layers, other regularizers). */
  penalty: number;
  /** Number of correctly classified samples (training-mode forward pass). */
  correct: number;
  /** Number of samples. */
  size: number;
}

/** Result of {@link trainEpoch}: sample-weighted means over the epoch. */
export interface EpochResult {
  /** Mean objective (ce + penalty). */
  loss: number;
  /** Mean cross-entropy. */
  ce: number;
  /** Mean penalty. */
  penalty: number;
  /** Training accuracy in [0, 1]. */
  accuracy: number;
  /** Samples seen. */
  size: number;
  /** Steps taken. */
  steps: number;
}

/** Result of {@link evaluate}. */
export interface EvalResult {
  /** Mean cross-entropy (no penalty). */
  loss: number;
  /** Accuracy in [0, 1]. */
  accuracy: number;
  /** Samples evaluated. */
  size: number;
}

interface Tensors {
  x: tf.Tensor;
  y: tf.Tensor;
  owned: tf.Tensor[];
}

function toTensors(model: tf.LayersModel, batch: Batch, fn: string): Tensors {
  if (!batch || batch.x == null || batch.y == null) {
    throw new Error(`${fn}: batch must be {x, y}; got ${batch === null ? "null" : typeof batch}`);
  }
  const owned: tf.Tensor[] = [];
  let x: tf.Tensor;
  if (batch.x instanceof tf.Tensor) {
    x = batch.x;
  } else if (batch.x instanceof Float32Array) {
    const inShape = model.inputs[0].shape.slice(1) as number[];
    if (inShape.some((d) => d == null)) {
      throw new Error(`${fn}: a typed-array batch needs a model with a fully known input shape`);
    }
    const per = inShape.reduce((a, b) => a * b, 1);
    if (batch.x.length % per !== 0) {
      throw new Error(
        `${fn}: batch.x has ${batch.x.length} values, not a multiple of the input size ${per}`,
      );
    }
    x = tf.tensor(batch.x, [batch.x.length / per, ...inShape]);
    owned.push(x);
  } else {
    throw new Error(`${fn}: batch.x must be a tf.Tensor or a Float32Array`);
  }
  let y: tf.Tensor;
  if (batch.y instanceof tf.Tensor) {
    y = batch.y;
  } else {
    y = tf.tensor1d(Array.from(batch.y as ArrayLike<number>), "int32");
    owned.push(y);
  }
  if (y.shape[0] !== x.shape[0] || y.rank > 2) {
    throw new Error(
      `${fn}: batch.y of shape [${y.shape}] does not match batch.x of shape [${x.shape}]; ` +
        `expected [${x.shape[0]}] labels or [${x.shape[0]}, classes] one-hot rows`,
    );
  }
  return { x, y, owned };
}

/** [ce, correct] for logits and labels (tensor ops only). */
function ceAndCorrect(logits: tf.Tensor, y: tf.Tensor): [tf.Scalar, tf.Scalar] {
  const classes = logits.shape[logits.rank - 1];
  const oneHot = y.rank === 1 ? tf.oneHot(tf.cast(y, "int32"), classes) : y;
  const labels = y.rank === 1 ? tf.cast(y, "int32") : tf.argMax(y, -1);
  const ce = tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), "float32")) as tf.Scalar;
  return [ce, correct];
}

/** One step; returns the device tensor [loss, ce, penalty, correct] (caller disposes). */
function stepTensor(model: tf.LayersModel, t: Tensors, options: TrainStepOptions): tf.Tensor1D {
  if (!options || !options.optimizer) {
    throw new Error("trainStep: options.optimizer is required (e.g. tf.train.adam(1e-3))");
  }
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let stats: tf.Tensor1D | null = null;
  const cost = options.optimizer.minimize(
    () => {
      const logits = model.apply(t.x, { training: true }) as tf.Tensor;
      const [ce, correct] = ceAndCorrect(logits, t.y);
      const losses = model.calculateLosses();
      const penalty = losses.length === 0
        ? tf.scalar(0)
        : losses.length === 1
        ? losses[0]
        : tf.addN(losses);
      const total = tf.add(ce, penalty) as tf.Scalar;
      stats = tf.keep(tf.stack([total, ce, penalty, correct]) as tf.Tensor1D);
      return total;
    },
    true,
    vars,
  );
  cost?.dispose();
  if (options.clip ?? true) clipLatentWeights(model);
  return stats!;
}

/**
 * One optimizer step on `batch`: minimises CE + Σ penalties over the trainable weights, then clips
 * latent kernels. Returns plain numbers, with one device sync.
 */
export function trainStep(
  model: tf.LayersModel,
  batch: Batch,
  options: TrainStepOptions,
): StepResult {
  const t = toTensors(model, batch, "trainStep");
  try {
    const stats = stepTensor(model, t, options);
    const [loss, ce, penalty, correct] = stats.dataSync();
    stats.dispose();
    return { loss, ce, penalty, correct, size: t.x.shape[0] };
  } finally {
    tf.dispose(t.owned);
  }
}

/**
 * One pass over `batches` with {@link trainStep}'s update; metrics are accumulated on the device
 * and read once at the end. `onStep(i)` (optional) runs after each step.
 */
export function trainEpoch(
  model: tf.LayersModel,
  batches: Iterable<Batch>,
  options: TrainStepOptions & { onStep?: (step: number) => void },
): EpochResult {
  let acc: tf.Tensor1D | null = null;
  let size = 0, steps = 0;
  try {
    for (const batch of batches) {
      const t = toTensors(model, batch, "trainEpoch");
      try {
        const stats = stepTensor(model, t, options);
        const n = t.x.shape[0];
        // weight loss/ce/penalty by the batch size; correct is already a count
        const next: tf.Tensor1D = tf.tidy(() => {
          const w = tf.mul(stats, tf.tensor1d([n, n, n, 1]));
          return acc ? tf.add(acc, w) as tf.Tensor1D : w as tf.Tensor1D;
        });
        stats.dispose();
        acc?.dispose();
        acc = next;
        size += n;
        steps++;
      } finally {
        tf.dispose(t.owned);
      }
      options.onStep?.(steps - 1);
    }
    if (!acc || size === 0) throw new Error("trainEpoch: batches is empty");
    const [loss, ce, penalty, correct] = (acc as tf.Tensor1D).dataSync();
    return {
      loss: loss / size,
      ce: ce / size,
      penalty: penalty / size,
      accuracy: correct / size,
      size,
      steps,
    };
  } finally {
    (acc as tf.Tensor1D | null)?.dispose();
  }
}

/**
 * Evaluates `model` (inference mode) on `batches`: mean cross-entropy and accuracy over all
 * samples, read from the device once.
 */
export function evaluate(model: tf.LayersModel, batches: Iterable<Batch>): EvalResult {
  let acc: tf.Tensor1D | null = null;
  let size = 0;
  try {
    for (const batch of batches) {
      const t = toTensors(model, batch, "evaluate");
      try {
        const n = t.x.shape[0];
        const next: tf.Tensor1D = tf.tidy(() => {
          const logits = model.apply(t.x, { training: false }) as tf.Tensor;
          const [ce, correct] = ceAndCorrect(logits, t.y);
          const s = tf.stack([tf.mul(ce, n), correct]) as tf.Tensor1D;
          return acc ? tf.add(acc, s) as tf.Tensor1D : s;
        });
        acc?.dispose();
        acc = next;
        size += n;
      } finally {
        tf.dispose(t.owned);
      }
    }
    if (!acc || size === 0) throw new Error("evaluate: batches is empty");
    const [loss, correct] = (acc as tf.Tensor1D).dataSync();
    return { loss: loss / size, accuracy: correct / size, size };
  } finally {
    (acc as tf.Tensor1D | null)?.dispose();
  }
}

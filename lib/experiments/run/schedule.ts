/**
 * The learning-rate schedule of a run (per optimizer step) and how it is applied to a tfjs
 * optimizer.
 *
 * @module
 */
import type { tf } from "../../tf.ts";
import type { ExperimentConfig } from "../config/config.ts";

/** The learning rate at global step `step` of `total` (cosine from lr to lr·lrFinalFactor). */
export function learningRate(
  config: Pick<ExperimentConfig, "lr" | "lrSchedule" | "lrFinalFactor">,
  step: number,
  total: number,
): number {
  if (config.lrSchedule === "constant") return config.lr;
  const t = Math.min(1, Math.max(0, step / Math.max(1, total)));
  const lo = config.lr * config.lrFinalFactor;
  return lo + 0.5 * (config.lr - lo) * (1 + Math.cos(Math.PI * t));
}

/**
 * Sets the learning rate of a tfjs optimizer (Adam, SGD, … read their `learningRate` field at
 * every `applyGradients`).
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate?: number };
  if (typeof o.learningRate !== "number") {
    throw new Error(`setLearningRate: ${optimizer.getClassName()} has no numeric learningRate`);
  }
  o.learningRate = lr;
}

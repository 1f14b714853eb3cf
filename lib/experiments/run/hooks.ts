/**
 * Extension point for per-epoch telemetry: functions registered with {@link addEpochHook} run at
 * the end of every epoch of every run (after evaluation, before the checkpoint) and their returned
 * fields are merged into that epoch's line of `metrics.jsonl` (e.g. α statistics, flip ratios,
 * weight histograms). A hook must not change the model's weights. Register hooks in a module that
 * the single-run entry point imports (`lib/experiments/run/worker.ts`), so every worker has them.
 *
 * @module
 */
import type { tf } from "../../tf.ts";
import type { ExperimentConfig } from "../config/config.ts";
import type { EpochMetrics } from "../store/store.ts";

/** What a hook sees at the end of an epoch. */
export interface EpochContext {
  runId: string;
  config: ExperimentConfig;
  model: tf.LayersModel;
  /** The epoch's metrics so far (read-only). */
  metrics: Readonly<EpochMetrics>;
}

/** A telemetry hook: returns extra fields for the epoch's metrics line. */
export type EpochHook =
  & ((
    ctx: EpochContext,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>)
  & {
    /**
     * Optional: called before the first batch of an epoch that starts from its beginning (epoch 1
     * of a fresh run, or the next epoch after a resume at an epoch boundary) with the weights the
     * epoch starts from; `epoch` is the 1-based number of the epoch about to train. Not called when
     * a run resumes in the middle of an epoch.
     */
    onEpochStart?: (ctx: Omit<EpochContext, "metrics"> & { epoch: number }) => void;
  };

const hooks: EpochHook[] = [];

/** Registers `hook`; returns a function that unregisters it. */
export function addEpochHook(hook: EpochHook): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/** Tells every hook that an epoch starts from its first batch (see `EpochHook.onEpochStart`). */
export function runEpochStartHooks(ctx: Omit<EpochContext, "metrics"> & { epoch: number }): void {
  for (const h of hooks) h.onEpochStart?.(ctx);
}

/** Runs every hook and returns the merged fields (a failing hook's error becomes a field). */
export async function runEpochHooks(ctx: EpochContext): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const h of hooks) {
    try {
      Object.assign(out, await h(ctx));
    } catch (e) {
      out.telemetryError = (e as Error).message;
    }
  }
  return out;
}

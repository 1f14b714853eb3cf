/**
 * Wires the instruments of `lib/telemetry.ts` into every run: an epoch hook that adds a
 * `telemetry` field (flip ratio of sign(W) since the previous epoch, α statistics, trainable β,
 * share of latent weights near ±α) to each line of `metrics.jsonl`, with weight histograms at the
 * first and last epoch and every `histogramEvery` epochs.
 *
 * The sign snapshot is taken in memory before each epoch that starts from its first batch (so
 * epoch 1 of a fresh run records its flips too); an epoch resumed in its middle records
 * `flipRatio: null`.
 *
 * @module
 */
import { type SignSnapshot, signSnapshot, telemetry } from "../../telemetry.ts";
import { addEpochHook, type EpochContext, type EpochHook } from "./hooks.ts";

/** Options of {@link installTelemetryHook}. */
export interface TelemetryHookOptions {
  /** Histograms every this many epochs (besides the first and last). Default 10. */
  histogramEvery?: number;
}

/** Builds the hook function (exported for tests); `installTelemetryHook` registers it. */
export function telemetryHook(options: TelemetryHookOptions = {}): EpochHook {
  const every = options.histogramEvery ?? 10;
  const previous = new Map<string, SignSnapshot>();
  const hook: EpochHook = (ctx: EpochContext) => {
    const epoch = Number(ctx.metrics.epoch);
    const histograms = epoch === 1 || epoch === ctx.config.epochs || epoch % every === 0;
    const t = telemetry(ctx.model, { previous: previous.get(ctx.runId), epoch, histograms });
    previous.delete(ctx.runId); // the next epoch's snapshot is taken when it starts
    return { telemetry: t };
  };
  hook.onEpochStart = (ctx) => previous.set(ctx.runId, signSnapshot(ctx.model));
  return hook;
}

let installed: (() => void) | null = null;

/** Registers the telemetry hook once per process; returns a function that removes it. */
export function installTelemetryHook(options: TelemetryHookOptions = {}): () => void {
  if (!installed) {
    const remove = addEpochHook(telemetryHook(options));
    installed = () => {
      remove();
      installed = null;
    };
  }
  return installed;
}

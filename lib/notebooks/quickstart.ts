/**
 * Quickstart support: the config and data of one BNN+ model (the default grid row of a preset)
 * for a training loop written in the notebook ({@link quickstartConfig}, {@link quickstartData},
 * {@link telemetryTracker}), and {@link trainQuickstart}, the same run through the executor
 * `deno task reproduce` uses.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { batches, type Dataset, numBatches } from "../data/mod.ts";
import type { Batch } from "../train.ts";
import { signSnapshot, telemetry } from "../telemetry.ts";
import { buildNetwork, type ModelDataShape } from "../models.ts";
import {
  configKey,
  type ExperimentConfig,
  makeConfig,
  runId,
} from "../experiments/config/config.ts";
import {
  dataShape,
  loadRunData,
  perClassSubset,
  testBatches,
  trainNormalization,
} from "../experiments/run/data_setup.ts";
import { executeRun } from "../experiments/run/execute.ts";
import { getPreset } from "../experiments/config/presets.ts";
import { type EpochMetrics, materializeRuns, type RunSummary } from "../experiments/store/store.ts";
import type { LiveEpoch } from "../plots/live.ts";
import { installTelemetryHook } from "../experiments/run/telemetry_hook.ts";
import type { TelemetryRecord } from "../telemetry.ts";
import type { Figure } from "../plots/figure.ts";
import { learningCurvesFigure } from "../plots/training_figures.ts";
import { notebookPreset } from "./setup.ts";

/** Options of {@link trainQuickstart}. */
export interface QuickstartOptions {
  /** Preset whose base config is used (default `$BNN_PRESET`, else `quick`). */
  preset?: string;
  /** Overrides on top of the preset base and the BNN+ defaults (e.g. `{ epochs: 3 }`). */
  overrides?: Partial<ExperimentConfig>;
  /** Called after every epoch (e.g. `liveCurves().onEpoch`); awaited in order. */
  onEpoch?: (metrics: LiveEpoch) => unknown;
  /** Where the run's files go; default a temp folder, removed when the call returns. */
  resultsDir?: string;
}

/** What {@link trainQuickstart} returns. */
export interface QuickstartResult {
  config: ExperimentConfig;
  status: string;
  summary: RunSummary | null;
  metrics: EpochMetrics[];
  /** A freshly built model of the same architecture (for `summary(model)`). */
  model: tf.LayersModel;
  /** `options.resultsDir`, or null when the run used a temp folder (already removed). */
  resultsDir: string | null;
}

/**
 * Input shape and classes of a dataset, without loading it (from `lib/data/specs.ts`; ImageNet at
 * side `imageSize`, default 224).
 */
export function quickstartDataShape(
  dataset: ExperimentConfig["dataset"],
  imageSize?: number,
): ModelDataShape {
  return dataShape(dataset, imageSize);
}

/**
 * The BNN+ default configuration of a preset (default `$BNN_PRESET`, else `quick`), seed 0, with
 * `overrides` on top: what the quickstart trains.
 */
export function quickstartConfig(
  overrides: Partial<ExperimentConfig> = {},
  preset: string = notebookPreset(),
): ExperimentConfig {
  return makeConfig(getPreset(preset).base, { seed: 0 }, overrides);
}

/** The data of a quickstart loop: model input shape and seeded batch streams. */
export interface QuickstartData {
  /** Input shape and classes, for `buildModel(config, data.shape)`. */
  shape: ModelDataShape;
  train: Dataset;
  test: Dataset;
  /** Training batches per epoch. */
  stepsPerEpoch: number;
  /** The training batches of `epoch` (1-based): shuffled and augmented as in the grid runs. */
  trainBatches: (epoch: number) => Iterable<Batch & { size: number }>;
  /** The test batches (the config's test subset, normalised with the training statistics). */
  testBatches: () => Iterable<Batch>;
}

/**
 * Loads the dataset of `config` (the train subset, per-class, as the grid runs use it) and returns
 * batch streams seeded by `config.seed` and the epoch, normalised with the training statistics.
 */
export async function quickstartData(
  config: ExperimentConfig,
  options: { dataDir?: string } = {},
): Promise<QuickstartData> {
  const { train, test } = await loadRunData(config, options);
  const normalize = trainNormalization(train);
  const subset = perClassSubset(config.dataset, config.trainSubset);
  const opts = { batchSize: config.batchSize, subset };
  return {
    shape: { inputShape: train.shape, numClasses: train.numClasses },
    train,
    test,
    stepsPerEpoch: numBatches(train, opts),
    trainBatches: (epoch) =>
      batches(train, {
        ...opts,
        seed: config.seed,
        epoch: epoch - 1,
        shuffle: true,
        augment: config.augment,
        normalize,
      }),
    testBatches: () => testBatches(test, config, normalize),
  };
}

/** Per-epoch telemetry of a model's binary layers, recorded by {@link telemetryTracker}. */
export interface TelemetryTracker {
  /** One entry per {@link TelemetryTracker.record} (epoch 0 = before training). */
  metrics: { epoch: number; telemetry: TelemetryRecord }[];
  /** Records the telemetry after `epoch`, with the sign flips since the previous record. */
  record: (epoch: number) => TelemetryRecord;
}

/**
 * Starts recording `model`'s telemetry (flip ratio of sign(W), α, share of weights near ±α): takes
 * the epoch-0 record and sign snapshot at once, so the flips of epoch 1 are counted too. Its
 * `metrics` feed {@link telemetryFigure}.
 */
export function telemetryTracker(model: tf.LayersModel): TelemetryTracker {
  const metrics: { epoch: number; telemetry: TelemetryRecord }[] = [];
  let previous = signSnapshot(model);
  metrics.push({ epoch: 0, telemetry: telemetry(model, { epoch: 0 }) });
  return {
    metrics,
    record: (epoch) => {
      const t = telemetry(model, { previous, epoch });
      previous = signSnapshot(model);
      metrics.push({ epoch, telemetry: t });
      return t;
    },
  };
}

/**
 * Trains the BNN+ default configuration of a preset once (seed 0) and reports each epoch to
 * `onEpoch`. Uses the reproduce executor (`executeRun`), so the numbers match a grid run.
 */
export async function trainQuickstart(options: QuickstartOptions = {}): Promise<QuickstartResult> {
  const preset = options.preset ?? notebookPreset();
  const config = makeConfig(getPreset(preset).base, { seed: 0 }, options.overrides ?? {});
  const id = await runId(config);
  const resultsDir = options.resultsDir ?? await Deno.makeTempDir({ prefix: "bnn_quickstart_" });
  try {
    return await trainIn(resultsDir, { id, config, preset, options });
  } finally {
    if (options.resultsDir === undefined) {
      await Deno.remove(resultsDir, { recursive: true }).catch(() => {});
    }
  }
}

async function trainIn(
  resultsDir: string,
  spec: { id: string; config: ExperimentConfig; preset: string; options: QuickstartOptions },
): Promise<QuickstartResult> {
  const { id, config, options } = spec;
  materializeRuns(resultsDir, "quickstart", [{
    runId: id,
    configKey: await configKey(config),
    labels: ["quickstart"],
    axes: ["quickstart"],
    config,
  }]);
  const metrics: EpochMetrics[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  // The same per-epoch telemetry as grid runs (flip ratio, α statistics, share near ±α).
  installTelemetryHook();
  const outcome = await executeRun(id, {
    resultsDir,
    preset: "quickstart",
    onEvent: (e) => {
      if (e.t !== "epoch") return;
      const m = e.metrics;
      metrics.push(m);
      chain = chain.then(() =>
        options.onEpoch?.({
          epoch: m.epoch,
          trainAccuracy: m.trainAcc,
          testAccuracy: m.testAcc,
          loss: m.loss,
          testLoss: m.testLoss,
        })
      );
    },
  });
  await chain;
  if (outcome.status !== "done") {
    throw new Error(`trainQuickstart: run ${id} ended ${outcome.status}: ${outcome.reason ?? ""}`);
  }
  return {
    config,
    status: outcome.status,
    summary: outcome.summary ?? null,
    metrics,
    model: buildNetwork(config, quickstartDataShape(config.dataset, config.imageSize)),
    resultsDir: options.resultsDir ?? null,
  };
}

function telemetryOf(
  metrics: { epoch: number; telemetry?: unknown }[],
): { epoch: number; t: TelemetryRecord }[] {
  return metrics.filter((m) => m.telemetry).map((m) => ({
    epoch: m.epoch,
    t: m.telemetry as TelemetryRecord,
  }));
}

/**
 * What the binary layers did during the run, from its per-epoch telemetry: the flip ratio of
 * sign(W) (`kind: "flips"`, from the first epoch with a snapshot before it: epoch 1 with
 * {@link telemetryTracker}), the mean α per layer (`"alpha"`), or the share of latent weights
 * within 10 % of ±α per layer (`"nearAlpha"`).
 */
export function telemetryFigure(
  run: { metrics: { epoch: number; telemetry?: unknown }[] },
  kind: "flips" | "alpha" | "nearAlpha" = "flips",
): Figure {
  const tel = telemetryOf(run.metrics);
  if (tel.length === 0) throw new Error("telemetryFigure: the run's metrics carry no telemetry");
  if (kind === "flips") {
    const pts = tel.filter((x) => x.t.flipRatio !== null);
    const fig = learningCurvesFigure([{
      name: "all binary layers",
      epochs: pts.map((x) => x.epoch),
      values: pts.map((x) => x.t.flipRatio as number),
    }], { metric: "share of sign(W) flipped in the epoch", title: "Sign flips per epoch" });
    // A share: from 0, with room above the largest value; epochs from 0 so one point is readable.
    const top = Math.max(0, ...pts.map((x) => x.t.flipRatio as number));
    const last = Math.max(1, ...tel.map((x) => x.epoch));
    fig.layout.yaxis = {
      ...(fig.layout.yaxis as object),
      range: [0, top > 0 ? top * 1.15 : 0.01],
      tickformat: ".1%",
    };
    fig.layout.xaxis = { ...(fig.layout.xaxis as object), range: [0, last + 0.5] };
    return fig;
  }
  const names = tel[0].t.layers.map((l) => l.name);
  return learningCurvesFigure(
    names.map((name) => ({
      name,
      epochs: tel.map((x) => x.epoch),
      values: tel.map((x) => {
        const l = x.t.layers.find((l) => l.name === name);
        return kind === "alpha" ? l?.alpha?.mean ?? NaN : l?.nearAlpha ?? NaN;
      }),
    })),
    kind === "alpha"
      ? { metric: "mean α", title: "Scale α per binary layer" }
      : { metric: "share within 10 % of ±α", title: "Latent weights near ±α per layer" },
  );
}

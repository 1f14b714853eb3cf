/**
 * Live figures: one notebook output updated in place (Jupyter `display_id`) while a cell runs, e.g.
 * learning curves redrawn every few batches and after every epoch. Outside a kernel the updates
 * are only recorded.
 *
 * @module
 */
import { baseLayout, type Figure, round7, type Trace } from "./figure.ts";
import { ensurePlotly, figureBundle } from "./show.ts";
import { inKernel, publish } from "./jupyter.ts";

/** A figure displayed once and then replaced in place by {@link LiveFigure.update}. */
export class LiveFigure {
  /** The Jupyter display id shared by the first display and every update. */
  readonly displayId: string;
  /** How many times the output was drawn (first display + updates). */
  draws = 0;
  #shown = false;

  /** Creates a live figure; nothing is displayed until the first {@link update}. */
  constructor(displayId = `bnn-live-${crypto.randomUUID()}`) {
    this.displayId = displayId;
  }

  /**
   * Draws `fig` into this output: the first call sends `display_data`, later calls
   * `update_display_data` with the same display id (one output, redrawn in place). With
   * `png: false` the PNG is not rendered (fast intermediate updates; the last one should have it).
   */
  async update(fig: Figure, options: { png?: boolean } = {}): Promise<void> {
    this.draws++;
    if (!inKernel()) return;
    if (!this.#shown) await ensurePlotly();
    const bundle = await figureBundle(fig, { png: options.png ?? true });
    await publish(this.#shown ? "update_display_data" : "display_data", {
      data: bundle,
      transient: { display_id: this.displayId },
    });
    this.#shown = true;
  }
}

/** One epoch's metrics as reported by a training loop (any extra fields are kept). */
export interface LiveEpoch {
  epoch: number;
  [metric: string]: unknown;
}

/** One training step as {@link trainStep} returns it (extra fields are ignored). */
export interface LiveStep {
  loss: number;
  /** Correctly classified samples of the batch. */
  correct: number;
  /** Samples of the batch. */
  size: number;
}

/** Options of {@link liveCurves}. */
export interface LiveCurvesOptions {
  /** Epoch-level metrics to draw, each one line; default `["trainAccuracy", "testAccuracy"]`. */
  metrics?: string[];
  /** Y-axis label; default "accuracy" ("loss" makes the per-batch line show the loss). */
  label?: string;
  /** Legend names of the metrics; default "train" / "test" for the accuracies, else the key. */
  names?: Record<string, string>;
  title?: string;
  /** Redraw every this many {@link LiveCurves.onStep} calls; default 10. */
  every?: number;
  /** Batches per epoch: the per-batch line is then drawn at fractional epochs. */
  stepsPerEpoch?: number;
}

/** The callbacks returned by {@link liveCurves}, plus the recorded history. */
export interface LiveCurves {
  /**
   * Call after every training step; every `every` steps it adds a point (mean accuracy, or loss,
   * of those steps) and redraws, so the curves move during the first epoch.
   */
  onStep: (step: LiveStep) => Promise<void>;
  /**
   * Call once per epoch with that epoch's metrics; redraws with the PNG. `trainAccuracy` and
   * `loss` default to the means over the steps reported since the previous epoch.
   */
  onEpoch: (metrics: LiveEpoch) => Promise<void>;
  /** Everything received per epoch. */
  history: LiveEpoch[];
  /** The per-batch points: x (fractional epoch, or step), accuracy and loss over the window. */
  steps: { x: number; accuracy: number; loss: number }[];
  /** The figure of the current history. */
  figure: () => Figure;
  live: LiveFigure;
}

/**
 * A training-loop callback pair keeping one live learning-curve output per cell:
 * `const live = liveCurves({ every: 5 })`, then `await live.onStep(trainStep(...))` in the batch
 * loop and `await live.onEpoch({ epoch, testAccuracy })` after each epoch.
 */
export function liveCurves(options: LiveCurvesOptions = {}): LiveCurves {
  const metrics = options.metrics ?? ["trainAccuracy", "testAccuracy"];
  const every = options.every ?? 10;
  if (!Number.isInteger(every) || every < 1) {
    throw new Error(`liveCurves: every must be a positive integer, got ${every}`);
  }
  const history: LiveEpoch[] = [];
  const steps: { x: number; accuracy: number; loss: number }[] = [];
  const live = new LiveFigure();
  const lossPlot = (options.label ?? "accuracy") === "loss";
  let stepCount = 0;
  const win = { loss: 0, correct: 0, size: 0, n: 0 };
  const epochAcc = { loss: 0, correct: 0, size: 0 };
  const xOf = (step: number) => options.stepsPerEpoch ? step / options.stepsPerEpoch : step;
  const figure = (): Figure => {
    const names: Record<string, string> = {
      trainAccuracy: "train",
      testAccuracy: "test",
      ...options.names,
    };
    const data: Trace[] = [];
    if (steps.length) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: `train, every ${every} batches`,
        x: steps.map((p) => round7(p.x)),
        y: steps.map((p) => round7(lossPlot ? p.loss : p.accuracy)),
        line: { width: 1, color: "#9ab" },
      });
    }
    for (const m of metrics) {
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: names[m] ?? m,
        x: history.map((h) => h.epoch),
        y: history.map((h) => {
          const v = Number(h[m] ?? NaN);
          return Number.isFinite(v) ? round7(v) : null;
        }) as number[],
      });
    }
    const xmax = Math.max(1, ...history.map((h) => h.epoch), ...steps.map((p) => p.x));
    return {
      data,
      layout: baseLayout({
        title: options.title ?? "Training (live)",
        xTitle: options.stepsPerEpoch || !steps.length ? "epoch" : "batch",
        yTitle: options.label ?? "accuracy",
        layout: {
          xaxis: {
            title: { text: options.stepsPerEpoch || !steps.length ? "epoch" : "batch" },
            range: [0, xmax],
            zeroline: true,
          },
          ...(lossPlot ? {} : { yaxis: { title: { text: "accuracy" }, range: [0, 1] } }),
        },
      }),
    };
  };
  return {
    history,
    steps,
    figure,
    live,
    onStep: async (s: LiveStep) => {
      stepCount++;
      win.loss += s.loss * s.size;
      win.correct += s.correct;
      win.size += s.size;
      win.n++;
      epochAcc.loss += s.loss * s.size;
      epochAcc.correct += s.correct;
      epochAcc.size += s.size;
      if (win.n < every) return;
      steps.push({
        x: xOf(stepCount),
        accuracy: win.correct / win.size,
        loss: win.loss / win.size,
      });
      win.loss =
        win.correct =
        win.size =
        win.n =
          0;
      await live.update(figure(), { png: false });
    },
    onEpoch: async (m: LiveEpoch) => {
      const entry: LiveEpoch = { ...m };
      if (epochAcc.size > 0) {
        entry.trainAccuracy ??= epochAcc.correct / epochAcc.size;
        entry.loss ??= epochAcc.loss / epochAcc.size;
      }
      epochAcc.loss = epochAcc.correct = epochAcc.size = 0;
      history.push(entry);
      await live.update(figure());
    },
  };
}

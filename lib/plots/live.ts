/**
 * Live figures: one notebook output updated in place (Jupyter `display_id`) while a cell runs, e.g.
 * learning curves redrawn after every epoch. Outside a kernel the updates are only recorded.
 *
 * @module
 */
import type { Figure } from "./figure.ts";
import { figureBundle } from "./show.ts";
import { inKernel } from "./render.ts";
import { type CurveSeries, learningCurvesFigure } from "./training_figures.ts";

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
   * `update_display_data` with the same display id (one output, redrawn in place).
   */
  async update(fig: Figure): Promise<void> {
    this.draws++;
    if (!inKernel()) return;
    const bundle = await figureBundle(fig);
    await Deno.jupyter.broadcast(this.#shown ? "update_display_data" : "display_data", {
      data: bundle,
      metadata: {},
      transient: { display_id: this.displayId },
    });
    this.#shown = true;
  }
}

/** One epoch's metrics as reported by a training loop (any extra fields are ignored). */
export interface LiveEpoch {
  epoch: number;
  [metric: string]: number | string | undefined;
}

/** Options of {@link liveCurves}. */
export interface LiveCurvesOptions {
  /** Metrics to draw, each one line; default `["trainAccuracy", "testAccuracy"]`. */
  metrics?: string[];
  /** Y-axis label; default "accuracy". */
  label?: string;
  /** Legend names of the metrics; default "train" / "test" for the accuracies, else the key. */
  names?: Record<string, string>;
  title?: string;
}

/** The callback returned by {@link liveCurves}, plus the recorded history. */
export interface LiveCurves {
  /** Call once per epoch with that epoch's metrics; redraws the figure in place. */
  onEpoch: (metrics: LiveEpoch) => Promise<void>;
  /** Everything received so far. */
  history: LiveEpoch[];
  /** The figure of the current history. */
  figure: () => Figure;
  live: LiveFigure;
}

/**
 * A training-loop callback that keeps one live learning-curve output per cell:
 * `train(model, data, { onEpoch: liveCurves().onEpoch })`.
 */
export function liveCurves(options: LiveCurvesOptions = {}): LiveCurves {
  const metrics = options.metrics ?? ["trainAccuracy", "testAccuracy"];
  const history: LiveEpoch[] = [];
  const live = new LiveFigure();
  const figure = (): Figure => {
    const names: Record<string, string> = {
      trainAccuracy: "train",
      testAccuracy: "test",
      ...options.names,
    };
    const series: CurveSeries[] = metrics.map((m) => ({
      name: names[m] ?? m,
      epochs: history.map((h) => h.epoch),
      values: history.map((h) => Number(h[m] ?? NaN)),
    }));
    return learningCurvesFigure(series, {
      metric: options.label ?? "accuracy",
      title: options.title ?? "Training (live)",
    });
  };
  return {
    history,
    figure,
    live,
    onEpoch: async (m: LiveEpoch) => {
      history.push({ ...m });
      await live.update(figure());
    },
  };
}

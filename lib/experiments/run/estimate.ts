/**
 * Time estimates for `reproduce --dry-run`: measures the training-step time of each distinct
 * model shape of a plan at its real batch size on the current backend (random data of the right
 * shape, one warm-up step then a few timed steps), and extrapolates to the whole plan on N
 * workers and per Slurm array width. Other backends plug in through {@link StepMeasurer}; the
 * arithmetic ({@link estimateFromSteps}) is pure and tested with injected step times.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { buildNetwork, modelMacs } from "../../models.ts";
import { trainStep } from "../../train.ts";
import { dataShape, testSize, trainSize } from "./data_setup.ts";
import type { RunSpec } from "../config/grid.ts";
import { formatDuration } from "../../util/format.ts";

/** CPU seconds (user + system) this process has used, from /proc (null when unavailable). */
export function processCpuSeconds(): number | null {
  try {
    const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // clock ticks, USER_HZ = 100 on Linux
  } catch {
    return null;
  }
}

/** A measured step: wall seconds (median) and process CPU seconds (mean), per step. */
export interface StepTime {
  wall: number;
  cpu: number | null;
}

/**
 * Measures the step time of a run's model on some backend (the hook other backends plug into:
 * pass one as `measure` to {@link estimatePlan}). Called once per cost class.
 */
export type StepMeasurer = (run: RunSpec) => StepTime;

/**
 * Time per training step of `run`'s model at its real batch size on the current backend: wall
 * (median of `steps` timed steps after one warm-up step) and process CPU time (mean). On a busy
 * machine wall > CPU; on an idle one they agree when the backend runs one thread (the runner's
 * default with as many workers as cores). A model whose warm-up step takes over 2 s is timed
 * once. (Earlier versions measured expensive models at batch 8 and scaled linearly, which
 * overstated a full-width VGG-small step ~4×: small batches use the kernels badly.)
 */
export function measureStep(run: RunSpec, steps = 3): StepTime {
  // ImageNet-sized batches (e.g. 256 × 224²) do not fit the wasm heap: measure batch 8 and scale
  // linearly (conv cost is linear in the batch; this overstates the step somewhat).
  if (run.config.dataset === "imagenet" && run.config.batchSize > 8) {
    return measureAt(run, 8, steps);
  }
  return measureAt(run, run.config.batchSize, steps);
}

function measureAt(run: RunSpec, b: number, steps: number): StepTime {
  const { config } = run;
  const scale = config.batchSize / b;
  const shape = dataShape(config.dataset, config.imageSize);
  const model = buildNetwork(config, shape);
  const optimizer = tf.train.adam(config.lr);
  const x = tf.randomNormal([b, ...shape.inputShape], 0, 1, "float32", 1);
  const y = tf.tensor1d(Array.from({ length: b }, (_, i) => i % shape.numClasses), "int32");
  try {
    const w0 = performance.now();
    trainStep(model, { x, y }, { optimizer });
    const n = performance.now() - w0 > 2000 ? 1 : steps; // slow model: one timed step is enough
    const times: number[] = [];
    const c0 = processCpuSeconds();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      trainStep(model, { x, y }, { optimizer });
      times.push((performance.now() - t0) / 1000);
    }
    const c1 = processCpuSeconds();
    times.sort((a, b) => a - b);
    const cpu = c0 !== null && c1 !== null ? (scale * (c1 - c0)) / n : null;
    return { wall: scale * times[Math.floor(times.length / 2)], cpu };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** Evaluation cost of one test batch, as a fraction of a training step (measured: ≈ 1/5). */
export const EVAL_STEP_FRACTION = 0.2;
/** Seconds per run for process start and data loading. */
export const RUN_OVERHEAD_SECONDS = 4;
/** Slurm array widths (parallel elements) the dry run reports. */
export const SLURM_WIDTHS: readonly number[] = [1, 2, 8, 32, 128];

/** The cost class of a run: runs in one class share a measured step time. */
export function costClass(r: RunSpec): string {
  const c = r.config;
  const fp = c.inputQuantizer === "none" ? "fp" : "bin";
  const px = c.imageSize ? ` ${c.imageSize}px` : "";
  return `${c.model} ×${c.width} ${c.dataset}${px} b${c.batchSize} ${fp}`;
}

/** Steps of one run: training steps (all epochs) and evaluation batches (all epochs). */
export function runSteps(r: RunSpec): { train: number; eval: number } {
  const c = r.config;
  return {
    train: c.epochs * Math.ceil(trainSize(c) / c.batchSize),
    eval: c.epochs * Math.ceil(testSize(c) / c.batchSize),
  };
}

/**
 * Seconds of one run at `step` seconds per training step: training steps, evaluation batches at
 * {@link EVAL_STEP_FRACTION} of a step, plus {@link RUN_OVERHEAD_SECONDS}.
 */
export function runSeconds(r: RunSpec, step: number): number {
  const s = runSteps(r);
  return (s.train + s.eval * EVAL_STEP_FRACTION) * step + RUN_OVERHEAD_SECONDS;
}

/**
 * Wall time of independent jobs on `width` parallel slots (workers or Slurm array elements),
 * greedy longest-first onto the least-loaded slot.
 */
export function packWall(times: readonly number[], width: number): number {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`packWall: width is ${width}; expected a positive integer`);
  }
  if (times.length === 0) return 0;
  const loads = new Array<number>(Math.min(width, times.length)).fill(0);
  for (const t of [...times].sort((a, b) => b - a)) loads[loads.indexOf(Math.min(...loads))] += t;
  return Math.max(...loads);
}

/** A plan's estimate. */
export interface PlanEstimate {
  /** Backend the steps were measured on (e.g. "wasm×1"), when known. */
  backend?: string;
  /** Estimated seconds of each run from the measured wall time (same order as the plan). */
  perRun: number[];
  /** Estimated wall seconds on `workers` workers, at the machine's current load. */
  wallSeconds: number;
  /** The same from the measured CPU time: what an otherwise idle machine would take. */
  idleWallSeconds: number | null;
  /** Idle (else current-load) wall seconds per number of parallel slots (Slurm array width). */
  byWidth: { width: number; seconds: number }[];
  /** Sum of the runs' idle (else current-load) seconds: the compute the plan needs. */
  totalSeconds: number;
  /** Measured time per step, by cost class. */
  stepSeconds: Record<string, StepTime>;
}

/**
 * The estimate of a plan from step times per cost class (pure arithmetic; `estimatePlan`
 * measures them). Throws naming a cost class without a step time.
 */
export function estimateFromSteps(
  runs: readonly RunSpec[],
  stepSeconds: Record<string, StepTime>,
  workers: number,
  options: { widths?: readonly number[]; backend?: string } = {},
): PlanEstimate {
  const step = (r: RunSpec) => {
    const t = stepSeconds[costClass(r)];
    if (!t) throw new Error(`estimate: no measured step time for cost class '${costClass(r)}'`);
    return t;
  };
  const perRun = runs.map((r) => runSeconds(r, step(r).wall));
  const haveCpu = runs.every((r) => step(r).cpu !== null);
  const idle = haveCpu ? runs.map((r) => runSeconds(r, step(r).cpu!)) : null;
  const best = idle ?? perRun;
  const widths = [...new Set([...(options.widths ?? SLURM_WIDTHS), runs.length])]
    .filter((w) => w >= 1 && w <= Math.max(1, runs.length)).sort((a, b) => a - b);
  return {
    ...(options.backend ? { backend: options.backend } : {}),
    perRun,
    wallSeconds: packWall(perRun, workers),
    idleWallSeconds: idle ? packWall(idle, workers) : null,
    byWidth: widths.map((width) => ({ width, seconds: packWall(best, width) })),
    totalSeconds: best.reduce((a, b) => a + b, 0),
    stepSeconds,
  };
}

/**
 * Estimates a plan: one measured step time per cost class (model, width, dataset, batch,
 * binary or not) with `measure` (default {@link measureStep} on the current backend), then
 * {@link estimateFromSteps}.
 */
export function estimatePlan(
  runs: RunSpec[],
  workers: number,
  options: {
    onMeasured?: (costClass: string, t: StepTime) => void;
    measure?: StepMeasurer;
    backend?: string;
    widths?: readonly number[];
  } = {},
): PlanEstimate {
  const measure = options.measure ?? measureStep;
  const stepSeconds: Record<string, StepTime> = {};
  for (const r of runs) {
    const k = costClass(r);
    if (stepSeconds[k] === undefined) {
      stepSeconds[k] = measure(r);
      options.onMeasured?.(k, stepSeconds[k]);
    }
  }
  return estimateFromSteps(runs, stepSeconds, workers, {
    widths: options.widths,
    backend: options.backend,
  });
}

/** A printable dry-run listing: one line per run, then the estimate. */
export function formatPlan(runs: RunSpec[], est: PlanEstimate | null, workers: number): string {
  const lines = runs.map((r, i) =>
    `${r.runId}  seed ${r.config.seed}  ${r.labels.join(" = ")}` +
    (est ? `  ~${formatDuration(est.perRun[i])}` : "")
  );
  if (est) {
    const on = est.backend ? ` on backend ${est.backend}` : "";
    lines.push(
      "",
      `measured seconds per training step${on} at the real batch (wall; process CPU):`,
    );
    for (const [k, v] of Object.entries(est.stepSeconds)) {
      lines.push(`  ${k}: ${v.wall.toFixed(3)} s; ${v.cpu?.toFixed(3) ?? "?"} s CPU`);
    }
    lines.push(
      `estimated wall time on ${workers} worker(s) at the current load: ` +
        `${formatDuration(est.wallSeconds)} (total ${
          formatDuration(est.perRun.reduce((a, b) => a + b, 0))
        } of run time)`,
    );
    if (est.idleWallSeconds !== null) {
      lines.push(
        `estimated wall time on ${workers} worker(s) on an otherwise idle machine (from CPU time): ` +
          `${formatDuration(est.idleWallSeconds)} (${formatDays(est.idleWallSeconds)})`,
      );
    }
    lines.push(
      `compute: ${formatDuration(est.totalSeconds)} of single-thread run time in all; by number ` +
        `of parallel slots (workers or Slurm array elements, each as fast as one measured ` +
        `process${est.idleWallSeconds !== null ? ", idle" : ", current load"}):`,
    );
    for (const w of est.byWidth) {
      lines.push(
        `  ${String(w.width).padStart(4)} × : ${formatDuration(w.seconds)} (${
          formatDays(w.seconds)
        })`,
      );
    }
  }
  if (runs.some((r) => r.config.dataset === "imagenet")) {
    lines.push("", ...formatProjection(projectPlan(runs, est)));
  }
  lines.push(`${runs.length} runs`);
  return lines.join("\n");
}

/** Seconds as days (or hours below one day), e.g. "≈ 3.2 days". */
export function formatDays(seconds: number): string {
  const h = seconds / 3600;
  if (h < 24) return `≈ ${h.toFixed(1)} h`;
  const d = h / 24;
  return d < 60 ? `≈ ${d.toFixed(1)} days` : `≈ ${(d / 30.44).toFixed(1)} months`;
}

/**
 * ASSUMED sustained training throughput (multiply-adds per second, fp32, the lab's binary
 * layers included) of backends nobody can measure on the project machine, for the order of
 * magnitude of `--dry-run` of the large presets. Not measurements: measure on the real machine
 * with `reproduce --preset P --dry-run --backend B` there.
 */
export const ASSUMED_BACKEND_MACS: readonly { backend: string; macsPerSecond: number }[] = [
  { backend: "tensorflow (tfjs-node CPU, 32 cores, assumed)", macsPerSecond: 3e11 },
  { backend: "webgpu (one data-centre GPU, assumed)", macsPerSecond: 2e12 },
  { backend: "tensorflow (tfjs-node-gpu, one A100/H100, assumed)", macsPerSecond: 6e12 },
];

/** Forward multiply-adds by model shape (binary and float twins cost the same); building a
 * full-width ImageNet model takes seconds, so each shape is built once per process. */
const macsByShape = new Map<string, number>();

/** Per-run cost of a plan from its models' multiply-adds, projected to several backends. */
export interface PlanProjection {
  /** Per run: training multiply-adds (3× forward per training image, 1× per test image). */
  macs: number[];
  /** Images decoded per run (training + test, all epochs). */
  images: number[];
  /** Multiply-adds per second of the current backend, from the measured step (when measured). */
  measured: { backend: string; macsPerSecond: number } | null;
  /** Seconds per run on each backend (measured first, then the assumed ones). */
  perBackend: { backend: string; perRun: number[] }[];
}

/**
 * Projects a plan: multiply-adds per run from the built model ({@link modelMacs}), turned into
 * time per backend (the measured one, when `est` has step times, and {@link ASSUMED_BACKEND_MACS}).
 */
export function projectPlan(runs: RunSpec[], est: PlanEstimate | null): PlanProjection {
  const fwd = new Map<string, number>();
  let measured: PlanProjection["measured"] = null;
  for (const r of runs) {
    const k = costClass(r), c = r.config;
    if (fwd.has(k)) continue;
    const shapeKey = `${c.model} ${c.width} ${c.dataset} ${c.imageSize}`;
    if (!macsByShape.has(shapeKey)) {
      const model = buildNetwork(c, dataShape(c.dataset, c.imageSize));
      try {
        macsByShape.set(shapeKey, modelMacs(model));
      } finally {
        model.dispose();
      }
    }
    fwd.set(k, macsByShape.get(shapeKey)!);
    const step = est?.stepSeconds[k];
    if (step && !measured) {
      measured = {
        backend: `measured here (${tf.getBackend()}, ${k})`,
        macsPerSecond: (3 * fwd.get(k)! * r.config.batchSize) / step.wall,
      };
    }
  }
  const macs = runs.map((r) => {
    const f = fwd.get(costClass(r))!, c = r.config;
    return c.epochs * (3 * f * trainSize(c) + f * testSize(c));
  });
  const images = runs.map((r) => r.config.epochs * (trainSize(r.config) + testSize(r.config)));
  const backends = [...(measured ? [measured] : []), ...ASSUMED_BACKEND_MACS];
  return {
    macs,
    images,
    measured,
    perBackend: backends.map((b) => ({
      backend: b.backend,
      perRun: macs.map((m) => m / b.macsPerSecond),
    })),
  };
}

/**
 * Lines of a projection: per backend, the time of one run and the wall time of the plan at
 * several Slurm array widths (jobs running at once, one backend each), and the decode rate a
 * run must sustain.
 */
export function formatProjection(p: PlanProjection): string[] {
  const n = p.macs.length;
  const widths = [...new Set([1, 4, 8, 16, n].filter((w) => w <= n))];
  const lines = [
    "projection from multiply-adds (3× forward per training image): time per run and plan wall " +
    "time at Slurm array widths " + widths.join(", ") +
    " (ASSUMED throughputs except the measured backend):",
  ];
  for (const b of p.perBackend) {
    const mean = b.perRun.reduce((a, c) => a + c, 0) / n;
    const walls = widths.map((w) => `${w}: ${formatDuration(packWall(b.perRun, w))}`);
    const rate = p.images.reduce((a, c) => a + c, 0) / b.perRun.reduce((a, c) => a + c, 0);
    lines.push(
      `  ${b.backend}: ~${formatDuration(mean)} per run; wall ${walls.join(", ")}; ` +
        `needs ~${rate >= 10 ? Math.round(rate) : rate.toPrecision(2)} decoded images/s per run`,
    );
  }
  return lines;
}

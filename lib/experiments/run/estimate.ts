/**
 * Time estimates for `reproduce --dry-run`: measures the training-step time of each distinct
 * model shape of a plan on the current backend (random data of the right shape, one warm-up step
 * then a few timed steps), and extrapolates to the whole plan on N workers.
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
 * Time per training step of `run`'s model at its batch size: wall (median of `steps`) and CPU
 * time (mean). On a busy machine wall > CPU; on an idle one they agree when the backend runs one
 * thread (the runner's default with as many workers as cores).
 * Expensive models (a step of over 3 s) and ImageNet models are measured at batch 8 and scaled
 * linearly.
 */
export function measureStep(run: RunSpec, steps = 3): StepTime {
  const small = measureAt(run, Math.min(run.config.batchSize, 8), steps);
  // ImageNet-sized batches (e.g. 256 × 224²) do not fit the wasm heap: always scale batch 8.
  if (run.config.batchSize <= 8 || small.wall > 3 || run.config.dataset === "imagenet") {
    return small;
  }
  return measureAt(run, run.config.batchSize, steps); // cheap enough: measure the real batch
}

function measureAt(run: RunSpec, b: number, steps: number): StepTime {
  const { config } = run;
  const shape = dataShape(config.dataset, config.imageSize);
  const scale = config.batchSize / b; // conv cost is linear in the batch
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

/** A plan's estimate. */
export interface PlanEstimate {
  /** Estimated seconds of each run from the measured wall time (same order as the plan). */
  perRun: number[];
  /** Estimated wall seconds on `workers` workers, at the machine's current load. */
  wallSeconds: number;
  /** The same from the measured CPU time: what an otherwise idle machine would take. */
  idleWallSeconds: number | null;
  /** Measured time per step, by cost class. */
  stepSeconds: Record<string, StepTime>;
}

function costClass(r: RunSpec): string {
  const c = r.config;
  const fp = c.inputQuantizer === "none" ? "fp" : "bin";
  const px = c.imageSize ? ` ${c.imageSize}px` : "";
  return `${c.model} ×${c.width} ${c.dataset}${px} b${c.batchSize} ${fp}`;
}

/**
 * Estimates a plan: one measured step time per cost class (model, width, dataset, batch,
 * binary or not); evaluation counted at a third of a training step per test batch; wall time by
 * greedy assignment of runs to `workers` (longest first).
 */
export function estimatePlan(
  runs: RunSpec[],
  workers: number,
  options: { onMeasured?: (costClass: string, t: StepTime) => void } = {},
): PlanEstimate {
  const stepSeconds: Record<string, StepTime> = {};
  for (const r of runs) {
    const k = costClass(r);
    if (stepSeconds[k] === undefined) {
      stepSeconds[k] = measureStep(r);
      options.onMeasured?.(k, stepSeconds[k]);
    }
  }
  const runTime = (r: RunSpec, step: number) => {
    const c = r.config;
    const train = Math.ceil(trainSize(c) / c.batchSize) * step;
    const evalS = Math.ceil(testSize(c) / c.batchSize) * step / 5; // measured: eval ≈ 1/5 step
    return c.epochs * (train + evalS) + 4; // + process start and data loading
  };
  const pack = (times: number[]) => {
    const loads = new Array<number>(Math.max(1, workers)).fill(0);
    for (const t of [...times].sort((a, b) => b - a)) loads[loads.indexOf(Math.min(...loads))] += t;
    return Math.max(...loads);
  };
  const perRun = runs.map((r) => runTime(r, stepSeconds[costClass(r)].wall));
  const haveCpu = Object.values(stepSeconds).every((s) => s.cpu !== null);
  const idle = haveCpu ? runs.map((r) => runTime(r, stepSeconds[costClass(r)].cpu!)) : null;
  return {
    perRun,
    wallSeconds: pack(perRun),
    idleWallSeconds: idle ? pack(idle) : null,
    stepSeconds,
  };
}

/** A printable dry-run listing: one line per run, then the estimate. */
export function formatPlan(runs: RunSpec[], est: PlanEstimate | null, workers: number): string {
  const lines = runs.map((r, i) =>
    `${r.runId}  seed ${r.config.seed}  ${r.labels.join(" = ")}` +
    (est ? `  ~${formatDuration(est.perRun[i])}` : "")
  );
  if (est) {
    lines.push("", "measured seconds per training step (wall; process CPU):");
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
          formatDuration(est.idleWallSeconds),
      );
    }
  }
  if (runs.some((r) => r.config.dataset === "imagenet")) {
    lines.push("", ...formatProjection(projectPlan(runs, est)));
  }
  lines.push(`${runs.length} runs`);
  return lines.join("\n");
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

/** Longest-first packing of run times onto `width` parallel slots: the wall time. */
export function packedWall(times: number[], width: number): number {
  const loads = new Array<number>(Math.max(1, width)).fill(0);
  for (const t of [...times].sort((a, b) => b - a)) loads[loads.indexOf(Math.min(...loads))] += t;
  return Math.max(...loads);
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
    const walls = widths.map((w) => `${w}: ${formatDuration(packedWall(b.perRun, w))}`);
    const rate = p.images.reduce((a, c) => a + c, 0) / b.perRun.reduce((a, c) => a + c, 0);
    lines.push(
      `  ${b.backend}: ~${formatDuration(mean)} per run; wall ${walls.join(", ")}; ` +
        `needs ~${rate >= 10 ? Math.round(rate) : rate.toPrecision(2)} decoded images/s per run`,
    );
  }
  return lines;
}

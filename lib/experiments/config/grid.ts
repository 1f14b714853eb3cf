/**
 * Ablation grids: one factor at a time around the BNN+ default, plus the baselines (full
 * precision, BNN, XNOR-style), expanded over seeds into runs with content-hash ids.
 * Identical configs reached from two axes (e.g. "λ = 1e-6" and the default) become one row that
 * carries both labels.
 *
 * @module
 */
import { configKey, DEFAULT_CONFIG, type ExperimentConfig, makeConfig, runId } from "./config.ts";
import { QUANTIZER_NAMES, usesBeta } from "../../quantizers.ts";

/** One grid point before seeds: a label, the axis it varies, and overrides of the preset base. */
export interface GridEntry {
  /** Human label of the row, e.g. "reg=manhattan". */
  label: string;
  /** The factor varied ("baseline", "regularizer", "scale", "backward", "lambda", "model"). */
  axis: string;
  /** Overrides applied on top of the preset's base config. */
  overrides: Partial<ExperimentConfig>;
  /**
   * At most this many of the preset's seeds for this entry (default: all). A row reached from
   * several entries runs the largest of their counts.
   */
  seeds?: number;
}

/** One planned run: a config with its seed, id, row key and labels. */
export interface RunSpec {
  /** Content hash of the config (with seed): the run directory name. */
  runId: string;
  /** Content hash without the seed: runs sharing it form one table row. */
  configKey: string;
  /** Labels of every grid entry that produced this config (first = row label). */
  labels: string[];
  /** Axes of those entries. */
  axes: string[];
  /** The full normalized config. */
  config: ExperimentConfig;
}

/** Options of {@link ablationGrid}. */
export interface AblationOptions {
  /** λ values of the λ sweep (the paper's λ is unknown). Default 1e-6, 1e-5, 1e-4, 1e-3 (default 1e-5). */
  lambdas?: number[];
  /** Fixed β values of the backward axis. Default 1, 2, 5, 10. */
  betas?: number[];
  /** Also vary the kernels' backward (swish_sign on weights). Default true. */
  kernelSwish?: boolean;
}

/**
 * The ablation grid around the BNN+ default (swish_sign β=5 on activations, ste_sign on kernels,
 * euclidean regularizer, trainable per-channel α): baselines FP / BNN / XNOR-style, then the
 * regularizer, scale (mode × shape), backward (ste / approx / swish β / trainable β) and λ axes.
 */
export function ablationGrid(options: AblationOptions = {}): GridEntry[] {
  const lambdas = options.lambdas ?? [1e-6, 1e-5, 1e-4, 1e-3];
  const betas = options.betas ?? [1, 2, 5, 10];
  const e = (axis: string, label: string, overrides: Partial<ExperimentConfig>): GridEntry => ({
    axis,
    label,
    overrides,
  });
  const entries: GridEntry[] = [
    e("baseline", "BNN+ (default)", {}),
    e("baseline", "full precision", {
      inputQuantizer: "none",
      kernelQuantizer: "none",
    }),
    e("baseline", "BNN (ste, no α, no R)", {
      inputQuantizer: "ste_sign",
      scale: "none",
      regularizer: "none",
    }),
    e("baseline", "XNOR-style (ste, fixed mean|W| α)", {
      inputQuantizer: "ste_sign",
      scale: "fixed",
      scaleShape: "channel",
      regularizer: "none",
    }),
  ];
  for (const r of ["none", "manhattan", "euclidean"] as const) {
    entries.push(e("regularizer", `reg=${r}`, { regularizer: r }));
  }
  for (const s of ["none", "fixed", "trainable"] as const) {
    for (const shape of ["channel", "layer"] as const) {
      if (s === "none" && shape === "layer") continue;
      entries.push(e("scale", s === "none" ? "α=none" : `α=${s}/${shape}`, {
        scale: s,
        scaleShape: shape,
      }));
    }
  }
  // Every registered quantizer on the activations; those with a β at each β and with trainable β.
  for (const q of QUANTIZER_NAMES) {
    if (!usesBeta(q)) {
      entries.push(e("backward", `act=${q}`, { inputQuantizer: q }));
      continue;
    }
    for (const b of betas) {
      entries.push(e("backward", `act=${q} β=${b}`, { inputQuantizer: q, beta: b }));
    }
    entries.push(e("backward", `act=${q} β trainable`, { inputQuantizer: q, trainableBeta: true }));
  }
  if (options.kernelSwish ?? true) {
    // The default's activation quantizer (SignSwish) on the weights too.
    const q = DEFAULT_CONFIG.inputQuantizer;
    entries.push(e("backward", `act+kernel=${q}`, { kernelQuantizer: q }));
  }
  for (const l of lambdas) entries.push(e("lambda", `λ=${l.toExponential(0)}`, { lambda: l }));
  return entries;
}

/**
 * Expands grid entries over `seeds` on top of `base`, deduplicating identical configs (their
 * labels are merged; the first label names the row). Order: entries first, then seeds.
 */
export async function expandGrid(
  entries: GridEntry[],
  options: { base?: Partial<ExperimentConfig>; seeds: number[] },
): Promise<RunSpec[]> {
  if (options.seeds.length === 0) throw new Error("expandGrid: expected at least one seed");
  const byKey = new Map<
    string,
    { labels: string[]; axes: string[]; config: ExperimentConfig; seeds: number }
  >();
  for (const entry of entries) {
    let config: ExperimentConfig;
    try {
      config = makeConfig(options.base ?? {}, entry.overrides);
    } catch (err) {
      throw new Error(`grid entry '${entry.label}': ${(err as Error).message}`);
    }
    const key = await configKey(config);
    const hit = byKey.get(key);
    const seeds = entry.seeds ?? Infinity;
    if (!(seeds >= 1)) {
      throw new Error(`grid entry '${entry.label}': seeds is ${entry.seeds}; expected at least 1`);
    }
    if (hit) {
      hit.seeds = Math.max(hit.seeds, seeds);
      if (!hit.labels.includes(entry.label)) hit.labels.push(entry.label);
      if (!hit.axes.includes(entry.axis)) hit.axes.push(entry.axis);
    } else {
      byKey.set(key, { labels: [entry.label], axes: [entry.axis], config, seeds });
    }
  }
  const runs: RunSpec[] = [];
  for (const [key, row] of byKey) {
    for (const seed of options.seeds.slice(0, row.seeds)) {
      const config = { ...row.config, seed };
      runs.push({
        runId: await runId(config),
        configKey: key,
        labels: [...row.labels],
        axes: [...row.axes],
        config,
      });
    }
  }
  return runs;
}

/**
 * Keeps the runs whose id, row label, axis or model matches `pattern` (a case-insensitive
 * substring, or a regular expression written as `/.../`).
 */
export function filterRuns(runs: RunSpec[], pattern: string | undefined): RunSpec[] {
  if (!pattern) return runs;
  let test: (s: string) => boolean;
  if (pattern.length > 2 && pattern.startsWith("/") && pattern.endsWith("/")) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(1, -1), "i");
    } catch (err) {
      throw new Error(
        `--only: '${pattern}' is not a valid regular expression: ${(err as Error).message}`,
      );
    }
    test = (s) => re.test(s);
  } else {
    const p = pattern.toLowerCase();
    test = (s) => s.toLowerCase().includes(p);
  }
  return runs.filter((r) =>
    [r.runId, r.configKey, r.config.model, ...r.labels, ...r.axes].some(test)
  );
}

/**
 * The typed experiment config: defaults, validation (one clear error naming the field) and the
 * stable content hash used as run id.
 *
 * What is hashed: every field of {@link ExperimentConfig} after {@link normalizeConfig} (fields
 * that cannot change the experiment, e.g. β when no quantizer uses it, are reset so identical
 * experiments get one id). What is NOT hashed: the backend, the number of workers and the data
 * folder. They do not change the experiment's definition (same model, data, seed and schedule),
 * so a run started on wasm and resumed on cpu is the same run; every run records the backend(s)
 * it actually used in its metrics and summary.
 *
 * @module
 */
import { QUANTIZER_NAMES, type QuantizerChoice, usesBeta } from "../../quantizers.ts";
import type { RegularizerName } from "../../regularizers.ts";
import {
  QUANT_CHECKS,
  type QuantConfig,
  type ScaleMode,
  type ScaleShape,
} from "../../layers/options.ts";
import { MODEL_NAMES, type ModelName } from "../../models.ts";
import { IMAGENET } from "../../data/specs.ts";
import { bool, type Check, nullable, num, oneOf } from "../../util/checks.ts";

export { MODEL_NAMES, type ModelName };
export type { QuantConfig, RegularizerName, ScaleMode, ScaleShape };
/** Datasets a run can train on ("synthetic" is a tiny learnable stand-in for tests). */
export type DatasetName = "cifar10" | "fashion-mnist" | "mnist" | "synthetic" | "imagenet";
/** All dataset names. */
export const DATASET_NAMES: readonly DatasetName[] = [
  "cifar10",
  "fashion-mnist",
  "mnist",
  "synthetic",
  "imagenet",
];
export type { QuantizerChoice };
/** Learning-rate schedules. */
export type LrSchedule = "constant" | "cosine";

/**
 * One experiment = one training run (with its seed). Its quantization part is the binary layers'
 * own {@link QuantConfig} (same fields, same validator {@link QUANT_CHECKS}; every binary layer of
 * the model gets it), kept flat in the JSON so that run ids and stored runs stay as they are.
 */
export interface ExperimentConfig extends QuantConfig {
  /** Architecture. */
  model: ModelName;
  /** Width multiplier of every hidden layer (channels/units rounded, at least 1). */
  width: number;
  /** Dataset. */
  dataset: DatasetName;
  /** Optimizer (only Adam, the Hubara-framework default). */
  optimizer: "adam";
  /** Initial learning rate. */
  lr: number;
  /** Learning-rate schedule, per step. */
  lrSchedule: LrSchedule;
  /** Final learning rate as a fraction of `lr` (cosine schedule). */
  lrFinalFactor: number;
  /** Number of epochs. */
  epochs: number;
  /** Batch size. */
  batchSize: number;
  /** Random crop (pad 4) + horizontal flip on image datasets. */
  augment: boolean;
  /** Train on this many training examples (null: all). */
  trainSubset: number | null;
  /** Evaluate on this many test examples (null: all). */
  testSubset: number | null;
  /** Seed of the initialisation, batch order and augmentation. */
  seed: number;
  /**
   * ImageNet only: side S of the network input (random-resized crops and 0.875 centre crops are
   * resized to S×S). Default 224; absent for every other dataset (so their run ids are unchanged).
   */
  imageSize?: number;
}

/** The defaults: the BNN+ configuration (swish_sign β=5 on activations, euclidean, α per channel). */
export const DEFAULT_CONFIG: Readonly<ExperimentConfig> = Object.freeze({
  model: "vgg_small",
  width: 1,
  dataset: "cifar10",
  inputQuantizer: "swish_sign",
  kernelQuantizer: "ste_sign",
  beta: 5,
  trainableBeta: false,
  scale: "trainable",
  scaleShape: "channel",
  regularizer: "euclidean",
  lambda: 1e-5,
  kernelClip: 1,
  optimizer: "adam",
  lr: 1e-3,
  lrSchedule: "cosine",
  lrFinalFactor: 1e-2,
  epochs: 200,
  batchSize: 128,
  augment: true,
  trainSubset: null,
  testSubset: null,
  seed: 0,
});

const CHECKS: Record<keyof ExperimentConfig, Check> = {
  model: oneOf(MODEL_NAMES),
  width: num(0, 16, { exclusiveMin: true }),
  dataset: oneOf(DATASET_NAMES),
  ...QUANT_CHECKS,
  optimizer: oneOf(["adam"]),
  lr: num(0, 10, { exclusiveMin: true }),
  lrSchedule: oneOf(["constant", "cosine"]),
  lrFinalFactor: num(0, 1),
  epochs: num(1, 100000, { int: true }),
  batchSize: num(1, 65536, { int: true }),
  augment: bool,
  trainSubset: nullable(num(1, 1e9, { int: true })),
  testSubset: nullable(num(1, 1e9, { int: true })),
  seed: num(0, 2 ** 31 - 1, { int: true }),
  imageSize: num(8, 4096, { int: true }),
};

/**
 * Checks a (possibly partial) config. The first bad field throws one Error naming the field, the
 * value and what was expected; unknown fields are errors too (they are usually typos).
 */
export function validateConfig(config: Partial<ExperimentConfig>): void {
  for (const key of Object.keys(config)) {
    if (!(key in CHECKS)) {
      throw new Error(
        `config: unknown field '${key}'; expected one of ${Object.keys(CHECKS).join(", ")}`,
      );
    }
  }
  for (const [key, check] of Object.entries(CHECKS)) {
    const v = (config as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const expected = check(v);
    if (expected !== null) {
      throw new Error(`config: field '${key}' is ${JSON.stringify(v)}; expected ${expected}`);
    }
  }
  const { inputQuantizer: iq, kernelQuantizer: kq } = config;
  if (
    config.trainableBeta === true && iq !== undefined && kq !== undefined &&
    !usesBeta(iq) && !usesBeta(kq)
  ) {
    const betaQuantizers = QUANTIZER_NAMES.filter(usesBeta);
    throw new Error(
      `config: field 'trainableBeta' is true but neither inputQuantizer (${JSON.stringify(iq)}) ` +
        `nor kernelQuantizer (${JSON.stringify(kq)}) is ${
          betaQuantizers.map((q) => JSON.stringify(q)).join(" or ")
        }; expected trainableBeta false or a ${betaQuantizers.join("/")} quantizer`,
    );
  }
}

/**
 * Resets fields that cannot influence the run, so that identical experiments hash identically:
 * β (and trainable β) without a swish_sign quantizer, the scale shape without a scale, λ without a
 * regularizer, the final-lr factor without a cosine schedule, and every binary-only field of a
 * full-precision model (both quantizers "none").
 */
export function normalizeConfig(config: ExperimentConfig): ExperimentConfig {
  const c = { ...config };
  if (!usesBeta(c.inputQuantizer) && !usesBeta(c.kernelQuantizer)) {
    c.beta = DEFAULT_CONFIG.beta;
    c.trainableBeta = false;
  }
  if (c.kernelQuantizer === "none") {
    c.scale = "none";
    c.regularizer = "none";
    c.kernelClip = null;
  }
  if (c.scale === "none") c.scaleShape = DEFAULT_CONFIG.scaleShape;
  if (c.regularizer === "none") c.lambda = 0;
  if (c.lrSchedule === "constant") c.lrFinalFactor = 1;
  if (c.dataset === "imagenet") c.imageSize ??= IMAGENET.defaultImageSize;
  else delete c.imageSize;
  return c;
}

/**
 * Builds a complete, validated and normalized config from defaults plus `overrides` (later
 * override objects win).
 */
export function makeConfig(...overrides: Partial<ExperimentConfig>[]): ExperimentConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const o of overrides) {
    validateConfig(o);
    for (const [k, v] of Object.entries(o)) if (v !== undefined) merged[k] = v;
  }
  validateConfig(merged as Partial<ExperimentConfig>);
  return normalizeConfig(merged as unknown as ExperimentConfig);
}

/** JSON with object keys sorted recursively (a canonical form for hashing). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new Error(`canonicalJson: non-finite number ${value} cannot be hashed`);
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** SHA-256 of `text` (UTF-8) as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What every run id looks like: `<model>-<12 hex digits>` (see {@link runId}). */
export const RUN_ID_PATTERN: RegExp = /^[A-Za-z0-9_]+-[0-9a-f]{12}$/;

/**
 * The run id: the first 12 hex digits of SHA-256(canonical JSON of the normalized config),
 * prefixed by the model name for readability (e.g. `vgg_small-3f2a9c01b4de`).
 */
export async function runId(config: ExperimentConfig): Promise<string> {
  const c = normalizeConfig(config);
  return `${c.model}-${(await sha256Hex(canonicalJson(c))).slice(0, 12)}`;
}

/** The id of the config without its seed: runs that differ only in seed share it (table rows). */
export async function configKey(config: ExperimentConfig): Promise<string> {
  const { seed: _seed, ...rest } = normalizeConfig(config);
  return (await sha256Hex(canonicalJson(rest))).slice(0, 12);
}

/**
 * BNN+ Lab: binary neural networks on TensorFlow.js in Deno. The researcher's core API:
 * quantizers, regularizers, binary layers, models, data, training, backend, instruments (summary,
 * telemetry), deployment and experiments. Figures, tables, result views and the other notebook
 * helpers are in `lib/notebooks/mod.ts` (which also re-exports everything here).
 *
 * @example Build and train a small binary network
 * ```ts
 * import assert from "node:assert/strict";
 * import { batches, evaluate, initBackend, quantDense, syntheticDataset, tf, trainEpoch }
 *   from "./mod.ts";
 * await initBackend({ backend: "cpu", quiet: true });
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.flatten({ inputShape: [4, 4, 1] }),
 *     quantDense({ units: 8, kernelQuantizer: "ste_sign" }),
 *     quantDense({ units: 2, kernelQuantizer: "ste_sign", inputQuantizer: "swish_sign" }),
 *   ],
 * });
 * const ds = syntheticDataset(64, { shape: [4, 4, 1], numClasses: 2, seed: 1 });
 * const optimizer = tf.train.adam(1e-2);
 * trainEpoch(model, batches(ds, { batchSize: 32, normalize: false }), { optimizer });
 * const { accuracy, size } = evaluate(model, batches(ds, { batchSize: 32, normalize: false }));
 * assert.equal(size, 64);
 * assert.ok(accuracy >= 0 && accuracy <= 1);
 * ```
 *
 * @example Plan the paper's ablation grid and read back its runs
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPreset, readRuns, runState } from "./mod.ts";
 * const runs = await planPreset("smoke"); // the whole grid, 1 seed
 * assert.equal(runs.length, 20);
 * assert.equal(runs[0].labels[0], "BNN+ (default)");
 * const dir = Deno.makeTempDirSync();
 * assert.deepEqual(readRuns(dir, "smoke"), []); // nothing run there yet
 * assert.equal(runState(dir, "smoke", runs[0].runId).state, "new");
 * ```
 *
 * @module
 */
export { tf } from "./tf.ts";
export * from "./quantizers.ts";
export * from "./regularizers.ts";
export * from "./layers/mod.ts";
export {
  buildModel,
  buildNetwork,
  buildResnet,
  countParams,
  layerList,
  MODEL_NAMES,
  type ModelDataShape,
  modelMacs,
  type ModelName,
  type ModelSpec,
} from "./models.ts";
export {
  batches,
  type BatchOptions,
  benchIterator,
  type Dataset,
  DATASET_NAMES,
  type DatasetName,
  datasetSpec,
  loadDataset,
  type LoadOptions,
  syntheticDataset,
  toTensors,
} from "./data/mod.ts";
export * from "./io.ts";
export * from "./train.ts";
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  initBackend,
  type InitBackendOptions,
  registerWasmTrainingKernels,
  wasmPoolThreads,
  wasmThreadCount,
  wasmThreads,
} from "./backend/mod.ts";
export * from "./summary.ts";
export * from "./telemetry.ts";
export {
  type BinaryEngine,
  BnnFormatError,
  createEngine,
  createEnginePool,
  decodeModel,
  type DeployModel,
  encodeModel,
  type EnginePool,
  exportBinary,
  loadBinary,
  toDeployModel,
} from "./deploy/mod.ts";
export {
  addEpochHook,
  DEFAULT_CONFIG,
  type EpochMetrics,
  executeRun,
  type ExperimentConfig,
  isSettled,
  makeConfig,
  planPreset,
  planRuns,
  PRESETS,
  readRuns,
  reproduce,
  runId,
  type RunRecord,
  type RunSpec,
  type RunState,
  runState,
  type RunSummary,
  type StoredRun,
  validateConfig,
} from "./experiments/mod.ts";

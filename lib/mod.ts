/**
 * BNN+ Lab: binary neural networks on TensorFlow.js in Deno.
 *
 * @module
 */
export { tf } from "./tf.ts";
export * from "./quantizers.ts";
export * from "./regularizers.ts";
export * from "./plots/mod.ts";
export * from "./analysis/mod.ts";
export * from "./notebooks/mod.ts";
export {
  batches,
  type BatchOptions,
  benchIterator,
  type Dataset,
  loadDataset,
  type LoadOptions,
  syntheticDataset,
  toTensors,
} from "./data/mod.ts";
export * from "./results/mod.ts";
export * from "./layers/mod.ts";
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
} from "./backend/mod.ts";
export * from "./summary.ts";
export * from "./telemetry.ts";
export {
  type BinaryEngine,
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
export { buildModel, countParams, layerList, type ModelSpec } from "./models.ts";
export {
  addEpochHook,
  DEFAULT_CONFIG,
  type ExperimentConfig,
  makeConfig,
  planPreset,
  PRESETS,
  readRuns,
  reproduce,
  runId,
  runState,
  type RunSummary,
  type StoredRun,
  writeTables,
} from "./experiments/mod.ts";

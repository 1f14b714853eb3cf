/**
 * Backend choice (tfjs-node, WebGPU, wasm, cpu) and the project's wasm training kernels.
 *
 * ```ts
 * import { initBackend } from "./lib/backend/mod.ts";
 * const { name, reason } = await initBackend(); // or {backend: "wasm", quiet: true}
 * ```
 *
 * @module
 */
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  initBackend,
  type InitBackendOptions,
  TFJS_NODE,
  TFJS_NODE_GPU,
  wasmPoolThreads,
  wasmThreads,
} from "./init.ts";
export { adapterLabel, isSoftwareAdapter, probeWebGpu, type WebGpuAdapter } from "./webgpu.ts";
export { PROJECT_WASM_KERNELS, registerWasmTrainingKernels } from "./kernels.ts";
export { MAX_WASM_THREADS, threadsPerWorker, wasmThreadCount } from "./threads.ts";
export {
  binaryConv2d,
  binaryDense,
  binaryForwardAvailable,
  binaryForwardEnabled,
  setBinaryForward,
} from "./binary_conv.ts";

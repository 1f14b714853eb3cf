/**
 * The browser/embedded entry point of the deploy engine: only the tfjs-free, Deno-free modules
 * (bundle it with `deno bundle lib/deploy/runtime.ts`). Load a `.bnn` with `fetch`, then
 * `createEngine(decodeModel(new Uint8Array(await res.arrayBuffer())))`.
 *
 * @module
 */
export { createEngine } from "./engine.ts";
export type { BinaryEngine, EngineOptions } from "./engine.ts";
export { BNN_LIMITS, BnnFormatError, decodeModel, encodeModel, validateModel } from "./format.ts";
export type { DeployModel } from "./format.ts";
export { hasWasmSimd } from "./wasm.ts";

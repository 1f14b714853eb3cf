/**
 * Bit-packed export and XNOR–popcount inference of binary networks.
 *
 * - {@link exportBinary} / {@link loadBinary}: the `.bnn` file (spec in `format.ts`).
 * - {@link createEngine}: runs a deployed model with no tfjs (Deno or browser).
 * - {@link toDeployModel}, {@link encodeModel}, {@link decodeModel}: the in-memory steps.
 *
 * ```ts
 * await exportBinary(model, "model.bnn");
 * const engine = createEngine(await loadBinary("model.bnn"));
 * const logits = engine.predict(imageHWC);
 * ```
 *
 * @module
 */
export * from "./bits.ts";
export * from "./fold.ts";
export * from "./format.ts";
export { type BinaryEngine, createEngine, type EngineOptions } from "./engine.ts";
export { createKernel, hasWasmSimd, type PopcountKernel } from "./wasm.ts";
export { quantizerSignEpsilon, toDeployModel, type ToDeployOptions } from "./export.ts";
export { exportBinary, type ExportInfo, loadBinary } from "./io.ts";
export { createEnginePool, type EnginePool, type EnginePoolOptions } from "./parallel.ts";

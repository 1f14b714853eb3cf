/**
 * Thin helpers for writing wasm kernels out of the wasm backend's own registered kernels
 * (XNNPACK Conv2D / BatchMatMul, Transpose, Pad, Slice, ...). They take and return `TensorInfo`s
 * that live on the wasm backend, so no data is copied to JavaScript or to the cpu backend.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** A tensor record as the kernels see it. */
export type Info = tf.TensorInfo;

/** The minimal surface of the wasm backend the project's kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Runs the wasm backend's kernel `name` on `inputs` with `attrs` and returns its output(s).
 * Throws a clear error when the kernel is not registered for wasm.
 */
export function runWasm(
  backend: WasmBackendLike,
  name: string,
  args: { inputs: Record<string, Info>; attrs?: Record<string, unknown> },
): Info {
  const k = tf.getKernel(name, "wasm");
  if (k === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  const out = k.kernelFunc({
    inputs: args.inputs as tf.NamedTensorInfoMap,
    backend,
    attrs: (args.attrs ?? {}) as tf.NamedAttrMap,
  });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees intermediate results created with {@link runWasm} (skipping kernel inputs). */
export function free(backend: WasmBackendLike, ...infos: (Info | undefined)[]): void {
  for (const i of infos) if (i !== undefined) backend.disposeData(i.dataId);
}

/** `Transpose` on wasm. */
export function transpose(backend: WasmBackendLike, x: Info, perm: number[]): Info {
  return runWasm(backend, "Transpose", { inputs: { x }, attrs: { perm } });
}

/** `Reshape` on wasm (shares data; free the result like any other). */
export function reshape(backend: WasmBackendLike, x: Info, shape: number[]): Info {
  return runWasm(backend, "Reshape", { inputs: { x }, attrs: { shape } });
}

/** `Slice` on wasm. */
export function slice(backend: WasmBackendLike, x: Info, begin: number[], size: number[]): Info {
  return runWasm(backend, "Slice", { inputs: { x }, attrs: { begin, size } });
}

/** `PadV2` with zeros on wasm. */
export function pad(backend: WasmBackendLike, x: Info, paddings: [number, number][]): Info {
  return runWasm(backend, "PadV2", { inputs: { x }, attrs: { paddings, constantValue: 0 } });
}

/** `Conv2D` (XNNPACK) on wasm, NHWC, with explicit padding. */
export function conv2d(
  backend: WasmBackendLike,
  x: Info,
  filter: Info,
  opts: { strides: [number, number]; dilations: [number, number]; pad: number[][] },
): Info {
  return runWasm(backend, "Conv2D", {
    inputs: { x, filter },
    attrs: {
      strides: opts.strides,
      dilations: opts.dilations,
      pad: opts.pad,
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
    },
  });
}

/**
 * Thin helpers for writing wasm kernels out of the wasm backend's own registered kernels
 * (XNNPACK Conv2D / BatchMatMul, Transpose, Pad, Slice, ...). They take and return `TensorInfo`s
 * that live on the wasm backend, so no data is copied to JavaScript or to the cpu backend.
 *
 * ```ts
 * const o = wasmOps(args.backend);
 * const t = o.transpose(x, [3, 1, 2, 0]);
 * // ...
 * o.free(t);
 * ```
 *
 * @module
 */
import { tf } from "../tf.ts";

/** A tensor record as the kernels see it. */
export type Info = tf.TensorInfo;

/** The wasm backend's heap, as the project's kernels reach it (pointers, views, outputs). */
export interface HeapBackend extends tf.KernelBackend {
  /** Tensor records; `memoryOffset` is the tensor's byte offset in the heap. */
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  /** Allocates an output tensor on the heap (may grow, and move, the heap). */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A float32 view of a tensor's data (take it after the last allocation). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  /** Shares `dataId` with one more tensor. */
  incRef(dataId: object): void;
}

/** What tfjs hands any registered kernel function (untyped inputs and attributes). */
export type UntypedKernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * tfjs-core's `*Inputs` type of a kernel whose inputs are all required (`Pick<NamedTensorInfoMap,
 * …>` types each entry `TensorInfo | undefined`; tfjs passes every one).
 */
export type Present<I> = { [K in keyof I]-?: NonNullable<I[K]> };

/**
 * A kernel's arguments as tfjs's own kernels declare them: tfjs-core's `*Inputs` and `*Attrs`
 * types (e.g. `tf.SumInputs`, `tf.SumAttrs`) and the wasm backend's heap.
 */
export interface KernelArgs<I, A> {
  inputs: I;
  backend: HeapBackend;
  attrs: A;
}

/**
 * The typed view of the arguments tfjs passes a kernel: the one cast from tfjs's untyped
 * `NamedAttrMap` to a kernel's `*Attrs` interface, made at the kernel's entry as tfjs's own
 * kernels make it at registration (tfjs checks nothing here: the attributes are the op's).
 *
 * @example
 * ```ts
 * const { inputs, attrs } = kernelArgs<tf.SumInputs, tf.SumAttrs>(args);
 * ```
 */
export function kernelArgs<I, A>(args: UntypedKernelArgs): KernelArgs<I, A> {
  return args as unknown as KernelArgs<I, A>;
}

/** The minimal surface of the wasm backend the project's kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Kernel calls on one wasm backend; every result must be passed to `free` once done. */
export interface WasmOps {
  backend: WasmBackendLike;
  /** Runs wasm's kernel `name`; throws a clear error when it is not registered. */
  run(
    name: string,
    args: { inputs: Record<string, Info> | Info[]; attrs?: Record<string, unknown> },
  ): Info;
  /** Frees intermediate results (never kernel inputs). */
  free(...infos: (Info | undefined)[]): void;
  /** `Transpose`. */
  transpose(x: Info, perm: number[]): Info;
  /** `Reshape` (shares data; free the result like any other). */
  reshape(x: Info, shape: number[]): Info;
  /** `Slice`. */
  slice(x: Info, region: { begin: number[]; size: number[] }): Info;
  /** `PadV2` with zeros. */
  pad(x: Info, paddings: [number, number][]): Info;
  /**
   * A conv filter `[kh, kw, a, b]` rotated by 180° in space, with its last two axes swapped when
   * `swapIO` (`[kh, kw, b, a]`): the filter of the transposed convolution. One pass over the heap
   * (wasm's `Reverse` took 10 ms for a 3×3×128×128 filter, 68 ns per element); pure data movement,
   * so bit-identical to `Reverse` + `Transpose`.
   */
  flipFilter(filter: Info, options: { swapIO: boolean }): Info;
  /** `Conv2D` (XNNPACK), NHWC, explicit padding. */
  conv2d(
    x: Info,
    filter: Info,
    opts: { strides: [number, number]; dilations: [number, number]; pad: number[][] },
  ): Info;
}

/** The {@link WasmOps} of `backend` (the `backend` argument a wasm kernel receives). */
export function wasmOps(backend: tf.KernelBackend): WasmOps {
  const b = backend as WasmBackendLike;
  const run: WasmOps["run"] = (name, args) => {
    const k = tf.getKernel(name, "wasm");
    if (k === undefined) throw new Error(`wasm kernel ${name} is not registered`);
    const out = k.kernelFunc({
      // Concat takes its inputs as an array (tfjs's ConcatInputs), every other kernel by name.
      inputs: args.inputs as tf.NamedTensorInfoMap,
      backend: b,
      attrs: (args.attrs ?? {}) as tf.NamedAttrMap,
    });
    return Array.isArray(out) ? out[0] : out;
  };
  return {
    backend: b,
    run,
    free: (...infos) => {
      for (const i of infos) if (i !== undefined) b.disposeData(i.dataId);
    },
    transpose: (x, perm) => run("Transpose", { inputs: { x }, attrs: { perm } }),
    reshape: (x, shape) => run("Reshape", { inputs: { x }, attrs: { shape } }),
    slice: (x, { begin, size }) => run("Slice", { inputs: { x }, attrs: { begin, size } }),
    pad: (x, paddings) => run("PadV2", { inputs: { x }, attrs: { paddings, constantValue: 0 } }),
    flipFilter: (filter, { swapIO }) => {
      const [kh, kw, a, c] = filter.shape;
      if (filter.dtype !== "float32") {
        const rev = run("Reverse", { inputs: { x: filter }, attrs: { dims: [0, 1] } });
        if (!swapIO) return rev;
        const t = run("Transpose", { inputs: { x: rev }, attrs: { perm: [0, 1, 3, 2] } });
        b.disposeData(rev.dataId);
        return t;
      }
      const h = b as unknown as HeapBackend;
      const out = h.makeOutput(swapIO ? [kh, kw, c, a] : [kh, kw, a, c], "float32");
      const src = h.typedArrayFromHeap(filter), dst = h.typedArrayFromHeap(out); // after makeOutput
      const plane = a * c, taps = kh * kw;
      for (let t = 0; t < taps; t++) {
        const s0 = t * plane, d0 = (taps - 1 - t) * plane;
        if (!swapIO) {
          dst.set(src.subarray(s0, s0 + plane), d0);
          continue;
        }
        for (let i = 0; i < a; i++) {
          for (let j = 0, s = s0 + i * c, d = d0 + i; j < c; j++, s++, d += a) dst[d] = src[s];
        }
      }
      return out;
    },
    conv2d: (x, filter, opts) =>
      run("Conv2D", {
        inputs: { x, filter },
        attrs: {
          strides: opts.strides,
          dilations: opts.dilations,
          pad: opts.pad,
          dataFormat: "NHWC",
          dimRoundingMode: undefined,
        },
      }),
  };
}

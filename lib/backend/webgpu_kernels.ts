/**
 * The project's kernels for tfjs-backend-webgpu.
 *
 * - `Conv2DBackpropFilter`: tfjs-webgpu's own shader gives each filter element one invocation
 *   that loops over the whole batch and image (N·Hₒ·Wₒ products in sequence): few, long
 *   invocations. For convs with Cᵢ·Cₒ ≥ {@link IM2COL_MIN_CHANNELS} it is replaced by an im2col:
 *   the KH·KW shifted (strided) windows of the padded input side by side,
 *   `[N·Hₒ·Wₒ, KH·KW·Cᵢ]`, times `dy` as `[N·Hₒ·Wₒ, Cₒ]` with the first operand transposed, on
 *   tfjs-webgpu's matmul (which splits long reductions across workgroups), in batch chunks of at
 *   most {@link IM2COL_CHUNK_BYTES} whose products are summed. Measured on Mesa's llvmpipe
 *   (the only adapter available; batch 16, 3×3 'same'): 32→32 channels at 32×32 1.5 s vs 7.9 s,
 *   64→64 at 16×16 1.9 s vs 10.6 s, 128→128 at 8×8 1.1 s vs 4.7 s; but 8→8 at 32×32 (batch 32)
 *   1.0 s vs 0.58 s, hence the channel threshold. Not measured on a GPU.
 *
 * Built only from webgpu's own kernels (Pad, StridedSlice, Concat, Reshape, BatchMatMul, Add),
 * called on tensor infos like tfjs's kernels call each other. NHWC only, like the lab's layers.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Largest im2col block (bytes) built at once; larger batches are split into chunks. */
export const IM2COL_CHUNK_BYTES = 64 << 20;

/** Smallest Cᵢ·Cₒ that uses the im2col filter gradient (tfjs-webgpu's own below). */
export const IM2COL_MIN_CHANNELS = 32 * 32;

/** Kernels {@link registerWebGpuKernels} registers for backend "webgpu". */
export const PROJECT_WEBGPU_KERNELS = ["Conv2DBackpropFilter"] as const;

type Info = tf.TensorInfo;

interface Ops {
  /** Runs webgpu's kernel `name` (Concat takes an array of inputs). */
  run(name: string, inputs: Record<string, Info> | Info[], attrs?: Record<string, unknown>): Info;
  free(...infos: Info[]): void;
}

function ops(backend: tf.KernelBackend): Ops {
  return {
    run(name, inputs, attrs = {}) {
      const k = tf.getKernel(name, "webgpu");
      if (k === undefined) throw new Error(`webgpu kernel ${name} is not registered`);
      const out = k.kernelFunc({
        inputs: inputs as tf.NamedTensorInfoMap,
        backend,
        attrs: attrs as tf.NamedAttrMap,
      });
      return Array.isArray(out) ? out[0] : out;
    },
    free(...infos) {
      for (const i of infos) backend.disposeData(i.dataId);
    },
  };
}

/** Attributes of `Conv2DBackpropFilter`. */
interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

/**
 * dW = im2col(x)ᵀ · dy for an NHWC conv with dilation 1 (see the module doc). Exported for tests;
 * registered as the webgpu `Conv2DBackpropFilter` by {@link registerWebGpuKernels}.
 */
export function conv2DBackpropFilterIm2col(
  args: { inputs: { x: Info; dy: Info }; backend: tf.KernelBackend; attrs: BackpropFilterAttrs },
  chunkBytes = IM2COL_CHUNK_BYTES,
): Info {
  const { x, dy } = args.inputs;
  const a = args.attrs;
  if (a.dataFormat !== undefined && a.dataFormat !== "NHWC") {
    throw new Error(
      `Conv2DBackpropFilter (project webgpu kernel): dataFormat ${
        JSON.stringify(a.dataFormat)
      } is not supported; expected "NHWC" (channelsLast)`,
    );
  }
  const o = ops(args.backend);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
  const [n, , , ci] = x.shape;
  const { filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, outChannels: co } = info;
  const { top, bottom, left, right } = info.padInfo;
  const padded = top || bottom || left || right
    ? o.run("PadV2", { x }, {
      paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
      constantValue: 0,
    })
    : x;
  const perImage = ho * wo * kh * kw * ci * 4;
  const chunk = Math.max(1, Math.min(n, Math.floor(chunkBytes / Math.max(1, perImage))));
  let acc: Info | undefined;
  for (let b0 = 0; b0 < n; b0 += chunk) {
    const nb = Math.min(chunk, n - b0);
    const windows: Info[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        windows.push(o.run("StridedSlice", { x: padded }, {
          begin: [b0, i, j, 0],
          end: [b0 + nb, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, ci],
          strides: [1, sh, sw, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        }));
      }
    }
    const cols = windows.length === 1 ? windows[0] : o.run("Concat", windows, { axis: 3 });
    const cols3 = o.run("Reshape", { x: cols }, { shape: [1, nb * ho * wo, kh * kw * ci] });
    const dyChunk = nb === n ? dy : o.run("Slice", { x: dy }, {
      begin: [b0, 0, 0, 0],
      size: [nb, ho, wo, co],
    });
    const dy3 = o.run("Reshape", { x: dyChunk }, { shape: [1, nb * ho * wo, co] });
    const prod = o.run("BatchMatMul", { a: cols3, b: dy3 }, {
      transposeA: true,
      transposeB: false,
    });
    o.free(...windows, cols3, dy3);
    if (windows.length !== 1) o.free(cols);
    if (dyChunk !== dy) o.free(dyChunk);
    if (acc === undefined) {
      acc = prod;
    } else {
      const sum = o.run("Add", { a: acc, b: prod });
      o.free(acc, prod);
      acc = sum;
    }
  }
  if (padded !== x) o.free(padded);
  const out = o.run("Reshape", { x: acc! }, { shape: [kh, kw, ci, co] });
  o.free(acc!);
  return out;
}

let builtin: tf.KernelFunc | undefined;

/**
 * Registers {@link PROJECT_WEBGPU_KERNELS} for backend "webgpu" (tfjs-webgpu's own version stays
 * in use below the size threshold); returns their names. Idempotent. Needs tfjs-backend-webgpu
 * imported.
 */
export function registerWebGpuKernels(): string[] {
  const existing = tf.getKernel("Conv2DBackpropFilter", "webgpu");
  if (existing !== undefined && builtin === undefined) builtin = existing.kernelFunc;
  if (existing !== undefined) tf.unregisterKernel("Conv2DBackpropFilter", "webgpu");
  const own = builtin;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "webgpu",
    kernelFunc: ((args: Parameters<typeof conv2DBackpropFilterIm2col>[0]) => {
      const [, , ci, co] = args.attrs.filterShape;
      if (own !== undefined && ci * co < IM2COL_MIN_CHANNELS) {
        return own(args as unknown as Parameters<tf.KernelFunc>[0]);
      }
      return conv2DBackpropFilterIm2col(args);
    }) as unknown as tf.KernelFunc,
  });
  return [...PROJECT_WEBGPU_KERNELS];
}

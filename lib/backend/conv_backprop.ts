/**
 * Conv2D training kernels for the wasm backend, built from wasm's own XNNPACK kernels.
 *
 * - `Conv2DBackpropFilter` (missing in tfjs-backend-wasm): the project's native SIMD kernels once
 *   `initBackend` has started them (Winograd for 3×3 stride-1 convs, `native_conv.ts`, else the
 *   direct kernel of `native_kernels.ts`, both threaded); otherwise one XNNPACK
 *   `Conv2D` on transposed tensors (batch as channels, `dy` as a filter dilated by the strides),
 *   measured faster than an im2col + `BatchMatMul` (wasm's transposed matmul and 2-D transpose
 *   are slow paths).
 * - `Conv2DBackpropInput` (wasm's own is a naive loop): a stride-1 `Conv2D` of `dy`
 *   (zero-dilated by the stride) with the spatially flipped filter, in/out channels swapped, on
 *   the native FMA kernels (`native_conv.ts`: Winograd or direct) once started, else XNNPACK's.
 *
 * NHWC only; strides, 'same' / 'valid' / explicit padding and non-square kernels are supported;
 * dilations > 1 are rejected by tfjs's conv2d gradient before reaching here.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { type Info, type WasmOps, wasmOps } from "./wasm_ops.ts";
import { nativeConvBackpropFilter, nativeFlipFilter } from "./native_kernels.ts";
import { nativeConv2D, nativeWinogradBackpropFilter } from "./native_conv.ts";

/** Attributes shared by the conv backprop kernels (tfjs-core's kernel attributes). */
export type ConvAttrs =
  & Pick<tf.Conv2DBackpropFilterAttrs, "strides" | "pad" | "dimRoundingMode">
  & { dataFormat?: tf.Conv2DBackpropFilterAttrs["dataFormat"] };

/** Throws one clear error for layouts the kernels do not support. */
export function checkNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new Error(
      `${kernel} (project wasm kernel): dataFormat ${JSON.stringify(dataFormat)} is not ` +
        `supported; expected "NHWC" (channelsLast)`,
    );
  }
}

/** tfjs's Conv2DInfo for an NHWC conv with dilation 1. */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/**
 * Conv2DBackpropFilter on wasm as one XNNPACK convolution: with the batch axis as channels,
 * `dW[·,·,ci,co] = conv(xᵀ[ci], dyᵀ[·,·,·,co])` where `xᵀ = [Ci,H,W,N]` is the input, `dyᵀ =
 * [Ho,Wo,N,Co]` is the filter dilated by the forward strides, and the output is `[Ci,kh,kw,Co]`.
 */
export function conv2DBackpropFilter(
  args: {
    inputs: { x: Info; dy: Info };
    backend: tf.KernelBackend;
    attrs: tf.Conv2DBackpropFilterAttrs;
  },
): Info {
  const o = wasmOps(args.backend);
  const { x, dy } = args.inputs;
  const attrs = args.attrs;
  checkNhwc("Conv2DBackpropFilter", attrs.dataFormat);
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  if (x.dtype === "float32" && dy.dtype === "float32") {
    const native = nativeWinogradBackpropFilter(args.backend, { x, dy, info }) ??
      nativeConvBackpropFilter(args.backend, { x, dy, info });
    if (native) return native;
  }
  return xnnpackBackpropFilter(o, { x, dy, info });
}

/** The XNNPACK formulation of Conv2DBackpropFilter (used when no native pool is started). */
export function xnnpackBackpropFilter(
  o: WasmOps,
  options: { x: Info; dy: Info; info: tf.backend_util.Conv2DInfo },
): Info {
  const { x, dy, info } = options;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { outHeight: ho, outWidth: wo, padInfo } = info;
  const [n, h, w, ci] = x.shape;
  const tmp: Info[] = [];
  let xT = o.transpose(x, [3, 1, 2, 0]);
  tmp.push(xT);
  // Bottom/right padding that makes the output exactly kh × kw; negative: rows never read.
  const bottom = kh - h - padInfo.top + (ho - 1) * sh;
  const right = kw - w - padInfo.left + (wo - 1) * sw;
  if (bottom < 0 || right < 0) {
    xT = o.slice(xT, {
      begin: [0, 0, 0, 0],
      size: [ci, h + Math.min(0, bottom), w + Math.min(0, right), n],
    });
    tmp.push(xT);
  }
  const dyT = o.transpose(dy, [1, 2, 0, 3]);
  tmp.push(dyT);
  const g = o.conv2d(xT, dyT, {
    strides: [1, 1],
    dilations: [sh, sw],
    pad: [[0, 0], [padInfo.top, Math.max(0, bottom)], [padInfo.left, Math.max(0, right)], [0, 0]],
  });
  tmp.push(g);
  const out = o.transpose(g, [1, 2, 0, 3]);
  o.free(...tmp);
  return out;
}

/**
 * Zero-dilates `dy` [N,Ho,Wo,C] by the conv's strides and computes the explicit padding of the
 * stride-1 "full" correlation that maps it back to the input's H × W (cropping instead of
 * padding where the forward conv never read). Pushes every intermediate it makes onto `tmp`.
 */
export function dilateForTranspose(
  dy: Info,
  options: { ops: WasmOps; info: tf.backend_util.Conv2DInfo; tmp: Info[] },
): { d: Info; pad: number[][] } {
  const { ops: o, info, tmp } = options;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { batchSize: n, outHeight: ho, outWidth: wo, padInfo, inHeight: h, inWidth: w } = info;
  const c = dy.shape[3];
  let d = dy;
  if (sh > 1 || sw > 1) {
    const r5 = o.reshape(dy, [n * ho, 1, wo, 1, c]);
    const p5 = o.pad(r5, [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    const r4 = o.reshape(p5, [n, ho * sh, wo * sw, c]);
    d = o.slice(r4, { begin: [0, 0, 0, 0], size: [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, c] });
    tmp.push(r5, p5, r4, d);
  }
  const hd = d.shape[1], wd = d.shape[2];
  let top = kh - 1 - padInfo.top, left = kw - 1 - padInfo.left;
  let bottom = h - hd + kh - 1 - top, right = w - wd + kw - 1 - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    const t0 = Math.max(0, -top), l0 = Math.max(0, -left);
    const hs = hd - t0 - Math.max(0, -bottom), ws = wd - l0 - Math.max(0, -right);
    d = o.slice(d, { begin: [0, t0, l0, 0], size: [n, hs, ws, c] });
    tmp.push(d);
    top = Math.max(0, top), left = Math.max(0, left);
    bottom = Math.max(0, bottom), right = Math.max(0, right);
  }
  return { d, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] };
}

/** Conv2DBackpropInput on wasm: a stride-1 conv of the dilated `dy` with the flipped filter. */
export function conv2DBackpropInput(
  args: {
    inputs: { dy: Info; filter: Info };
    backend: tf.KernelBackend;
    attrs: tf.Conv2DBackpropInputAttrs;
  },
): Info {
  const o = wasmOps(args.backend);
  const { dy, filter } = args.inputs;
  const attrs = args.attrs;
  checkNhwc("Conv2DBackpropInput", attrs.dataFormat);
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const tmp: Info[] = [];
  const { d, pad } = dilateForTranspose(dy, { ops: o, info, tmp });
  const wT = nativeFlipFilter(args.backend, filter) ?? o.flipFilter(filter, { swapIO: true });
  tmp.push(wT);
  const native = nativeConv2D(args.backend, {
    x: d,
    filter: wT,
    out: [info.inHeight, info.inWidth],
    strides: [1, 1],
    pad: [pad[1][0], pad[2][0]],
  });
  const out = native ?? o.conv2d(d, wT, { strides: [1, 1], dilations: [1, 1], pad });
  o.free(...tmp);
  return out;
}

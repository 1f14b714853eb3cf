/**
 * Depthwise conv training kernels for the wasm backend (both missing in tfjs-backend-wasm),
 * built from wasm kernels: strided slices, broadcast `Multiply`, `Sum` and wasm's own
 * `DepthwiseConv2dNative`. Simpler than the dense ones: depthwise layers are rare in this project.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { checkNhwc, type ConvAttrs, convInfo, dilateForTranspose } from "./conv_backprop.ts";
import { type Info, wasmOps } from "./wasm_ops.ts";

type DwAttrs = ConvAttrs & Pick<tf.DepthwiseConv2dNativeBackpropFilterAttrs, "dilations">;

function checkDilations(kernel: string, d: DwAttrs["dilations"]): void {
  const [dh, dw] = typeof d === "number" ? [d, d] : (d ?? [1, 1]);
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `${kernel} (project wasm kernel): dilations ${d} are not supported; expected 1`,
    );
  }
}

/** DepthwiseConv2dNativeBackpropFilter on wasm: Σ over N,Ho,Wo of (strided x tap) · dy. */
export function depthwiseBackpropFilter(
  args: {
    inputs: { x: Info; dy: Info };
    backend: tf.KernelBackend;
    attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs & Pick<ConvAttrs, "dataFormat">;
  },
): Info {
  const o = wasmOps(args.backend);
  const { x, dy } = args.inputs;
  const attrs = args.attrs;
  checkNhwc("DepthwiseConv2dNativeBackpropFilter", attrs.dataFormat);
  checkDilations("DepthwiseConv2dNativeBackpropFilter", attrs.dilations);
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const { outHeight: ho, outWidth: wo } = info;
  const [n, h, w, c] = x.shape;
  const mult = attrs.filterShape[3];
  const bottom = Math.max(0, (ho - 1) * sh + kh - h - padInfo.top);
  const right = Math.max(0, (wo - 1) * sw + kw - w - padInfo.left);
  const src = o.pad(x, [[0, 0], [padInfo.top, bottom], [padInfo.left, right], [0, 0]]);
  const dy5 = o.reshape(dy, [n, ho, wo, c, mult]);
  const taps: Info[] = [];
  for (let a = 0; a < kh; a++) {
    for (let bb = 0; bb < kw; bb++) {
      const t = o.run("StridedSlice", {
        inputs: { x: src },
        attrs: {
          begin: [0, a, bb, 0],
          end: [n, a + (ho - 1) * sh + 1, bb + (wo - 1) * sw + 1, c],
          strides: [1, sh, sw, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      });
      const t5 = o.reshape(t, [n, ho, wo, c, 1]);
      const prod = o.run("Multiply", { inputs: { a: t5, b: dy5 } });
      taps.push(
        o.run("Sum", { inputs: { x: prod }, attrs: { axis: [0, 1, 2], keepDims: false } }),
      );
      o.free(t, t5, prod);
    }
  }
  const cat = taps.length === 1
    ? o.reshape(taps[0], taps[0].shape)
    : o.run("Concat", { inputs: taps, attrs: { axis: 0 } });
  const out = o.reshape(cat, attrs.filterShape);
  o.free(src, dy5, cat, ...taps);
  return out;
}

/** DepthwiseConv2dNativeBackpropInput on wasm: depthwise conv of the dilated dy, flipped filter. */
export function depthwiseBackpropInput(
  args: {
    inputs: { dy: Info; filter: Info };
    backend: tf.KernelBackend;
    attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs & Pick<ConvAttrs, "dataFormat">;
  },
): Info {
  const o = wasmOps(args.backend);
  const { dy, filter } = args.inputs;
  const attrs = args.attrs;
  checkNhwc("DepthwiseConv2dNativeBackpropInput", attrs.dataFormat);
  checkDilations("DepthwiseConv2dNativeBackpropInput", attrs.dilations);
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const [kh, kw, c, mult] = filter.shape;
  const [n, h, w] = attrs.inputShape;
  const tmp: Info[] = [];
  const { d, pad: p } = dilateForTranspose(dy, { ops: o, info, tmp });
  const rev = o.flipFilter(filter, { swapIO: false });
  const f = o.reshape(rev, [kh, kw, c * mult, 1]);
  tmp.push(rev, f);
  const y = o.run("DepthwiseConv2dNative", {
    inputs: { x: d, filter: f },
    attrs: { strides: [1, 1], dilations: [1, 1], pad: p, dataFormat: "NHWC" },
  });
  if (mult === 1) {
    o.free(...tmp);
    return y;
  }
  const y5 = o.reshape(y, [n, h, w, c, mult]);
  const out = o.run("Sum", { inputs: { x: y5 }, attrs: { axis: [4], keepDims: false } });
  o.free(...tmp, y, y5);
  return out;
}

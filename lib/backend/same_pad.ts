/**
 * Correctness fix for wasm's forward convolutions with `pad: "same"`: tfjs-backend-wasm hands
 * 'same' to XNNPACK as `XNN_FLAG_TENSORFLOW_SAME_PADDING`, which is wrong when TensorFlow's
 * total padding would be negative (e.g. a 1×3 kernel, stride 2, height 6: off by one row, errors
 * of order 1). The wrappers below turn 'same' into the explicit padding tfjs's own
 * `computeConv2DInfo` computes (what the cpu backend uses) and call wasm's kernel with that.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { kernelArgs, type Present } from "./wasm_ops.ts";

/** The attributes of the wrapped kernels (the fused forms add their activation to these). */
type ConvAttrs = tf.Conv2DAttrs | tf.DepthwiseConv2dNativeAttrs;

/** The kernels wrapped, and whether each is depthwise. */
export const SAME_PAD_KERNELS: Readonly<Record<string, boolean>> = {
  Conv2D: false,
  FusedConv2D: false,
  DepthwiseConv2dNative: true,
  FusedDepthwiseConv2D: true,
};

/** Wraps a wasm conv kernel so that `pad: "same"` reaches it as explicit padding. */
export function makeExplicitSame(original: tf.KernelFunc, depthwise: boolean): tf.KernelFunc {
  return (args) => {
    const { inputs: { x, filter: f }, attrs: a } = kernelArgs<
      Present<tf.Conv2DInputs | tf.DepthwiseConv2dNativeInputs>,
      ConvAttrs
    >(args);
    if (a.pad !== "same" || (a.dataFormat !== undefined && a.dataFormat !== "NHWC")) {
      return original(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      f.shape as [number, number, number, number],
      a.strides,
      a.dilations ?? 1,
      "same",
      a.dimRoundingMode,
      depthwise,
    );
    const { top, bottom, left, right } = info.padInfo;
    const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return original({ ...args, attrs: { ...args.attrs, pad } });
  };
}

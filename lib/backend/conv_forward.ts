/**
 * Forward `Conv2D` / `FusedConv2D` on the project's native kernel (`native/conv_fwd.c`, relaxed
 * SIMD fused multiply-add, threaded on the native pool) instead of XNNPACK's, whose wasm SIMD128
 * kernels multiply and add separately and so reach at most half of an FMA core's peak.
 *
 * Taken natively: float32 NHWC, dilation 1, any stride / kernel size / padding ('same', 'valid',
 * explicit, as tfjs's `computeConv2DInfo` computes it); for `FusedConv2D` also a bias of Co
 * values or none, and activation "linear" or "relu". Everything else (other activations, prelu
 * weights, dilations, NCHW, no native pool) goes to the wrapped wasm kernel unchanged.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { nativeConv2D } from "./native_conv.ts";
import { nativePool } from "./native_kernels.ts";
import { kernelArgs, type UntypedKernelArgs } from "./wasm_ops.ts";

/** The attributes of `Conv2D` and `FusedConv2D` (only the latter has an activation). */
type ConvAttrs = tf.Conv2DAttrs & Partial<Pick<tf.FusedConv2DAttrs, "activation">>;

/** The typed view of a conv call (`FusedConv2DInputs` also covers `Conv2D`'s x and filter). */
const convArgs = (args: UntypedKernelArgs) => kernelArgs<tf.FusedConv2DInputs, ConvAttrs>(args);

function isOne(d: number | [number, number] | undefined): boolean {
  return d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);
}

/** Whether the native kernel computes this call (see the module doc for the cases). */
export function nativeConvApplies(args: UntypedKernelArgs): boolean {
  const { inputs: { x, filter, bias, preluActivationWeights }, attrs: a } = convArgs(args);
  if (!nativePool() || preluActivationWeights !== undefined) return false;
  if ((a.dataFormat ?? "NHWC") !== "NHWC" || !isOne(a.dilations)) return false;
  if (![undefined, "linear", "relu"].includes(a.activation)) return false;
  if (x.dtype !== "float32" || filter.dtype !== "float32") return false;
  if (x.shape.length !== 4 || filter.shape.length !== 4 || x.shape.includes(0)) return false;
  const co = filter.shape[3];
  if (filter.shape[2] !== x.shape[3] || co === 0) return false;
  if (bias === undefined) return true;
  return bias.dtype === "float32" && bias.shape.reduce((p, d) => p * d, 1) === co;
}

/** Wraps wasm's `Conv2D` or `FusedConv2D` kernel function so that the native kernel runs it. */
export function makeNativeConv2D(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    if (!nativeConvApplies(args)) return original(args);
    const { inputs: { x, filter, bias }, attrs: a, backend } = convArgs(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      "channelsLast",
    );
    const out = nativeConv2D(backend, {
      x,
      filter,
      bias,
      relu: a.activation === "relu",
      out: [info.outHeight, info.outWidth],
      strides: [info.strideHeight, info.strideWidth],
      pad: [info.padInfo.top, info.padInfo.left],
    });
    return out ?? original(args);
  };
}

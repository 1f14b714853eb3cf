/**
 * Binary-aware training: the forward product of a layer that binarizes both its input and its
 * kernel, computed as XNOR–popcount on packed sign bits (`native/binary_conv.c`, threaded on the
 * native pool, on tfjs-wasm's heap in place) instead of a float convolution of ±1 values.
 *
 * - **Forward**, bit-identical to the exact float product of the ±1 values times α: per output,
 *   `s · Σ_valid taps (C − 2·popcount(x ⊕ w))` (+ bias), where s is α per channel, α per layer or
 *   1. The integer is exact (|Σ| ≤ kh·kw·C < 2²⁴, checked), and `(float)Σ · s` is one float32
 *   multiply, as `tf.mul(conv(xq, q(W)), α)` on an exact conv. Taps in the 'same' zero padding
 *   are skipped: they contribute 0, as in the float conv of the padded ±1 input.
 * - **Backward**: the float pseudo-gradients of the float path `conv2d(xq, α·q(W)) + b`, with the
 *   same tfjs kernels (`Conv2DBackpropInput` with α·q(W), `Conv2DBackpropFilter`, the
 *   broadcast-multiply and bias reductions; `BatchMatMul` for dense): given the same upstream
 *   gradient, the gradients are bit-identical to that path's.
 *
 * The float path itself sums ±α terms (and runs Winograd for 3×3 convs), so its forward differs
 * from the exact product by float32 rounding; see docs/binary_training.md.
 *
 * Packing is part of every call: the input's signs along channels (NHWC: contiguous), the
 * kernel's once per call (i.e. once per training step).
 *
 * `BNN_BINARY_FORWARD=0` (or {@link setBinaryForward}`(false)`) keeps the float path everywhere.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { heapPointer, heapScratch, nativePool } from "./native_kernels.ts";
import { kernelArgs, type UntypedKernelArgs } from "./wasm_ops.ts";

/** Kernel name of the popcount forward (registered for backend "wasm"). */
export const BINARY_CONV = "BinaryConv2D";

/** Attributes of the {@link BINARY_CONV} kernel (a type, so that it is a `tf.NamedAttrMap`). */
export type BinaryConvAttrs = {
  /** Strides [sh, sw]. */
  strides: [number, number];
  /** 'same' (zero padding, as tfjs computes it) or 'valid'. */
  pad: "same" | "valid";
};

/** Inputs of the {@link BINARY_CONV} kernel (checked by the kernel: x and filter are required). */
type BinaryConvInputs = Partial<Record<"x" | "filter" | "alpha" | "bias", tf.TensorInfo>>;

/** Largest kh·kw·C whose ±1 dot products are exact in float32 (2²⁴). */
export const MAX_EXACT_TAPS = 2 ** 24;

let override: boolean | undefined;
let vpopcnt = true;

/**
 * Lets the native AVX-512 build use VPOPCNTDQ where the CPU has it (the default), or keeps it on
 * its vpshufb nibble-table popcount (tests and benchmarks compare the two).
 */
export function setVpopcnt(allowed: boolean): void {
  vpopcnt = allowed;
}

let envSetting: boolean | undefined;

/**
 * Turns the popcount forward on or off for this process (`undefined`: back to the
 * `BNN_BINARY_FORWARD` environment variable, on unless it is "0").
 */
export function setBinaryForward(enabled: boolean | undefined): void {
  override = enabled;
}

/** Whether the popcount forward is enabled (it still needs the wasm backend's native pool). */
export function binaryForwardEnabled(): boolean {
  if (override !== undefined) return override;
  if (envSetting === undefined) {
    try {
      envSetting = Deno.env.get("BNN_BINARY_FORWARD") !== "0";
    } catch {
      envSetting = true; // no env permission: the default
    }
  }
  return envSetting;
}

/**
 * Whether {@link binaryConv2d} / {@link binaryDense} can run now: enabled, the wasm backend
 * active with the project's native pool, and `taps` (kh·kw·C) below {@link MAX_EXACT_TAPS}.
 */
export function binaryForwardAvailable(taps: number): boolean {
  return binaryForwardEnabled() && tf.getBackend() === "wasm" && nativePool() !== undefined &&
    taps < MAX_EXACT_TAPS;
}

function binaryConvKernel(args: UntypedKernelArgs): tf.TensorInfo {
  const pool = nativePool();
  if (!pool) throw new Error(`${BINARY_CONV}: the native kernel pool is not started`);
  const { inputs, attrs: { strides, pad }, backend: b } = kernelArgs<
    BinaryConvInputs,
    BinaryConvAttrs
  >(args);
  const { x, filter, alpha, bias } = inputs;
  if (!x || !filter || x.shape.length !== 4 || filter.shape.length !== 4) {
    throw new Error(`${BINARY_CONV}: x must be NHWC and filter HWIO (rank 4)`);
  }
  const [n, h, w, ci] = x.shape;
  const [kh, kw, fci, co] = filter.shape;
  if (fci !== ci) {
    throw new Error(`${BINARY_CONV}: filter has ${fci} input channels, x has ${ci}`);
  }
  if (kh * kw * ci >= MAX_EXACT_TAPS) {
    throw new Error(`${BINARY_CONV}: kh·kw·C = ${kh * kw * ci} is not below 2^24 (inexact)`);
  }
  const alphaSize = alpha ? alpha.shape.reduce((p, d) => p * d, 1) : 0;
  if (alpha && alphaSize !== 1 && alphaSize !== co) {
    throw new Error(`${BINARY_CONV}: alpha must hold 1 or ${co} values; got [${alpha.shape}]`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    undefined,
    false,
    "channelsLast",
  );
  const words = Math.ceil(ci / 64);
  // Every allocation before the pointers of the output are taken (allocating may grow the heap).
  const xp = heapScratch("binary x", n * h * w * words * 8);
  const blocks = Math.ceil(co / 8);
  const wp = heapScratch("binary w", blocks * 8 * kh * kw * words * 8);
  const { outHeight: ho, outWidth: wo } = info;
  const y = b.makeOutput([n, ho, wo, co], "float32");
  if (y.shape.includes(0) || x.shape.includes(0)) return y;
  const ptr = (t?: tf.TensorInfo) => (t ? heapPointer(b, t) : 0);
  pool.run("bin_pack", { args: [ptr(x), xp, ci, words], units: n * h * w });
  pool.run("bin_pack_filter", { args: [ptr(filter), wp, kh * kw, ci, co, words], units: blocks });
  const mode = !alpha ? 0 : alphaSize === co && co > 1 ? 2 : 1;
  const a = [xp, wp, ptr(alpha), ptr(bias), ptr(y), h, w, ci, words, ho, wo, co, kh, kw];
  a.push(info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, mode);
  a.push(vpopcnt ? 1 : 0);
  pool.run("bin_conv", { args: a, units: n * ho });
  return y;
}

function ensureRegistered(): void {
  if (tf.getKernel(BINARY_CONV, "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: BINARY_CONV,
    backendName: "wasm",
    kernelFunc: binaryConvKernel,
  });
}

/** Options of {@link binaryConv2d} and {@link binaryDense}. */
export interface BinaryProductOptions {
  /** α: `[channels]` (per output channel) or `[]` / `[1]` (per layer); omitted: 1. */
  alpha?: tf.Tensor;
  /** Bias of `channels` values; omitted: none. */
  bias?: tf.Tensor;
}

/** Options of {@link binaryConv2d}. */
export interface BinaryConv2DOptions extends BinaryProductOptions {
  /** Strides (height, width). Default [1, 1]. */
  strides?: [number, number];
  /** Default "valid". */
  padding?: "same" | "valid";
}

function runForward(
  x: tf.Tensor,
  k: tf.Tensor,
  extra: { alpha?: tf.Tensor; bias?: tf.Tensor; attrs: BinaryConvAttrs },
): tf.Tensor {
  ensureRegistered();
  const inputs: Record<string, tf.Tensor> = { x, filter: k };
  if (extra.alpha) inputs.alpha = extra.alpha;
  if (extra.bias) inputs.bias = extra.bias;
  return tf.engine().runKernel(BINARY_CONV, inputs, extra.attrs) as tf.Tensor;
}

/** Splits customGrad's arguments into (x, kernel, alpha?, bias?) and the save function. */
function unpack(args: (tf.Tensor | tf.GradSaveFunc)[], options: BinaryProductOptions) {
  const save = args[args.length - 1] as tf.GradSaveFunc;
  const t = args.slice(0, -1) as tf.Tensor[];
  const alpha = options.alpha ? t[2] : undefined;
  const bias = options.bias ? t[options.alpha ? 3 : 2] : undefined;
  return { x: t[0], k: t[1], alpha, bias, save };
}

function inputsOf(x: tf.Tensor, k: tf.Tensor, options: BinaryProductOptions): tf.Tensor[] {
  return [x, k, ...(options.alpha ? [options.alpha] : []), ...(options.bias ? [options.bias] : [])];
}

/**
 * The gradients of α and the bias of `y = f(x, α·k) + b`, given `dw` = ∂L/∂(α·k) and the upstream
 * `dy`: tfjs's own broadcast-multiply and broadcast-add gradients (mul, then sum over the
 * broadcast axes, then reshape).
 */
function scaleAndBiasGrads(
  dy: tf.Tensor,
  dw: tf.Tensor,
  t: { k: tf.Tensor; alpha?: tf.Tensor; bias?: tf.Tensor },
): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  if (t.alpha) {
    const axes = reductionAxes(t.alpha.shape, dw.shape);
    const p = tf.mul(dw, t.k);
    out.push(tf.reshape(axes.length ? tf.sum(p, axes) : p, t.alpha.shape));
  }
  if (t.bias) {
    const axes = reductionAxes(t.bias.shape, dy.shape);
    out.push(tf.reshape(axes.length ? tf.sum(dy, axes) : dy, t.bias.shape));
  }
  return out;
}

function reductionAxes(shape: number[], outShape: number[]): number[] {
  return tf.backend_util.getReductionAxes(shape, outShape);
}

/**
 * `s · conv2d(xq, k) (+ bias)` by XNOR–popcount, for ±1 tensors `xq` (NHWC) and `k` (HWIO),
 * with the float path's gradients (see the module doc). Dilation 1. Needs
 * {@link binaryForwardAvailable}; the values of `xq` and `k` are read by sign only (sign bit set:
 * −1), so they must be exactly ±1 for the result to be the product.
 *
 * @example
 * ```ts
 * const y = binaryConv2d(xq, sign(w), { alpha, bias, strides: [1, 1], padding: "same" });
 * ```
 */
export function binaryConv2d(
  xq: tf.Tensor4D,
  k: tf.Tensor4D,
  options: BinaryConv2DOptions = {},
): tf.Tensor4D {
  const strides = options.strides ?? [1, 1];
  const pad = options.padding ?? "valid";
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = unpack(args, options);
    t.save([t.x, t.k, ...(t.alpha ? [t.alpha] : [])]);
    const value = runForward(t.x, t.k, { ...t, attrs: { strides, pad } }) as tf.Tensor4D;
    return {
      value,
      gradFunc: (dy: tf.Tensor4D) => {
        const w = t.alpha ? tf.mul(t.k, t.alpha) : t.k;
        const common = { strides, pad, dataFormat: "NHWC" as const };
        const shape4 = (s: number[]) => s as [number, number, number, number];
        const dxAttrs = {
          ...common,
          inputShape: shape4(t.x.shape),
        } satisfies tf.Conv2DBackpropInputAttrs;
        const dwAttrs = {
          ...common,
          filterShape: shape4(t.k.shape),
        } satisfies tf.Conv2DBackpropFilterAttrs;
        const dx = tf.engine().runKernel(
          tf.Conv2DBackpropInput,
          { dy, filter: w } satisfies tf.Conv2DBackpropInputInputs,
          dxAttrs,
        ) as tf.Tensor;
        const dw = tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: t.x, dy } satisfies tf.Conv2DBackpropFilterInputs,
          dwAttrs,
        ) as tf.Tensor;
        const dk = t.alpha ? tf.mul(dw, t.alpha) : dw;
        return [dx, dk, ...scaleAndBiasGrads(dy, dw, t)];
      },
    };
  });
  return f(...inputsOf(xq, k, options)) as tf.Tensor4D;
}

/**
 * `s · (xq · k) (+ bias)` by XNOR–popcount, for ±1 matrices `xq` `[batch, C]` and `k`
 * `[C, units]`, with the float path's (`BatchMatMul`) gradients. See {@link binaryConv2d}.
 */
export function binaryDense(
  xq: tf.Tensor2D,
  k: tf.Tensor2D,
  options: BinaryProductOptions = {},
): tf.Tensor2D {
  const [n, c] = xq.shape;
  const units = k.shape[1];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = unpack(args, options);
    t.save([t.x, t.k, ...(t.alpha ? [t.alpha] : [])]);
    const value = tf.tidy(() =>
      tf.reshape(
        runForward(tf.reshape(t.x, [n, 1, 1, c]), tf.reshape(t.k, [1, 1, c, units]), {
          ...t,
          attrs: { strides: [1, 1], pad: "valid" },
        }),
        [n, units],
      )
    ) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor2D) => {
        const w = t.alpha ? tf.mul(t.k, t.alpha) : t.k;
        const dx = tf.matMul(dy, w, false, true);
        const dw = tf.matMul(t.x, dy, true, false);
        const dk = t.alpha ? tf.mul(dw, t.alpha) : dw;
        return [dx, dk, ...scaleAndBiasGrads(dy, dw, t)];
      },
    };
  });
  return f(...inputsOf(xq, k, options)) as tf.Tensor2D;
}

/**
 * Registers the project's wasm training kernels with TensorFlow.js (idempotent).
 *
 * | kernel | why |
 * |---|---|
 * | `Conv2DBackpropFilter` | missing in tfjs-backend-wasm |
 * | `Conv2DBackpropInput` | wasm's own is a naive loop (several × the forward conv) |
 * | `DepthwiseConv2dNativeBackpropFilter` / `…Input` | missing in tfjs-backend-wasm |
 *
 * It also wraps wasm's forward `Conv2D`, `FusedConv2D`, `DepthwiseConv2dNative` and
 * `FusedDepthwiseConv2D` so that 'same' padding is passed explicitly (wasm's own 'same' is wrong
 * in some strided cases, see `same_pad.ts`), and replaces tfjs-core's `FusedBatchNorm` gradient by a leaner one (no full-size `Tile`),
 * see `batchnorm_grad.ts`; that one applies to every backend.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { conv2DBackpropFilter, conv2DBackpropInput } from "./conv_backprop.ts";
import { depthwiseBackpropFilter, depthwiseBackpropInput } from "./depthwise_backprop.ts";
import { registerBatchNormGrad } from "./batchnorm_grad.ts";
import { makeExplicitSame, SAME_PAD_KERNELS } from "./same_pad.ts";

const wrapped = new Map<string, tf.KernelFunc>();

/** The kernel functions the project registers for the wasm backend, by kernel name. */
export const PROJECT_WASM_KERNELS: Readonly<Record<string, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as tf.KernelFunc,
};

/**
 * Registers {@link PROJECT_WASM_KERNELS} for backend "wasm" (replacing wasm's own version where
 * one exists) and the lean batch-norm gradient. Safe to call
 * more than once. Returns the kernel names registered.
 */
export function registerWasmTrainingKernels(): string[] {
  const names = Object.keys(PROJECT_WASM_KERNELS);
  for (const kernelName of names) {
    const kernelFunc = PROJECT_WASM_KERNELS[kernelName];
    const existing = tf.getKernel(kernelName, "wasm");
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing !== undefined) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  for (const [kernelName, depthwise] of Object.entries(SAME_PAD_KERNELS)) {
    const existing = tf.getKernel(kernelName, "wasm");
    if (existing === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    if (wrapped.get(kernelName) === existing.kernelFunc) continue;
    const kernelFunc = makeExplicitSame(existing.kernelFunc, depthwise);
    wrapped.set(kernelName, kernelFunc);
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ ...existing, kernelFunc });
  }
  registerBatchNormGrad();
  return [
    ...names,
    ...Object.keys(SAME_PAD_KERNELS).map((k) => `${k} (explicit same padding)`),
    "FusedBatchNorm (gradient)",
  ];
}

/**
 * Registers the project's wasm training kernels with TensorFlow.js (idempotent).
 *
 * | kernel | why |
 * |---|---|
 * | `Conv2DBackpropFilter` | missing in tfjs-backend-wasm |
 * | `Conv2DBackpropInput` | wasm's own is a naive loop (several × the forward conv) |
 * | `DepthwiseConv2dNativeBackpropFilter` / `…Input` | missing in tfjs-backend-wasm |
 * | `MaxPoolGrad` | one JS pass over the heap is several × faster than wasm's kernel |
 *
 * It also wraps wasm's forward `Conv2D`, `FusedConv2D`, `DepthwiseConv2dNative` and
 * `FusedDepthwiseConv2D` so that 'same' padding is passed explicitly (wasm's own 'same' is wrong
 * in some strided cases, see `same_pad.ts`), runs `Conv2D` / `FusedConv2D` on the native FMA
 * kernel where it applies (`conv_forward.ts`), makes `Identity` share data instead of copying
 * (`identity.ts`), makes `Slice` copy heap to heap (`slice.ts`), runs `MaxPool` on the native pool
 * (`max_pool.ts`), reduces over leading axes without wasm's full transpose (`reduce.ts`), runs
 * large `FusedBatchNorm` on the native SIMD pool (`elementwise.ts`), makes `BatchMatMul`'s
 * transposes explicit (`matmul.ts`), and
 * replaces tfjs-core's `FusedBatchNorm` gradient by a leaner one (no full-size `Tile`),
 * see `batchnorm_grad.ts`; that one applies to every backend.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { conv2DBackpropFilter, conv2DBackpropInput } from "./conv_backprop.ts";
import { depthwiseBackpropFilter, depthwiseBackpropInput } from "./depthwise_backprop.ts";
import { maxPoolGrad } from "./max_pool_grad.ts";
import { registerBatchNormGrad } from "./batchnorm_grad.ts";
import { makeExplicitSame, SAME_PAD_KERNELS } from "./same_pad.ts";
import { makeNativeConv2D } from "./conv_forward.ts";
import { makeIdentity } from "./identity.ts";
import { makeSlice } from "./slice.ts";
import { makeMaxPool } from "./max_pool.ts";
import { makeMean, makeSum } from "./reduce.ts";
import { makeArith, makeCast, makeFusedBatchNorm, makeRelu } from "./elementwise.ts";
import { makeBatchMatMul } from "./matmul.ts";
import { registerReluGrad } from "./relu_grad.ts";
import { registerFusedAdam } from "./adam.ts";

const wrapped = new Map<string, tf.KernelFunc>();
const originals = new Map<string, tf.KernelFunc>();

/**
 * wasm's own kernel that the project's wrapper of `kernelName` replaced (after
 * {@link registerWasmTrainingKernels}), for tests that compare the two; undefined if not wrapped.
 */
export function originalWasmKernel(kernelName: string): tf.KernelFunc | undefined {
  return originals.get(kernelName);
}

/** The kernel functions the project registers for the wasm backend, by kernel name. */
export const PROJECT_WASM_KERNELS: Readonly<Record<string, tf.KernelFunc>> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as tf.KernelFunc,
  MaxPoolGrad: maxPoolGrad as unknown as tf.KernelFunc,
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
  const wrappers: [string, (f: tf.KernelFunc) => tf.KernelFunc][] = [
    ...Object.entries(SAME_PAD_KERNELS).map(([k, dw]) =>
      [k, (f: tf.KernelFunc) => {
        const same = makeExplicitSame(f, dw);
        return dw ? same : makeNativeConv2D(same);
      }] as [string, typeof makeIdentity]
    ),
    ["Identity", makeIdentity],
    ["Slice", makeSlice],
    ["MaxPool", makeMaxPool],
    ["Sum", makeSum],
    ["Mean", makeMean],
    ["FusedBatchNorm", makeFusedBatchNorm],
    ["Cast", makeCast],
    ["Relu", makeRelu],
    ["Multiply", makeArith("Multiply")],
    ["Add", makeArith("Add")],
    ["Sub", makeArith("Sub")],
    ["BatchMatMul", makeBatchMatMul],
  ];
  for (const [kernelName, make] of wrappers) {
    const existing = tf.getKernel(kernelName, "wasm");
    if (existing === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    if (wrapped.get(kernelName) === existing.kernelFunc) continue;
    const kernelFunc = make(existing.kernelFunc);
    originals.set(kernelName, existing.kernelFunc);
    wrapped.set(kernelName, kernelFunc);
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ ...existing, kernelFunc });
  }
  registerBatchNormGrad();
  registerReluGrad();
  registerFusedAdam();
  return [
    ...names,
    ...Object.keys(SAME_PAD_KERNELS).map((k) => `${k} (explicit same padding)`),
    "Conv2D, FusedConv2D (native FMA kernel: linear / relu, dilation 1)",
    "Identity (no copy)",
    "Slice (heap to heap; the whole tensor: no copy)",
    "MaxPool (native, XNNPACK's operand order: 2 to 9 elements)",
    "Sum, Mean (leading axes)",
    "FusedBatchNorm (native, per-channel), Cast (same dtype: no copy), Relu (native)",
    "Multiply, Add, Sub (native from 2^18 elements: full, scalar or per-channel operands)",
    "BatchMatMul (transposes made explicit)",
    "FusedBatchNorm (gradient)",
    "Relu (gradient: one native pass)",
    "Adam (tf.AdamOptimizer: one native pass per variable)",
  ];
}

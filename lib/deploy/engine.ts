/**
 * The deploy engine: runs a {@link DeployModel} on images with XNOR–popcount arithmetic for the
 * binary layers (WebAssembly SIMD, or the TypeScript fallback) and plain float loops for the
 * full-precision ones. No tfjs and no Deno APIs: the same module runs in a browser.
 *
 * ```ts
 * const engine = createEngine(decodeModel(bytes));
 * const logits = engine.predict(image); // Float32Array [H·W·C] in → outputs
 * ```
 *
 * @module
 */
import { poolBits, poolOrMask } from "./bit_ops.ts";
import { poolFloat, window2d } from "./float_ops.ts";
import { type BnnLimits, type DeployModel, type DeployOp, validateModel } from "./format.ts";
import {
  activateRows,
  compileConv,
  compileDense,
  type Ctx,
  isBinary,
  type Step,
  toFloatInput,
  type Value,
} from "./linear_ops.ts";
import { createKernel, type PopcountKernel } from "./wasm.ts";
import { createNativeKernel } from "./native_kernel.ts";

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /**
   * Kernel choice; default the native library (Deno FFI) where it loads, else WebAssembly SIMD
   * when available, else TypeScript. "native" throws where the native kernel cannot run.
   */
  prefer?: "native" | "wasm" | "js";
  /** Accumulate the time of each op into {@link BinaryEngine.profile}. */
  profile?: boolean;
  /** Limits the model is validated against before compiling (default `BNN_LIMITS`). */
  limits?: Partial<BnnLimits>;
}

/** A compiled deployed model. */
export interface BinaryEngine {
  /** The popcount kernel in use ("native x86-64 AVX-512", …, "wasm-simd" or "js"). */
  readonly kernel: string;
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Per-op accumulated milliseconds (when profiling), keyed by `index:type:name`. */
  readonly profile: Map<string, { ms: number; binary: boolean }>;
  /** Runs one image (length = product of inputShape, HWC order). */
  predict(input: Float32Array): Float32Array;
  /** Runs `n` images stored back to back; returns n × outputs. */
  predictBatch(inputs: Float32Array, n: number): Float32Array;
}

function compileOp(ctx: Ctx, op: DeployOp, shape: number[]): [Step, number[]] {
  switch (op.type) {
    case "conv":
      return compileConv(ctx, { op, shape });
    case "dense":
      return compileDense(ctx, { op, shape });
    case "maxpool": {
      if (shape.length !== 3) throw new Error(`deploy engine: maxpool ${op.name} needs [H, W, C]`);
      const g = window2d({ h: shape[0], w: shape[1] }, {
        k: [op.ph, op.pw],
        strides: op.strides,
        padding: op.padding,
      });
      const out = [g.oh, g.ow, shape[2]];
      const orMask = poolOrMask(shape[2], op.mode);
      const pg = { ...g, cw: orMask.length };
      return [
        (v) =>
          v.bits
            ? {
              bits: ctx.kernel.poolBits
                ? ctx.kernel.poolBits(v.bits, pg, orMask)
                : poolBits(v.bits, { window: g, channels: shape[2], mode: op.mode }),
              shape: out,
              group: shape[2],
            }
            : {
              float: poolFloat(v.float!, { window: g, channels: shape[2], mode: op.mode }),
              shape: out,
              group: shape[2],
            },
        out,
      ];
    }
    case "flatten": {
      const out = [shape.reduce((a, b) => a * b, 1)];
      return [(v) => ({ ...v, shape: out }), out];
    }
    case "batchnorm": {
      const c = shape[shape.length - 1];
      return [(v) => {
        const x = toFloatInput(v, { op: { name: op.name, input: "float" } });
        const float = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) float[i] = op.scale[i % c] * x[i] + op.shift[i % c];
        return { float, shape, group: v.group };
      }, shape];
    }
    case "activation":
      return [(v) => {
        const float = Float32Array.from(
          toFloatInput(v, { op: { name: op.name, input: "float" } }),
        );
        activateRows(float, { activation: op.activation, c: shape[shape.length - 1] });
        return { float, shape, group: v.group };
      }, shape];
    default:
      throw new Error(`deploy engine: unknown op type ${JSON.stringify((op as DeployOp).type)}`);
  }
}

function pickKernel(prefer: EngineOptions["prefer"]): PopcountKernel {
  if (prefer === undefined || prefer === "native") {
    const k = createNativeKernel();
    if (typeof k !== "string") return k;
    if (prefer === "native") {
      throw new Error(`deploy engine: the native popcount kernel cannot run here: ${k}`);
    }
  }
  return createKernel({ prefer: prefer === "js" ? "js" : undefined });
}

/**
 * Compiles `model` (uploads binary weights to the popcount kernel). Validates the model first
 * (`validateModel`): a malformed one throws a `BnnFormatError` before anything is allocated.
 */
export function createEngine(model: DeployModel, options: EngineOptions = {}): BinaryEngine {
  validateModel(model, { limits: options.limits });
  const kernel = pickKernel(options.prefer);
  const eps = model.signEpsilon ?? 0;
  if (!(eps >= 0)) throw new Error(`deploy engine: signEpsilon must be ≥ 0, got ${eps}`);
  const ctx: Ctx = { kernel, eps };
  const steps: { key: string; binary: boolean; run: Step }[] = [];
  let shape = model.inputShape;
  model.ops.forEach((op, i) => {
    const [run, out] = compileOp(ctx, op, shape);
    steps.push({ key: `${i}:${op.type}:${op.name}`, binary: isBinary(op), run });
    shape = out;
  });
  const inSize = model.inputShape.reduce((a, b) => a * b, 1);
  const outSize = shape.reduce((a, b) => a * b, 1);
  const profile = new Map<string, { ms: number; binary: boolean }>();
  /** The outputs of one image, in the last op's buffer (valid until the next image). */
  const run = (input: Float32Array): Float32Array => {
    if (input.length !== inSize) {
      throw new Error(`deploy engine: input has ${input.length} values, expected ${inSize}`);
    }
    const inShape = model.inputShape;
    let v: Value = { float: input, shape: inShape, group: inShape[inShape.length - 1] };
    for (const s of steps) {
      if (!options.profile) {
        v = s.run(v);
        continue;
      }
      const t0 = performance.now();
      v = s.run(v);
      const e = profile.get(s.key) ?? { ms: 0, binary: s.binary };
      e.ms += performance.now() - t0;
      profile.set(s.key, e);
    }
    if (!v.float) throw new Error("deploy engine: the last op must produce float outputs");
    return v.float;
  };
  return {
    kernel: kernel.name,
    inputShape: model.inputShape,
    outputShape: shape,
    profile,
    // A copy: the ops reuse their buffers for the next image.
    predict: (input) => run(input).slice(),
    predictBatch(inputs: Float32Array, n: number): Float32Array {
      if (inputs.length !== n * inSize) {
        throw new Error(
          `deploy engine: batch has ${inputs.length} values, expected ${n}×${inSize}`,
        );
      }
      const out = new Float32Array(n * outSize);
      for (let i = 0; i < n; i++) {
        out.set(run(inputs.subarray(i * inSize, (i + 1) * inSize)), i * outSize);
      }
      return out;
    },
  };
}

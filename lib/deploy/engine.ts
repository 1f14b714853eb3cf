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
import { unpackSigns, wordsFor } from "./bits.ts";
import {
  binaryConv,
  binaryDense,
  type BinaryOutput,
  type BinaryResult,
  prepareBinary,
} from "./binary_ops.ts";
import { binarize, poolBits } from "./bit_ops.ts";
import { activate, convFloat, denseFloat, poolFloat, signFloat, window2d } from "./float_ops.ts";
import type { ConvOp, DenseOp, DeployModel, DeployOp } from "./format.ts";
import { createKernel, type PopcountKernel } from "./wasm.ts";

/** An intermediate value: float data or packed sign bits, with its shape. */
interface Value {
  float?: Float32Array;
  bits?: Uint32Array;
  /** [H, W, C] or [N]. */
  shape: number[];
  /** For flattened bits: channels per packed group. */
  group: number;
}

type Step = (v: Value) => Value;

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** Kernel choice; default WebAssembly SIMD when available. */
  prefer?: "wasm" | "js";
  /** Accumulate the time of each op into {@link BinaryEngine.profile}. */
  profile?: boolean;
}

/** A compiled deployed model. */
export interface BinaryEngine {
  /** The popcount kernel in use ("wasm-simd" or "js"). */
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

function isBinary(op: DeployOp): boolean {
  return (op.type === "conv" || op.type === "dense") && op.input === "sign" &&
    op.kernel === "binary";
}

function toFloatInput(v: Value, op: ConvOp | DenseOp, eps = 0): Float32Array {
  if (v.float) return op.input === "sign" ? signFloat(v.float, eps) : v.float;
  if (op.input !== "sign") {
    throw new Error(`deploy engine: op ${op.name} needs float input but gets packed bits`);
  }
  const c = v.group;
  const positions = v.shape.reduce((a, b) => a * b, 1) / c;
  const cw = wordsFor(c);
  const out = new Float32Array(positions * c);
  for (let p = 0; p < positions; p++) {
    out.set(unpackSigns(v.bits!, { length: c, offset: p * cw }), p * c);
  }
  return out;
}

function floatWeights(
  op: ConvOp | DenseOp,
  rows: number,
  cols: number,
  group: number,
): Float32Array {
  if (op.kernel === "float") return op.weights as Float32Array;
  // Binary kernel with float input: expand sign bits to ±1 in the float layout [rows][cols].
  const bits = op.weights as Uint32Array;
  const gw = wordsFor(group), groups = rows / group;
  const w = new Float32Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const signs = new Float32Array(rows);
    for (let gi = 0; gi < groups; gi++) {
      signs.set(unpackSigns(bits, { length: group, offset: (j * groups + gi) * gw }), gi * group);
    }
    for (let i = 0; i < rows; i++) w[i * cols + j] = signs[i];
  }
  return w;
}

function outputSpec(op: ConvOp | DenseOp): BinaryOutput {
  return op.threshold && op.direction
    ? { kind: "bits", threshold: op.threshold, direction: op.direction }
    : { kind: "float", scale: op.scale, shift: op.shift };
}

function finish(op: ConvOp | DenseOp, r: BinaryResult, shape: number[], c: number): Value {
  if (r.bits) return { bits: r.bits, shape, group: c };
  activateRows(r.float!, op.activation, c);
  return { float: r.float, shape, group: c };
}

function activateRows(v: Float32Array, activation: ConvOp["activation"], c: number): void {
  if (activation !== "softmax") return activate(v, activation);
  for (let o = 0; o < v.length; o += c) activate(v, activation, { offset: o, length: c });
}

function compileConv(ctx: Ctx, op: ConvOp, shape: number[]): [Step, number[]] {
  const { kernel, eps } = ctx;
  if (shape.length !== 3 || shape[2] !== op.cin) {
    throw new Error(`deploy engine: conv ${op.name} expects [H, W, ${op.cin}], got [${shape}]`);
  }
  const g = window2d({ h: shape[0], w: shape[1] }, {
    k: [op.kh, op.kw],
    strides: op.strides,
    padding: op.padding,
  });
  const out = [g.oh, g.ow, op.cout];
  if (isBinary(op)) {
    const cw = wordsFor(op.cin), taps = op.kh * op.kw;
    const prep = prepareBinary(kernel, op.weights as Uint32Array, {
      cout: op.cout,
      taps,
      cw,
      cin: op.cin,
      rows: g.oh * g.ow,
    });
    const spec = outputSpec(op);
    return [(v) => {
      const bits = v.bits ??
        binarize(v.float!, { positions: shape[0] * shape[1], c: op.cin }, { epsilon: eps });
      return finish(
        op,
        binaryConv(kernel, prep, { window: g, input: bits, output: spec }),
        out,
        op.cout,
      );
    }, out];
  }
  const rows = op.kh * op.kw * op.cin;
  // Binary kernels with float input: [cout][kh][kw][cw] bits → [kh][kw][cin][cout] ±1 floats.
  const w = floatWeights(op, rows, op.cout, op.cin);
  return [(v) => {
    const float = convFloat(toFloatInput(v, op, eps), {
      window: g,
      cin: op.cin,
      cout: op.cout,
      w,
      scale: op.scale,
      shift: op.shift,
    });
    activateRows(float, op.activation, op.cout);
    return { float, shape: out, group: op.cout };
  }, out];
}

function compileDense(ctx: Ctx, op: DenseOp, shape: number[]): [Step, number[]] {
  const { kernel, eps } = ctx;
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== 1 || n !== op.inFeatures) {
    throw new Error(`deploy engine: dense ${op.name} expects [${op.inFeatures}], got [${shape}]`);
  }
  const out = [op.units];
  if (isBinary(op)) {
    const cw = wordsFor(op.group), taps = op.inFeatures / op.group;
    const prep = prepareBinary(kernel, op.weights as Uint32Array, {
      cout: op.units,
      taps,
      cw,
      cin: op.group,
      rows: 1,
    });
    const spec = outputSpec(op);
    return [(v) => {
      if (v.bits && v.group !== op.group) {
        throw new Error(
          `deploy engine: dense ${op.name} packs groups of ${op.group}, input ${v.group}`,
        );
      }
      const bits = v.bits ?? binarize(v.float!, { positions: taps, c: op.group }, { epsilon: eps });
      return finish(
        op,
        binaryDense(kernel, prep, { input: bits, inFeatures: op.inFeatures, output: spec }),
        out,
        op.units,
      );
    }, out];
  }
  const w = floatWeights(op, op.inFeatures, op.units, op.group);
  return [(v) => {
    const float = denseFloat(toFloatInput(v, op, eps), op.units, {
      w,
      scale: op.scale,
      shift: op.shift,
    });
    activate(float, op.activation);
    return { float, shape: out, group: op.units };
  }, out];
}

/** Compile-time context shared by the ops of one model. */
interface Ctx {
  kernel: PopcountKernel;
  eps: number;
}

function compileOp(ctx: Ctx, op: DeployOp, shape: number[]): [Step, number[]] {
  switch (op.type) {
    case "conv":
      return compileConv(ctx, op, shape);
    case "dense":
      return compileDense(ctx, op, shape);
    case "maxpool": {
      if (shape.length !== 3) throw new Error(`deploy engine: maxpool ${op.name} needs [H, W, C]`);
      const g = window2d({ h: shape[0], w: shape[1] }, {
        k: [op.ph, op.pw],
        strides: op.strides,
        padding: op.padding,
      });
      const out = [g.oh, g.ow, shape[2]];
      return [
        (v) =>
          v.bits
            ? {
              bits: poolBits(v.bits, { window: g, channels: shape[2], mode: op.mode }),
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
        const x = toFloatInput(v, { ...op, input: "float" } as unknown as DenseOp);
        const float = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) float[i] = op.scale[i % c] * x[i] + op.shift[i % c];
        return { float, shape, group: v.group };
      }, shape];
    }
    case "activation":
      return [(v) => {
        const float = Float32Array.from(
          toFloatInput(v, { name: op.name, input: "float" } as DenseOp),
        );
        activateRows(float, op.activation, shape[shape.length - 1]);
        return { float, shape, group: v.group };
      }, shape];
    default:
      throw new Error(`deploy engine: unknown op type ${JSON.stringify((op as DeployOp).type)}`);
  }
}

/** Compiles `model` (uploads binary weights to the popcount kernel, checks shapes). */
export function createEngine(model: DeployModel, options: EngineOptions = {}): BinaryEngine {
  const kernel = createKernel({ prefer: options.prefer });
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
  const predict = (input: Float32Array): Float32Array => {
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
    predict,
    predictBatch(inputs: Float32Array, n: number): Float32Array {
      if (inputs.length !== n * inSize) {
        throw new Error(
          `deploy engine: batch has ${inputs.length} values, expected ${n}×${inSize}`,
        );
      }
      const out = new Float32Array(n * outSize);
      for (let i = 0; i < n; i++) {
        out.set(predict(inputs.subarray(i * inSize, (i + 1) * inSize)), i * outSize);
      }
      return out;
    },
  };
}

/**
 * Compilation of conv and dense ops for the deploy engine (binary XNOR–popcount or float), and
 * the value type passed between ops. Used by `engine.ts`. Pure TypeScript: no tfjs, no Deno APIs.
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
  prepareConvThresholds,
  prepareDenseThresholds,
} from "./binary_ops.ts";
import { binarize } from "./bit_ops.ts";
import { activate, convFloat, denseFloat, signFloat, window2d } from "./float_ops.ts";
import { maddIsFused, nearTieBounds, prepareNearTies } from "./exact_ties.ts";
import type { ConvOp, DenseOp, DeployOp } from "./format.ts";
import type { PopcountKernel } from "./wasm.ts";

/** An intermediate value: float data or packed sign bits, with its shape. */
export interface Value {
  float?: Float32Array;
  bits?: Uint32Array;
  /** [H, W, C] or [N]. */
  shape: number[];
  /** For flattened bits: channels per packed group. */
  group: number;
}

/** One compiled op. */
export type Step = (v: Value) => Value;

/** Compile-time context shared by the ops of one model. */
export interface Ctx {
  kernel: PopcountKernel;
  eps: number;
}

/** Whether an op is binary×binary (sign input, binary kernel). */
export function isBinary(op: DeployOp): boolean {
  return (op.type === "conv" || op.type === "dense") && op.input === "sign" &&
    op.kernel === "binary";
}

/** The float input of an op (signs as ±1 for sign inputs; packed bits unpacked). */
export function toFloatInput(
  v: Value,
  spec: { op: Pick<ConvOp | DenseOp, "name" | "input">; eps?: number },
): Float32Array {
  const { op } = spec, eps = spec.eps ?? 0;
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

/** `binarize` on the kernel where it has one (the native library), else in TypeScript. */
function binarizeOn(
  kernel: PopcountKernel,
  x: Float32Array,
  shape: { positions: number; c: number },
  epsilon: number,
): Uint32Array {
  return kernel.binarize ? kernel.binarize(x, shape, epsilon) : binarize(x, shape, { epsilon });
}

function outputSpec(op: ConvOp | DenseOp): BinaryOutput {
  return op.threshold && op.direction
    ? { kind: "bits", threshold: op.threshold, direction: op.direction }
    : { kind: "float", scale: op.scale, shift: op.shift };
}

function finish(op: ConvOp | DenseOp, r: BinaryResult, shape: number[], c: number): Value {
  if (r.bits) return { bits: r.bits, shape, group: c };
  activateRows(r.float!, { activation: op.activation, c });
  return { float: r.float, shape, group: c };
}

/** Applies an activation per row of `c` values (softmax per row). */
export function activateRows(
  v: Float32Array,
  spec: { activation: ConvOp["activation"]; c: number },
): void {
  const { activation, c } = spec;
  if (activation !== "softmax") return activate(v, activation);
  for (let o = 0; o < v.length; o += c) activate(v, activation, { offset: o, length: c });
}

/** Compiles a conv op for input `shape` [H, W, C]: the step and its output shape. */
export function compileConv(ctx: Ctx, spec: { op: ConvOp; shape: number[] }): [Step, number[]] {
  const { op, shape } = spec;
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
    const thresholds = spec.kind === "bits"
      ? prepareConvThresholds(kernel, prep, { window: g, output: spec })
      : undefined;
    return [(v) => {
      const bits = v.bits ?? binarizeOn(kernel, v.float!, {
        positions: shape[0] * shape[1],
        c: op.cin,
      }, eps);
      return finish(
        op,
        binaryConv(kernel, prep, { window: g, input: bits, output: spec, thresholds }),
        out,
        op.cout,
      );
    }, out];
  }
  const rows = op.kh * op.kw * op.cin;
  // Binary kernels with float input: [cout][kh][kw][cw] bits → [kh][kw][cin][cout] ±1 floats.
  const w = floatWeights(op, rows, op.cout, op.cin);
  const tieConv = op.tieMean && op.tieScale && op.tieShift && maddIsFused() !== null
    ? {
      window: g,
      cin: op.cin,
      cout: op.cout,
      w,
      tie: { bias: op.tieBias, mean: op.tieMean, scale: op.tieScale, shift: op.tieShift },
    }
    : undefined;
  const fixTies = tieConv && prepareNearTies(tieConv);
  // One output buffer per compiled conv, reused image after image: a fresh large array costs
  // page faults on every image (see docs/deploy.md, "Speed"). The engine copies its final output.
  let buffer: Float32Array | undefined;
  // The native kernel's float conv where there is one (the same floats, see convFloat), which
  // also finds the positions holding near-ties (so the TypeScript test skips the others).
  const native = kernel.uploadConvFloat?.(
    w,
    { cin: op.cin, cout: op.cout, taps: op.kh * op.kw },
    { scale: op.scale, shift: op.shift },
    tieConv && nearTieBounds(tieConv),
  );
  const near = native && tieConv ? new Int32Array(g.oh * g.ow) : undefined;
  return [(v) => {
    const x = toFloatInput(v, { op, eps });
    buffer ??= new Float32Array(g.oh * g.ow * op.cout);
    const params = { window: g, cin: op.cin, cout: op.cout, w, scale: op.scale, shift: op.shift };
    const float = native && kernel.convFloat
      ? (kernel.convFloat(x, g, native, buffer, near), buffer)
      : convFloat(x, { ...params, out: buffer });
    fixTies?.(float, x, near);
    activateRows(float, { activation: op.activation, c: op.cout });
    return { float, shape: out, group: op.cout };
  }, out];
}

/** Compiles a dense op for input `shape` [N]: the step and its output shape. */
export function compileDense(ctx: Ctx, spec: { op: DenseOp; shape: number[] }): [Step, number[]] {
  const { op, shape } = spec;
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
    const thresholds = spec.kind === "bits"
      ? prepareDenseThresholds(kernel, prep, { inFeatures: op.inFeatures, output: spec })
      : undefined;
    return [(v) => {
      if (v.bits && v.group !== op.group) {
        throw new Error(
          `deploy engine: dense ${op.name} packs groups of ${op.group}, input ${v.group}`,
        );
      }
      const bits = v.bits ??
        binarizeOn(kernel, v.float!, { positions: taps, c: op.group }, eps);
      return finish(
        op,
        binaryDense(kernel, prep, {
          input: bits,
          inFeatures: op.inFeatures,
          output: spec,
          thresholds,
        }),
        out,
        op.units,
      );
    }, out];
  }
  const w = floatWeights(op, op.inFeatures, op.units, op.group);
  return [(v) => {
    const float = denseFloat(toFloatInput(v, { op, eps }), op.units, {
      w,
      scale: op.scale,
      shift: op.shift,
    });
    activate(float, op.activation);
    return { float, shape: out, group: op.units };
  }, out];
}

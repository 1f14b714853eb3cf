/**
 * The `.bnn` file format ("BNN packed", version 2) and its in-memory form {@link DeployModel}.
 * Pure TypeScript: no tfjs, no Deno APIs (encode/decode work on `Uint8Array`s in any host).
 *
 * ## Layout (all integers little-endian)
 *
 * | bytes            | content                                                              |
 * |------------------|----------------------------------------------------------------------|
 * | 0–3              | magic `"BNNP"` (0x42 0x4E 0x4E 0x50)                                  |
 * | 4–7              | u32 format version = 2                                               |
 * | 8–11             | u32 header length H (bytes, a multiple of 16 so the payload is 16-aligned) |
 * | 12–15            | u32 CRC-32 (zlib) of bytes 0–11 and 16…end                           |
 * | 16 … 16+H−1      | header: UTF-8 JSON, right-padded with spaces                         |
 * | 16+H …           | payload: the tensors, each at a 16-byte-aligned offset, no overlaps, no trailing bytes |
 *
 * Version 1 files (no checksum field: header at byte 12, (12 + H) a multiple of 16) still load,
 * with the same validation but no integrity check. {@link decodeModel} validates every field
 * against the file and {@link BNN_LIMITS} before allocating anything ({@link validateModel});
 * a malformed file gives one {@link BnnFormatError} naming the file and the field.
 *
 * The header is `{format: "bnn-packed", version: 2, inputShape, outputShape, signEpsilon, ops,
 * meta}` (`signEpsilon`: see {@link DeployModel.signEpsilon}; absent = 0). Every
 * tensor inside `ops` is written as `{"$t": "f32" | "u32" | "i8", "offset": bytes from payload
 * start, "length": elements}`. Ops run in order, each consuming the previous op's output:
 *
 * - `conv` `{kh, kw, cin, cout, strides: [sh, sw], padding: "same" | "valid", input: "float" |
 *   "sign", kernel: "float" | "binary", weights, scale, shift, activation, threshold?, direction?}`
 *   - `kernel: "binary"`: `weights` is u32 `[cout][kh][kw][⌈cin/32⌉]`: sign(W) packed 32 per word,
 *     bit 1 = +1, LSB first, padding bits 0. `kernel: "float"`: f32 `[kh][kw][cin][cout]` (tfjs
 *     layout).
 *   - `input: "sign"`: the input is binarized with sign (sign(0) = +1) before the convolution;
 *     `"float"` uses it as is.
 *   - Raw output r = Σ input·weight, with ±1 for the binary sides and **0 for zero-padded
 *     positions** ('same' padding pads the *binarized* input with 0, as tfjs does). For a
 *     binary×binary conv, r = n_valid − 2·popcount(x XOR w) where n_valid counts only the taps
 *     inside the image.
 *   - Output v_c = scale_c·r + shift_c. `scale` folds α_c (per-channel or per-layer scale of the
 *     kernel) and a following batch norm; `shift` folds the bias and the batch norm shift.
 *     Then `activation` ∈ linear | relu | softmax | sigmoid | tanh.
 *   - `tieBias?`, `tieMean`, `tieScale`, `tieShift` (f32, float convs whose batch norm was folded
 *     in): the float32 recipe of the float simulation, `v = ((y + bias − mean)·scale) + shift`
 *     rounded step by step, which the engine uses for outputs within rounding error of 0.
 *   - `threshold` (f32) / `direction` (i8) are present when the output feeds a sign directly
 *     (through max-pools and flatten only); `scale`/`shift` are then empty. The output bit is
 *     1 (= +1) iff
 *     `direction = 1 ∧ r ≥ threshold`, `direction = −1 ∧ r ≤ threshold`, or `direction = 0 ∧
 *     threshold ≤ 0`. This equals sign(v_c) with sign(0) = +1 (the comparisons include equality);
 *     with `signEpsilon` ε > 0 the thresholds encode [v_c > −ε] instead.
 * - `dense` `{inFeatures, units, group, input, kernel, weights, scale, shift, activation,
 *   threshold?, direction?}`: as conv with binary weights u32 `[units][inFeatures/group][⌈group/32⌉]`
 *   (input features are packed per group of `group` = channels of the flattened `[H, W, C]` map, so
 *   the packed activations of a conv can be flattened without repacking) or f32 `[inFeatures][units]`.
 * - `maxpool` `{ph, pw, strides, padding, mode?}`: max pooling; `mode` (i8 per channel, optional)
 *   is −1 where the pool takes the *minimum* instead (a batch norm with negative slope folded
 *   through the pool: BN(max y) = min BN(y) when γ/σ < 0). On bits, max = OR and min = AND.
 * - `batchnorm` `{scale, shift}`: v = scale·x + shift per channel (a batch norm that could not be
 *   folded into a preceding layer).
 * - `flatten` `{}` and `activation` `{activation}`.
 *
 * @module
 */

/** An activation function the engine implements. */
export type Activation = "linear" | "relu" | "softmax" | "sigmoid" | "tanh";

/** Fields shared by conv and dense ops. */
export interface LinearOpBase {
  /** Layer name in the source model. */
  name: string;
  input: "float" | "sign";
  kernel: "float" | "binary";
  weights: Float32Array | Uint32Array;
  scale: Float32Array;
  shift: Float32Array;
  activation: Activation;
  threshold?: Float32Array;
  direction?: Int8Array;
}

/** A 2-D convolution (NHWC, kernel [kh, kw, cin, cout]). */
export interface ConvOp extends LinearOpBase {
  type: "conv";
  /**
   * Float convs with a folded batch norm: the float32 recipe of the float simulation (conv bias,
   * moving mean, fround(γ/√(σ² + ε)), β), used to settle outputs within rounding of 0 exactly
   * as the simulation does (see `exact_ties.ts`). Optional; absent in older files.
   */
  tieBias?: Float32Array;
  /** See {@link ConvOp.tieBias}. */
  tieMean?: Float32Array;
  /** See {@link ConvOp.tieBias}. */
  tieScale?: Float32Array;
  /** See {@link ConvOp.tieBias}. */
  tieShift?: Float32Array;
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  strides: [number, number];
  padding: "same" | "valid";
}

/** A fully connected layer. */
export interface DenseOp extends LinearOpBase {
  type: "dense";
  inFeatures: number;
  units: number;
  group: number;
}

/** Max (or per-channel min) pooling. */
export interface MaxPoolOp {
  type: "maxpool";
  name: string;
  ph: number;
  pw: number;
  strides: [number, number];
  padding: "same" | "valid";
  mode?: Int8Array;
}

/** A standalone per-channel affine (unfolded batch norm). */
export interface BatchNormOp {
  type: "batchnorm";
  name: string;
  scale: Float32Array;
  shift: Float32Array;
}

/** Flatten [H, W, C] → [H·W·C]. */
export interface FlattenOp {
  type: "flatten";
  name: string;
}

/** A standalone activation. */
export interface ActivationOp {
  type: "activation";
  name: string;
  activation: Activation;
}

/** One step of a deployed model. */
export type DeployOp = ConvOp | DenseOp | MaxPoolOp | BatchNormOp | FlattenOp | ActivationOp;

/** A deployed model: a chain of ops on one image. */
export interface DeployModel {
  format: "bnn-packed";
  /** Format version: 2 (written by {@link encodeModel}) or 1 (older files, no checksum). */
  version: 1 | 2;
  /** [H, W, C] or [features]. */
  inputShape: number[];
  outputShape: number[];
  ops: DeployOp[];
  /**
   * Binarization tie width ε ≥ 0 (default 0): a value v binarizes to +1 iff v ≥ 0 (ε = 0) or
   * v > −ε (ε > 0). ε = 2⁻²³ reproduces tfjs-wasm, whose Sign kernel returns 0 for |v| < 2⁻²³,
   * so the project's sign(v) = sign(sign(v) + 0.1) gives +1 for v ∈ (−2⁻²³, 0) on that backend.
   */
  signEpsilon?: number;
  /** Free-form provenance (source model name, export date, …). */
  meta: Record<string, unknown>;
}

/** The `.bnn` version {@link encodeModel} writes (version 1 files, without checksum, still load). */
export const BNN_FORMAT_VERSION = 2;

/**
 * A malformed or hostile `.bnn` file or {@link DeployModel}: names the file (or "model" for an
 * in-memory model) and the offending field, e.g. `ops[2].cout`.
 */
export class BnnFormatError extends Error {
  /** The file (or "model") the error is about. */
  readonly source: string;
  /** The field path, e.g. `ops[2].weights` or `checksum`. */
  readonly field: string;
  constructor(source: string, field: string, detail: string) {
    super(`${source}: ${field}: ${detail}`);
    this.name = "BnnFormatError";
    this.source = source;
    this.field = field;
  }
}

/**
 * Limits on what a model may ask the engine to allocate or compute; checked before any
 * allocation. The defaults fit ImageNet-size models with room to spare.
 */
export interface BnnLimits {
  /** Ops per model. */
  maxOps: number;
  /** Channels, units and spatial sizes (each). */
  maxDim: number;
  /** Kernel, pool and stride sizes (each axis). */
  maxKernel: number;
  /** Values in any activation, weight expansion or im2col buffer the engine allocates. */
  maxValues: number;
  /** Multiply-accumulates of one op on one image. */
  maxWork: number;
}

/** Default {@link BnnLimits}: 4096 ops, sizes ≤ 65536, kernels ≤ 64, 2²⁶ values, 2³⁴ MACs/op. */
export const BNN_LIMITS: Readonly<BnnLimits> = Object.freeze({
  maxOps: 4096,
  maxDim: 65536,
  maxKernel: 64,
  maxValues: 2 ** 26,
  maxWork: 2 ** 34,
});

/** Options of {@link decodeModel} and {@link validateModel}. */
export interface ValidateOptions {
  /** Named in errors (the file path); default "model". */
  source?: string;
  /** Tighter or looser limits than {@link BNN_LIMITS}. */
  limits?: Partial<BnnLimits>;
}

const MAGIC = [0x42, 0x4e, 0x4e, 0x50];
const DTYPES = Object.freeze(
  Object.assign(Object.create(null), { f32: Float32Array, u32: Uint32Array, i8: Int8Array }),
) as { f32: Float32ArrayConstructor; u32: Uint32ArrayConstructor; i8: Int8ArrayConstructor };
type DtypeName = keyof typeof DTYPES;
type Typed = Float32Array | Uint32Array | Int8Array;
const ACTIVATIONS: readonly Activation[] = ["linear", "relu", "softmax", "sigmoid", "tanh"];
/** Own fields of each op type (a fixed table: nothing is looked up through prototypes). */
const OP_FIELDS: Readonly<Record<DeployOp["type"], readonly string[]>> = Object.freeze({
  conv: [
    "type",
    "name",
    "kh",
    "kw",
    "cin",
    "cout",
    "strides",
    "padding",
    "input",
    "kernel",
    "weights",
    "scale",
    "shift",
    "activation",
    "threshold",
    "direction",
    "tieBias",
    "tieMean",
    "tieScale",
    "tieShift",
  ],
  dense: [
    "type",
    "name",
    "inFeatures",
    "units",
    "group",
    "input",
    "kernel",
    "weights",
    "scale",
    "shift",
    "activation",
    "threshold",
    "direction",
  ],
  maxpool: ["type", "name", "ph", "pw", "strides", "padding", "mode"],
  batchnorm: ["type", "name", "scale", "shift"],
  flatten: ["type", "name"],
  activation: ["type", "name", "activation"],
});
const MODEL_FIELDS = [
  "format",
  "version",
  "inputShape",
  "outputShape",
  "signEpsilon",
  "ops",
  "meta",
];
/** At most this many kernel taps in a binary×binary op (the engine's exact tap keys). */
const MAX_BINARY_TAPS = 52;

function dtypeOf(a: unknown): DtypeName | null {
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Uint32Array) return "u32";
  if (a instanceof Int8Array) return "i8";
  return null;
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    throw new Error("bnn format: big-endian hosts are not supported");
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib) of `bytes`, continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The checksum of a version 2 file: CRC-32 of bytes 0–11 and 16…end (all but the field). */
function fileChecksum(bytes: Uint8Array): number {
  return crc32(bytes.subarray(16), crc32(bytes.subarray(0, 12)));
}

function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === "number" ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && dtypeOf(v) === null;
}

/** Validates fields one by one; every failure is one {@link BnnFormatError}. */
class Checker {
  readonly limits: BnnLimits;
  constructor(readonly source: string, limits: Partial<BnnLimits> = {}) {
    this.limits = { ...BNN_LIMITS, ...limits };
  }
  fail(field: string, detail: string): never {
    throw new BnnFormatError(this.source, field, detail);
  }
  int(v: unknown, field: string, range: [number, number]): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      this.fail(field, `expected an integer in ${range[0]}…${range[1]}, got ${show(v)}`);
    }
    return v;
  }
  oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(field, `expected one of ${values.map((x) => `"${x}"`).join(", ")}, got ${show(v)}`);
    }
    return v as T;
  }
  ints(v: unknown, field: string, spec: { lengths: number[]; max: number }): number[] {
    if (!Array.isArray(v) || !spec.lengths.includes(v.length)) {
      this.fail(
        field,
        `expected an array of ${spec.lengths.join(" or ")} integers, got ${show(v)}`,
      );
    }
    return v.map((x, i) => this.int(x, `${field}[${i}]`, [1, spec.max]));
  }
  /** Product of positive integers, failing once it passes `max` (no overflow). */
  product(dims: number[], field: string, max: number, what: string): number {
    let p = 1;
    for (const d of dims) {
      p *= d;
      if (p > max) this.fail(field, `${what} ${dims.join("×")} exceeds the limit of ${max}`);
    }
    return p;
  }
  tensor(
    op: Record<string, unknown>,
    spec: { key: string; at: string; dtype: DtypeName; length: number | number[] },
  ): Typed {
    const v = op[spec.key];
    const field = `${spec.at}.${spec.key}`;
    const dt = dtypeOf(v);
    const lengths = typeof spec.length === "number" ? [spec.length] : spec.length;
    if (dt === null) this.fail(field, `missing: expected a ${spec.dtype} tensor`);
    if (dt !== spec.dtype) this.fail(field, `expected dtype ${spec.dtype}, got ${dt}`);
    const a = v as Typed;
    if (!lengths.includes(a.length)) {
      this.fail(field, `expected ${lengths.join(" or ")} values, got ${a.length}`);
    }
    return a;
  }
}

/** Value flowing between ops during validation: shape, packed bits or floats, packing group. */
interface Flow {
  shape: number[];
  bits: boolean;
  group: number;
}

function checkOutput(c: Checker, op: Record<string, unknown>, at: string, n: number): boolean {
  const hasT = op.threshold !== undefined, hasD = op.direction !== undefined;
  if (hasT !== hasD) {
    c.fail(
      `${at}.${hasT ? "direction" : "threshold"}`,
      "missing: threshold and direction go together",
    );
  }
  if (!hasT) {
    c.tensor(op, { key: "scale", at, dtype: "f32", length: n });
    c.tensor(op, { key: "shift", at, dtype: "f32", length: n });
    return false;
  }
  if (op.input !== "sign" || op.kernel !== "binary") {
    c.fail(`${at}.threshold`, 'thresholds need input "sign" and kernel "binary"');
  }
  if (op.activation !== "linear") c.fail(`${at}.activation`, 'must be "linear" with thresholds');
  const t = c.tensor(op, { key: "threshold", at, dtype: "f32", length: n });
  if (t.some((x) => Number.isNaN(x))) c.fail(`${at}.threshold`, "contains NaN");
  const d = c.tensor(op, { key: "direction", at, dtype: "i8", length: n });
  if (d.some((x) => x < -1 || x > 1)) c.fail(`${at}.direction`, "values must be −1, 0 or 1");
  c.tensor(op, { key: "scale", at, dtype: "f32", length: [0, n] });
  c.tensor(op, { key: "shift", at, dtype: "f32", length: [0, n] });
  return true;
}

function needFloat(c: Checker, flow: Flow, at: string, op: Record<string, unknown>): void {
  if (flow.bits && op.input !== "sign") {
    c.fail(at, `needs float input but the previous op outputs packed sign bits`);
  }
}

function checkWindow(
  c: Checker,
  flow: Flow,
  spec: { at: string; k: [number, number]; strides: number[]; padding: "same" | "valid" },
): [number, number] {
  const { at, k, strides, padding } = spec;
  if (flow.shape.length !== 3) c.fail(at, `needs an [H, W, C] input, got [${flow.shape}]`);
  const out = [0, 1].map((i) => {
    const size = flow.shape[i], kk = k[i], s = strides[i];
    return padding === "same" ? Math.ceil(size / s) : Math.ceil((size - kk + 1) / s);
  });
  if (out[0] <= 0 || out[1] <= 0) {
    c.fail(at, `window ${k.join("×")} does not fit input ${flow.shape[0]}×${flow.shape[1]}`);
  }
  return [out[0], out[1]];
}

function checkConv(c: Checker, op: Record<string, unknown>, at: string, flow: Flow): Flow {
  const L = c.limits;
  const kh = c.int(op.kh, `${at}.kh`, [1, L.maxKernel]);
  const kw = c.int(op.kw, `${at}.kw`, [1, L.maxKernel]);
  const cin = c.int(op.cin, `${at}.cin`, [1, L.maxDim]);
  const cout = c.int(op.cout, `${at}.cout`, [1, L.maxDim]);
  const strides = c.ints(op.strides, `${at}.strides`, { lengths: [2], max: L.maxKernel });
  const padding = c.oneOf(op.padding, `${at}.padding`, ["same", "valid"] as const);
  const input = c.oneOf(op.input, `${at}.input`, ["float", "sign"] as const);
  const kernel = c.oneOf(op.kernel, `${at}.kernel`, ["float", "binary"] as const);
  c.oneOf(op.activation, `${at}.activation`, ACTIVATIONS);
  needFloat(c, flow, at, op);
  if (flow.shape.length !== 3 || flow.shape[2] !== cin) {
    c.fail(`${at}.cin`, `expects input [H, W, ${cin}], got [${flow.shape}]`);
  }
  const [oh, ow] = checkWindow(c, flow, { at, k: [kh, kw], strides, padding });
  c.product([oh, ow, cout], at, L.maxValues, "output");
  c.product([oh, ow, kh, kw, cin, cout], at, L.maxWork, "work (MACs)");
  const cw = Math.ceil(cin / 32);
  const binary = input === "sign" && kernel === "binary";
  if (binary && kh * kw > MAX_BINARY_TAPS) {
    c.fail(`${at}.kh`, `a binary conv has at most ${MAX_BINARY_TAPS} taps, got ${kh}×${kw}`);
  }
  if (binary) c.product([oh, ow, kh, kw, cw], at, L.maxValues, "im2col buffer");
  if (kernel === "binary" && !binary) c.product([kh, kw, cin, cout], at, L.maxValues, "weights");
  c.tensor(op, {
    key: "weights",
    at,
    dtype: kernel === "binary" ? "u32" : "f32",
    length: kernel === "binary" ? cout * kh * kw * cw : kh * kw * cin * cout,
  });
  const bits = checkOutput(c, op, at, cout);
  const ties = ["tieMean", "tieScale", "tieShift"].filter((k) => op[k] !== undefined);
  if (ties.length > 0 && ties.length < 3) {
    c.fail(`${at}.tieMean`, "tieMean, tieScale and tieShift go together");
  }
  for (const key of ["tieBias", ...ties]) {
    if (op[key] !== undefined) c.tensor(op, { key, at, dtype: "f32", length: cout });
  }
  return { shape: [oh, ow, cout], bits, group: cout };
}

function checkDense(c: Checker, op: Record<string, unknown>, at: string, flow: Flow): Flow {
  const L = c.limits;
  const inF = c.int(op.inFeatures, `${at}.inFeatures`, [1, L.maxValues]);
  const units = c.int(op.units, `${at}.units`, [1, L.maxValues]);
  const group = c.int(op.group, `${at}.group`, [1, inF]);
  const input = c.oneOf(op.input, `${at}.input`, ["float", "sign"] as const);
  const kernel = c.oneOf(op.kernel, `${at}.kernel`, ["float", "binary"] as const);
  c.oneOf(op.activation, `${at}.activation`, ACTIVATIONS);
  if (inF % group !== 0) c.fail(`${at}.group`, `${group} does not divide inFeatures ${inF}`);
  needFloat(c, flow, at, op);
  if (flow.shape.length !== 1 || flow.shape[0] !== inF) {
    c.fail(`${at}.inFeatures`, `expects input [${inF}], got [${flow.shape}]`);
  }
  const binary = input === "sign" && kernel === "binary";
  if (binary && flow.bits && flow.group !== group) {
    c.fail(
      `${at}.group`,
      `packs groups of ${group}, but its input is packed in groups of ${flow.group}`,
    );
  }
  const taps = inF / group;
  if (binary && taps > MAX_BINARY_TAPS) {
    c.fail(`${at}.group`, `a binary dense has at most ${MAX_BINARY_TAPS} groups, got ${taps}`);
  }
  c.product([units, inF], at, L.maxWork, "work (MACs)");
  if (!binary) c.product([units, inF], at, L.maxValues, "weights");
  c.tensor(op, {
    key: "weights",
    at,
    dtype: kernel === "binary" ? "u32" : "f32",
    length: kernel === "binary" ? units * taps * Math.ceil(group / 32) : inF * units,
  });
  const bits = checkOutput(c, op, at, units);
  return { shape: [units], bits, group: units };
}

function checkOp(c: Checker, op: unknown, at: string, flow: Flow): Flow {
  if (!isRecord(op)) c.fail(at, `expected an op object, got ${show(op)}`);
  const type = c.oneOf(op.type, `${at}.type`, Object.keys(OP_FIELDS) as DeployOp["type"][]);
  if (typeof op.name !== "string" || op.name.length > 1000) {
    c.fail(`${at}.name`, `expected a string of at most 1000 characters, got ${show(op.name)}`);
  }
  const allowed = OP_FIELDS[type];
  for (const k of Object.keys(op)) {
    if (!allowed.includes(k)) c.fail(`${at}.${k}`, `unknown field of a ${type} op`);
  }
  at = `${at} (${type} ${JSON.stringify(op.name)})`;
  const L = c.limits;
  switch (type) {
    case "conv":
      return checkConv(c, op, at, flow);
    case "dense":
      return checkDense(c, op, at, flow);
    case "maxpool": {
      const ph = c.int(op.ph, `${at}.ph`, [1, L.maxKernel]);
      const pw = c.int(op.pw, `${at}.pw`, [1, L.maxKernel]);
      const strides = c.ints(op.strides, `${at}.strides`, { lengths: [2], max: L.maxKernel });
      const padding = c.oneOf(op.padding, `${at}.padding`, ["same", "valid"] as const);
      const [oh, ow] = checkWindow(c, flow, { at, k: [ph, pw], strides, padding });
      const ch = flow.shape[2];
      if (op.mode !== undefined) {
        const m = c.tensor(op, { key: "mode", at, dtype: "i8", length: ch });
        if (m.some((x) => x !== 1 && x !== -1)) c.fail(`${at}.mode`, "values must be 1 or −1");
      }
      return { ...flow, shape: [oh, ow, ch] };
    }
    case "batchnorm": {
      const ch = flow.shape[flow.shape.length - 1];
      if (flow.bits) c.fail(at, "needs float input but the previous op outputs packed sign bits");
      c.tensor(op, { key: "scale", at, dtype: "f32", length: ch });
      c.tensor(op, { key: "shift", at, dtype: "f32", length: ch });
      return flow;
    }
    case "flatten":
      return { ...flow, shape: [flow.shape.reduce((a, b) => a * b, 1)] };
    case "activation":
      c.oneOf(op.activation, `${at}.activation`, ACTIVATIONS);
      if (flow.bits) c.fail(at, "needs float input but the previous op outputs packed sign bits");
      return flow;
  }
}

/**
 * Checks every field, enum, tensor length and shape of `model` against the op chain and
 * {@link BNN_LIMITS} (nothing is allocated); throws one {@link BnnFormatError} naming the field.
 * {@link decodeModel} and `createEngine` call it; call it yourself on models built in code.
 *
 * @example
 * ```ts
 * validateModel(model, { source: "my_model.bnn", limits: { maxValues: 2 ** 20 } });
 * ```
 */
export function validateModel(model: DeployModel, options: ValidateOptions = {}): void {
  const c: Checker = new Checker(options.source ?? "model", options.limits);
  const m = model as unknown;
  if (!isRecord(m)) c.fail("header", `expected an object, got ${show(m)}`);
  for (const k of Object.keys(m)) if (!MODEL_FIELDS.includes(k)) c.fail(k, "unknown field");
  if (m.format !== "bnn-packed") c.fail("format", `expected "bnn-packed", got ${show(m.format)}`);
  if (m.version !== 1 && m.version !== BNN_FORMAT_VERSION) {
    c.fail("version", `expected 1 or ${BNN_FORMAT_VERSION}, got ${show(m.version)}`);
  }
  const L = c.limits;
  const inputShape = c.ints(m.inputShape, "inputShape", { lengths: [1, 2, 3], max: L.maxDim });
  c.product(inputShape, "inputShape", L.maxValues, "input");
  const eps = m.signEpsilon;
  if (eps !== undefined && !(typeof eps === "number" && eps >= 0 && eps < 1)) {
    c.fail("signEpsilon", `expected a number in [0, 1), got ${show(eps)}`);
  }
  if (!isRecord(m.meta)) c.fail("meta", `expected an object, got ${show(m.meta)}`);
  if (!Array.isArray(m.ops)) c.fail("ops", `expected an array, got ${show(m.ops)}`);
  if (m.ops.length > L.maxOps) c.fail("ops", `${m.ops.length} ops exceed the limit of ${L.maxOps}`);
  let flow: Flow = { shape: inputShape, bits: false, group: inputShape[inputShape.length - 1] };
  m.ops.forEach((op, i) => flow = checkOp(c, op, `ops[${i}]`, flow));
  if (flow.bits) c.fail("ops", "the last op must produce float outputs, not packed sign bits");
  const outputShape = c.ints(m.outputShape, "outputShape", {
    lengths: [1, 2, 3],
    max: L.maxValues,
  });
  if (outputShape.join() !== flow.shape.join()) {
    c.fail("outputShape", `is [${outputShape}] but the ops produce [${flow.shape}]`);
  }
}

/** Serializes a model to the `.bnn` byte layout (version 2, with checksum; see the module doc). */
export function encodeModel(model: DeployModel): Uint8Array {
  assertLittleEndian();
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const ops = model.ops.map((op) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(op)) {
      const dt = dtypeOf(v);
      if (dt === null) {
        out[k] = v;
        continue;
      }
      const arr = v as Typed;
      const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).slice();
      out[k] = { $t: dt, offset, length: arr.length };
      chunks.push(bytes);
      const padded = Math.ceil(bytes.length / 16) * 16;
      if (padded > bytes.length) chunks.push(new Uint8Array(padded - bytes.length));
      offset += padded;
    }
    return out;
  });
  const header = { ...model, version: BNN_FORMAT_VERSION, ops };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const h = Math.ceil(json.length / 16) * 16;
  const out = new Uint8Array(16 + h + offset);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, BNN_FORMAT_VERSION, true);
  dv.setUint32(8, h, true);
  out.fill(0x20, 16, 16 + h);
  out.set(json, 16);
  let pos = 16 + h;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  dv.setUint32(12, fileChecksum(out), true);
  return out;
}

/** Replaces the tensor references of one op by copies of the payload bytes (checked first). */
function resolveTensors(
  c: Checker,
  op: unknown,
  at: string,
  spec: { payload: Uint8Array; ranges: [number, number, string][] },
): unknown {
  if (!isRecord(op)) c.fail(at, `expected an op object, got ${show(op)}`);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(op)) {
    const v = op[k], field = `${at}.${k}`;
    if (!isRecord(v)) {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
      continue;
    }
    const keys = Object.keys(v).sort().join();
    if (keys !== "$t,length,offset") {
      c.fail(field, `expected a tensor reference {"$t", "offset", "length"}, got ${show(v)}`);
    }
    const t = v.$t;
    if (typeof t !== "string" || !Object.hasOwn(DTYPES, t)) {
      c.fail(`${field}.$t`, `expected one of "f32", "u32", "i8", got ${show(t)}`);
    }
    const Ctor = DTYPES[t as DtypeName];
    const size = spec.payload.length;
    const offset = c.int(v.offset, `${field}.offset`, [0, size]);
    if (offset % 16 !== 0) c.fail(`${field}.offset`, `must be a multiple of 16, got ${offset}`);
    const length = c.int(v.length, `${field}.length`, [0, size]);
    const end = offset + length * Ctor.BYTES_PER_ELEMENT;
    if (end > size) {
      c.fail(field, `bytes ${offset}…${end} run past the end of the payload (${size} bytes)`);
    }
    spec.ranges.push([offset, end, field]);
    const copy = spec.payload.slice(offset, end);
    Object.defineProperty(out, k, {
      value: new Ctor(copy.buffer, 0, length),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * Parses `.bnn` bytes (version 2, or version 1 without checksum) and validates the model
 * ({@link validateModel}); every malformed file throws one {@link BnnFormatError} naming
 * `options.source` and the field. Allocates nothing before the sizes are checked against the
 * file: tensors are copies of payload ranges, which must not overlap.
 */
export function decodeModel(bytes: Uint8Array, options: ValidateOptions = {}): DeployModel {
  assertLittleEndian();
  const c: Checker = new Checker(options.source ?? "model", options.limits);
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) {
    c.fail("magic", 'not a .bnn file (expected magic "BNNP")');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== BNN_FORMAT_VERSION) {
    c.fail(
      "version",
      `unsupported version ${version}; this build reads versions 1 and ${BNN_FORMAT_VERSION} ` +
        "(re-export the model with exportBinary)",
    );
  }
  const prefix = version === 1 ? 12 : 16;
  if (bytes.length < prefix) c.fail("header", `truncated: ${bytes.length} bytes`);
  const h = dv.getUint32(8, true);
  if ((prefix + h) % 16 !== 0) c.fail("headerLength", `${h} leaves the payload misaligned`);
  if (prefix + h > bytes.length) {
    c.fail("headerLength", `${h} bytes run past the end of the file (${bytes.length} bytes)`);
  }
  if (version !== 1) {
    const stored = dv.getUint32(12, true), actual = fileChecksum(bytes);
    if (stored !== actual) {
      c.fail(
        "checksum",
        `mismatch (stored ${stored.toString(16)}, contents give ${actual.toString(16)}): ` +
          "the file is corrupted or was edited",
      );
    }
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(prefix, prefix + h),
    ));
  } catch (e) {
    c.fail("header", `not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) c.fail("header", `expected an object, got ${show(header)}`);
  if (header.version !== version) {
    c.fail("version", `header says ${show(header.version)}, file says ${version}`);
  }
  if (!Array.isArray(header.ops)) c.fail("ops", `expected an array, got ${show(header.ops)}`);
  if (header.ops.length > c.limits.maxOps) {
    c.fail("ops", `${header.ops.length} ops exceed the limit of ${c.limits.maxOps}`);
  }
  const payload = bytes.subarray(prefix + h);
  const ranges: [number, number, string][] = [];
  const ops = header.ops.map((op, i) => resolveTensors(c, op, `ops[${i}]`, { payload, ranges }));
  ranges.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [lo, hi, field] of ranges) {
    if (lo < end) c.fail(field, `overlaps another tensor (bytes ${lo}…${hi})`);
    end = Math.max(end, hi);
  }
  if (payload.length > Math.ceil(end / 16) * 16) {
    c.fail("payload", `${payload.length - Math.ceil(end / 16) * 16} bytes after the last tensor`);
  }
  const model: Record<string, unknown> = {};
  for (const k of Object.keys(header)) {
    Object.defineProperty(model, k, { value: header[k], enumerable: true, writable: true });
  }
  model.ops = ops;
  validateModel(model as unknown as DeployModel, options);
  return model as unknown as DeployModel;
}

/**
 * The `.bnn` file format ("BNN packed", version 1) and its in-memory form {@link DeployModel}.
 * Pure TypeScript: no tfjs, no Deno APIs (encode/decode work on `Uint8Array`s in any host).
 *
 * ## Layout (all integers little-endian)
 *
 * | bytes            | content                                                              |
 * |------------------|----------------------------------------------------------------------|
 * | 0–3              | magic `"BNNP"` (0x42 0x4E 0x4E 0x50)                                  |
 * | 4–7              | u32 format version = 1                                               |
 * | 8–11             | u32 header length H (bytes, a multiple of 16 minus 12 so the payload is 16-aligned) |
 * | 12 … 12+H−1      | header: UTF-8 JSON, right-padded with spaces                         |
 * | 12+H …           | payload: the tensors, each at a 16-byte-aligned offset               |
 *
 * The header is `{format: "bnn-packed", version: 1, inputShape, outputShape, signEpsilon, ops,
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
  version: 1;
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

const MAGIC = [0x42, 0x4e, 0x4e, 0x50];
const DTYPES = { f32: Float32Array, u32: Uint32Array, i8: Int8Array } as const;
type DtypeName = keyof typeof DTYPES;

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

/** Serializes a model to the `.bnn` byte layout described in the module doc. */
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
      const arr = v as Float32Array | Uint32Array | Int8Array;
      const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).slice();
      out[k] = { $t: dt, offset, length: arr.length };
      chunks.push(bytes);
      const padded = Math.ceil(bytes.length / 16) * 16;
      if (padded > bytes.length) chunks.push(new Uint8Array(padded - bytes.length));
      offset += padded;
    }
    return out;
  });
  const header = { ...model, ops };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const h = Math.ceil((json.length + 12) / 16) * 16 - 12;
  const padded = new Uint8Array(h).fill(0x20);
  padded.set(json);
  json = padded;
  const out = new Uint8Array(12 + h + offset);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, h, true);
  out.set(json, 12);
  let pos = 12 + h;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Parses `.bnn` bytes; throws one clear error on a bad magic, version or tensor reference. */
export function decodeModel(bytes: Uint8Array): DeployModel {
  assertLittleEndian();
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error('bnn format: not a .bnn file (expected magic "BNNP")');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== 1) throw new Error(`bnn format: unsupported version ${version}, expected 1`);
  const h = dv.getUint32(8, true);
  if (12 + h > bytes.length) throw new Error("bnn format: truncated header");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h)));
  const base = 12 + h;
  const ops = (header.ops as Record<string, unknown>[]).map((op) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(op)) {
      const ref = v as { $t?: DtypeName; offset: number; length: number };
      if (ref === null || typeof ref !== "object" || Array.isArray(v) || !ref.$t) {
        out[k] = v;
        continue;
      }
      const Ctor = DTYPES[ref.$t];
      if (!Ctor) throw new Error(`bnn format: op ${op.name}: unknown dtype ${ref.$t}`);
      const n = ref.length * Ctor.BYTES_PER_ELEMENT;
      if (base + ref.offset + n > bytes.length) {
        throw new Error(`bnn format: op ${op.name}: tensor ${k} runs past the end of the file`);
      }
      const copy = bytes.slice(base + ref.offset, base + ref.offset + n);
      out[k] = new Ctor(copy.buffer, 0, ref.length);
    }
    return out;
  });
  return { ...header, ops } as DeployModel;
}

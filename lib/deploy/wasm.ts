/**
 * A WebAssembly SIMD kernel for XNOR–popcount matrix products, assembled at run time from the
 * byte codes below (no toolchain, no binary blob), with a pure-TypeScript fallback when the host
 * lacks WebAssembly SIMD. No tfjs, no Deno APIs.
 *
 * The kernel `popcountGemm` computes, for packed rows A[P, K] and B[M, K] (K in 128-bit vectors,
 * padding bits 0): out[p·M + m] = Σ_k popcount(A[p,k] XOR B[m,k]). Four rows of B are processed
 * per pass (M must be a multiple of 4; callers pad B with zero rows).
 *
 * @module
 */
import { popcount32 } from "./bits.ts";

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

// Instruction helpers.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, SHL = 0x74, GE_S = 0x4e, EQZ = 0x45, LT_S = 0x48;
const SELECT = 0x1b;
const load = (off: number) => [...simd(0x00), 4, ...uleb(off)];
const XOR = simd(0x51), POPCNT = simd(0x62), EXT8 = simd(0x7d), ADD16 = simd(0x8e);
const ADD8 = simd(0x6e);
const EXT16 = simd(0x7f);
const lane = (l: number) => [...simd(0x1b), l];
const zero = [...simd(0x0c), ...new Array(16).fill(0)];

/**
 * Function body of popcountGemm(a, P, b, M, kv, out). Per row pair, popcounts accumulate in
 * i8 lanes for up to 31 vectors (≤ 8 per lane each, so ≤ 248), then widen into i16 lanes
 * (≤ 16·kv ≤ 65520 for kv < 4096), summed as unsigned at the end.
 */
function gemmBody(): number[] {
  // params 0..5: a P b M kv out; i32 locals 6 p, 7 m, 8 k, 9 ap, 10 bp, 11 rowBytes, 12 chunk;
  // v128 locals 13..16 acc16, 17 x, 18..21 acc8.
  const [a, P, b, M, kv, out, p, m, k, ap, bp, rb, chunk] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
  ];
  const acc = [13, 14, 15, 16];
  const x = 17;
  const acc8 = [18, 19, 20, 21];
  const code: number[] = [];
  code.push(...get(kv), ...i32c(4), SHL, ...set(rb));
  code.push(...i32c(0), ...set(p));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (p)
  code.push(...get(p), ...get(P), GE_S, 0x0d, 1);
  code.push(...get(b), ...set(bp), ...i32c(0), ...set(m));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (m)
  code.push(...get(m), ...get(M), GE_S, 0x0d, 1);
  code.push(...get(a), ...get(p), ...get(rb), MUL, ADD, ...set(ap));
  for (const r of acc) code.push(...zero, ...set(r));
  code.push(...get(kv), ...set(k));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (chunks)
  code.push(...get(k), EQZ, 0x0d, 1);
  // chunk = min(k, 31); k -= chunk
  code.push(...get(k), ...i32c(31), ...get(k), ...i32c(31), LT_S, SELECT, ...set(chunk));
  code.push(...get(k), ...get(chunk), SUB, ...set(k));
  for (const r of acc8) code.push(...zero, ...set(r));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (vectors of the chunk)
  code.push(...get(chunk), EQZ, 0x0d, 1);
  code.push(...get(ap), ...load(0), ...set(x));
  for (let j = 0; j < 4; j++) {
    // acc8[j] += popcnt(x XOR b[bp + j·rowBytes])
    code.push(...get(acc8[j]), ...get(x), ...get(bp), ...get(rb), ...i32c(j), MUL, ADD);
    code.push(...load(0), ...XOR, ...POPCNT, ...ADD8, ...set(acc8[j]));
  }
  code.push(...get(ap), ...i32c(16), ADD, ...set(ap));
  code.push(...get(bp), ...i32c(16), ADD, ...set(bp));
  code.push(...get(chunk), ...i32c(1), SUB, ...set(chunk));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop; end loop; end block
  for (let j = 0; j < 4; j++) {
    code.push(...get(acc[j]), ...get(acc8[j]), ...EXT8, ...ADD16, ...set(acc[j]));
  }
  code.push(0x0c, 0, 0x0b, 0x0b); // br chunks; end; end
  for (let j = 0; j < 4; j++) {
    code.push(...get(out), ...get(acc[j]), ...EXT16, ...set(x));
    code.push(...get(x), ...lane(0), ...get(x), ...lane(1), ADD);
    code.push(...get(x), ...lane(2), ADD, ...get(x), ...lane(3), ADD);
    code.push(0x36, 2, ...uleb(4 * j)); // i32.store offset 4j
  }
  code.push(...get(out), ...i32c(16), ADD, ...set(out));
  // bp is now at row m+1; skip rows m+1..m+3
  code.push(...get(bp), ...get(rb), ...i32c(3), MUL, ADD, ...set(bp));
  code.push(...get(m), ...i32c(4), ADD, ...set(m));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop m; end; end
  code.push(...get(p), ...i32c(1), ADD, ...set(p));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop p; end; end
  code.push(0x0b); // end function
  const locals = [2, 7, I32, 9, V128];
  return [...locals, ...code];
}

/** The bytes of the kernel module (exports `memory` and `gemm`). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const type = section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]);
  const func = section(3, [1, 0]);
  const mem = section(5, [1, 0x00, 1]);
  const exp = section(7, [2, ...str("memory"), 2, 0, ...str("gemm"), 0, 0]);
  const body = gemmBody();
  const code = section(10, [1, ...uleb(body.length), ...body]);
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...type,
    ...func,
    ...mem,
    ...exp,
    ...code,
  ]);
}

/** Weights uploaded once to a kernel: `m` rows (a multiple of 4) of `kv` 128-bit vectors. */
export interface KernelWeights {
  readonly id: number;
  readonly m: number;
  readonly kv: number;
}

/** A popcount GEMM over packed rows (see the module doc); `kv` counts 128-bit vectors per row. */
export interface PopcountKernel {
  /** "wasm-simd" or "js". */
  readonly name: string;
  /** Stores packed weight rows `[m][kv·4 words]` (m % 4 = 0) for later {@link gemm} calls. */
  upload(b: Uint32Array, m: number, kv: number): KernelWeights;
  /**
   * out[p·m + j] = Σ popcount(a[p] XOR w[j]) over rows of `kv·4` words, for p < rows.
   * Returns a view that stays valid until the next call.
   */
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array;
}

class JsKernel implements PopcountKernel {
  readonly name = "js";
  #out = new Int32Array(0);
  #weights: Uint32Array[] = [];
  upload(b: Uint32Array, m: number, kv: number): KernelWeights {
    checkShape(b, m, kv);
    this.#weights.push(b.slice(0, m * kv * 4));
    return { id: this.#weights.length - 1, m, kv };
  }
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array {
    const { m, kv } = w;
    const b = this.#weights[w.id];
    if (this.#out.length < rows * m) this.#out = new Int32Array(rows * m);
    const out = this.#out;
    const kw = kv * 4;
    for (let p = 0; p < rows; p++) {
      const ao = p * kw;
      for (let j = 0; j < m; j++) {
        const bo = j * kw;
        let s = 0;
        for (let k = 0; k < kw; k++) s += popcount32(a[ao + k] ^ b[bo + k]);
        out[p * m + j] = s;
      }
    }
    return out.subarray(0, rows * m);
  }
}

function checkShape(b: Uint32Array, m: number, kv: number): void {
  if (m % 4 !== 0) throw new Error(`popcount kernel: m must be a multiple of 4, got ${m}`);
  if (kv >= 4096) throw new Error(`popcount kernel: rows longer than 4095 vectors (${kv})`);
  if (b.length < m * kv * 4) {
    throw new Error(`popcount kernel: weights hold ${b.length} words, expected ${m * kv * 4}`);
  }
}

class WasmKernel implements PopcountKernel {
  readonly name = "wasm-simd";
  #memory: WebAssembly.Memory;
  #fn: (a: number, p: number, b: number, m: number, kv: number, out: number) => void;
  #top = 0;
  #offsets: number[] = [];
  constructor(instance: WebAssembly.Instance) {
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#fn = instance.exports.gemm as (...args: number[]) => void;
  }
  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) this.#memory.grow(Math.ceil((bytes - have) / 65536));
  }
  upload(b: Uint32Array, m: number, kv: number): KernelWeights {
    checkShape(b, m, kv);
    const bytes = m * kv * 16;
    this.#reserve(this.#top + bytes);
    new Uint32Array(this.#memory.buffer, this.#top, m * kv * 4).set(b.subarray(0, m * kv * 4));
    this.#offsets.push(this.#top);
    this.#top += bytes;
    return { id: this.#offsets.length - 1, m, kv };
  }
  gemm(a: Uint32Array, rows: number, w: KernelWeights): Int32Array {
    const { m, kv } = w;
    const aBytes = rows * kv * 16, oBytes = rows * m * 4;
    const aAt = this.#top;
    this.#reserve(aAt + aBytes + oBytes);
    new Uint32Array(this.#memory.buffer, aAt, rows * kv * 4).set(a.subarray(0, rows * kv * 4));
    this.#fn(aAt, rows, this.#offsets[w.id], m, kv, aAt + aBytes);
    return new Int32Array(this.#memory.buffer, aAt + aBytes, rows * m);
  }
}

/** Whether this host supports WebAssembly SIMD (validates the kernel module). */
export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(kernelModuleBytes());
  } catch {
    return false;
  }
}

/**
 * Creates a popcount kernel: WebAssembly SIMD when available (unless `prefer: "js"`), else the
 * TypeScript fallback.
 */
export function createKernel(options: { prefer?: "wasm" | "js" } = {}): PopcountKernel {
  if (options.prefer !== "js" && hasWasmSimd()) {
    const module = new WebAssembly.Module(kernelModuleBytes());
    return new WasmKernel(new WebAssembly.Instance(module, {}));
  }
  return new JsKernel();
}

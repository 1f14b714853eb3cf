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
import { kernelModuleBytes } from "./wasm_asm.ts";

export { kernelModuleBytes };

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
  #fn2: (a: number, p: number, b: number, m: number, kv: number, out: number, ldo: number) => void;
  #top = 0;
  #offsets: number[] = [];
  constructor(instance: WebAssembly.Instance) {
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#fn = instance.exports.gemm as (...args: number[]) => void;
    this.#fn2 = instance.exports.gemm2 as (...args: number[]) => void;
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
    const even = rows & ~1, bAt = this.#offsets[w.id], oAt = aAt + aBytes;
    if (even > 0) {
      // Tile over weight rows so that a tile (≤ 16 KiB) stays in L1 while all positions pass.
      const rowBytes = kv * 16;
      const tile = Math.max(4, Math.floor(16384 / rowBytes / 4) * 4);
      for (let m0 = 0; m0 < m; m0 += tile) {
        const mc = Math.min(tile, m - m0);
        this.#fn2(aAt, even, bAt + m0 * rowBytes, mc, kv, oAt + m0 * 4, m);
      }
    }
    if (even < rows) this.#fn(aAt + even * kv * 16, rows - even, bAt, m, kv, oAt + even * m * 4);
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

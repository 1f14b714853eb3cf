import assert from "node:assert/strict";
import { popcount32 } from "../../lib/deploy/bits.ts";
import { createKernel, hasWasmSimd } from "../../lib/deploy/wasm.ts";

function randomWords(n: number, seed: number): Uint32Array {
  let s = seed >>> 0;
  return Uint32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0));
}

Deno.test("the WebAssembly SIMD module validates on this host", () => {
  assert.equal(hasWasmSimd(), true);
});

Deno.test("popcount GEMM: wasm and js kernels equal a direct count", () => {
  for (const [rows, m, kv] of [[1, 4, 1], [7, 8, 3], [33, 12, 9], [2, 4, 64]]) {
    const a = randomWords(rows * kv * 4, rows + m);
    const b = randomWords(m * kv * 4, kv);
    const ref = new Int32Array(rows * m);
    for (let p = 0; p < rows; p++) {
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < kv * 4; k++) {
          ref[p * m + j] += popcount32(a[p * kv * 4 + k] ^ b[j * kv * 4 + k]);
        }
      }
    }
    for (const prefer of ["wasm", "js"] as const) {
      const kernel = createKernel({ prefer });
      const extra = kernel.upload(randomWords(8 * 16, 9), 8, 4); // a second weight set
      const w = kernel.upload(b, m, kv);
      assert.deepEqual(
        Array.from(kernel.gemm(a, rows, w)),
        Array.from(ref),
        `${prefer} ${rows}×${m}×${kv}`,
      );
      assert.equal(kernel.gemm(a, 1, extra).length, 8);
    }
  }
});

Deno.test("popcount kernel rejects a row count that is not a multiple of 4", () => {
  assert.throws(() => createKernel().upload(new Uint32Array(12), 3, 1), /multiple of 4/);
});

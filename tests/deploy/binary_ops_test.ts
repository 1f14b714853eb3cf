import assert from "node:assert/strict";
import { binaryDense, prepareBinary, prepareDenseThresholds } from "../../lib/deploy/binary_ops.ts";
import type { BinaryOutput } from "../../lib/deploy/emit.ts";
import { createNativeKernel } from "../../lib/deploy/native_kernel.ts";
import { createKernel, type PopcountKernel } from "../../lib/deploy/wasm.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** `taps` groups of `group` random bits, `⌈group/32⌉` words each, padding bits 0. */
function randomBits(taps: number, group: number, next: () => number): Uint32Array {
  const cw = Math.ceil(group / 32), out = new Uint32Array(taps * cw);
  for (let t = 0; t < taps; t++) {
    for (let w = 0; w < cw; w++) {
      const n = Math.min(32, group - 32 * w);
      out[t * cw + w] = n === 32 ? next() : next() & ((1 << n) - 1);
    }
  }
  return out;
}

const bit = (words: Uint32Array, t: number, cw: number, c: number) =>
  (words[t * cw + (c >>> 5)] >>> (c & 31)) & 1;

function kernels(): [string, PopcountKernel][] {
  const native = createNativeKernel();
  const ks: [string, PopcountKernel][] = [["js", createKernel({ prefer: "js" })]];
  ks.push(["wasm", createKernel()]);
  if (typeof native !== "string") ks.push(["native", native]);
  return ks;
}

Deno.test("binaryDense with the kernel's thresholds: the bits of the ±1 dot products, on every kernel", () => {
  assert.ok(kernels().length === 3, "js, wasm and native kernels all run here");
  for (const [group, taps, cout] of [[40, 5, 37], [64, 3, 16], [7, 9, 70]]) {
    const next = lcg(group * 1000 + taps * 10 + cout);
    const cw = Math.ceil(group / 32), inFeatures = group * taps;
    const weights = new Uint32Array(cout * taps * cw);
    for (let co = 0; co < cout; co++) {
      weights.set(randomBits(taps, group, next), co * taps * cw);
    }
    const x = randomBits(taps, group, next);
    // r_j = Σ ±1·±1 (equal bits +1), and the bit [d·r ≥ d·t] (d = 0: [t ≤ 0]).
    const r = Array.from({ length: cout }, (_, co) => {
      let s = 0;
      for (let t = 0; t < taps; t++) {
        for (let c = 0; c < group; c++) {
          s += bit(x, t, cw, c) === bit(weights.subarray(co * taps * cw), t, cw, c) ? 1 : -1;
        }
      }
      return s;
    });
    const threshold = Float32Array.from(r, (v, co) => v + ((co % 5) - 2) * 0.5);
    const direction = Int8Array.from(r, (_, co) => [1, -1, 0][co % 3]);
    const output: BinaryOutput & { kind: "bits" } = { kind: "bits", threshold, direction };
    const want = new Uint32Array(Math.ceil(cout / 32));
    for (let co = 0; co < cout; co++) {
      const d = direction[co], t = threshold[co];
      if (d === 0 ? t <= 0 : d * r[co] >= d * t) want[co >>> 5] |= 1 << (co & 31);
    }
    for (const [name, k] of kernels()) {
      const prep = prepareBinary(k, weights, { cout, taps, cw, cin: group, rows: 1 });
      const thresholds = prepareDenseThresholds(k, prep, { inFeatures, output });
      const fused = binaryDense(k, prep, { input: x, inFeatures, output, thresholds });
      const plain = binaryDense(k, prep, { input: x, inFeatures, output });
      const at = `${name}, group ${group}, taps ${taps}, cout ${cout}`;
      assert.deepEqual(fused.bits, want, at);
      assert.deepEqual(plain.bits, want, at);
    }
  }
});

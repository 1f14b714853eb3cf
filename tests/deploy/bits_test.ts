import assert from "node:assert/strict";
import {
  binaryDot,
  packRows,
  packSigns,
  popcount32,
  unpackSigns,
  wordsFor,
  xorPopcount,
} from "../../lib/deploy/bits.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("popcount32 matches a bit-by-bit count", () => {
  const r = rng(1);
  for (
    const x of [
      0,
      1,
      0xffffffff,
      0x80000000,
      ...Array.from({ length: 200 }, () => (r() * 2 ** 32) >>> 0),
    ]
  ) {
    let n = 0;
    for (let b = 0; b < 32; b++) n += (x >>> b) & 1;
    assert.equal(popcount32(x), n);
  }
});

Deno.test("pack/unpack round trip for every length mod 32, padding bits zero", () => {
  const r = rng(2);
  for (let n = 1; n <= 100; n++) {
    const v = Float32Array.from({ length: n }, () => r() * 2 - 1);
    v[0] = 0; // sign(0) = +1
    const bits = packSigns(v, n);
    assert.equal(bits.length, wordsFor(n));
    const back = unpackSigns(bits, { length: n });
    for (let i = 0; i < n; i++) assert.equal(back[i], v[i] >= 0 ? 1 : -1);
    if (n % 32 !== 0) assert.equal(bits[bits.length - 1] >>> (n % 32), 0, `padding bits n=${n}`);
    assert.deepEqual(packSigns(back, n), bits);
  }
});

Deno.test("XNOR-popcount dot equals the float dot of ±1 vectors for lengths 1..130", () => {
  const r = rng(3);
  for (let n = 1; n <= 130; n++) {
    const a = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
    const b = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
    let ref = 0;
    for (let i = 0; i < n; i++) ref += a[i] * b[i];
    assert.equal(binaryDot(packSigns(a, n), packSigns(b, n), { length: n }), ref, `n=${n}`);
  }
});

Deno.test("packRows with groups pads each group to whole words", () => {
  const r = rng(4);
  const rows = 3, group = 37, groups = 4, n = group * groups;
  const v = Float32Array.from({ length: rows * n }, () => r() - 0.5);
  const packed = packRows(v, { rows, n }, { group });
  const gw = wordsFor(group);
  assert.equal(packed.length, rows * groups * gw);
  for (let row = 0; row < rows; row++) {
    for (let g = 0; g < groups; g++) {
      const back = unpackSigns(packed, { length: group, offset: (row * groups + g) * gw });
      for (let i = 0; i < group; i++) {
        assert.equal(back[i], v[row * n + g * group + i] >= 0 ? 1 : -1);
      }
    }
  }
  // Column-major source ([n][rows], as tfjs kernels are laid out).
  const t = new Float32Array(rows * n);
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < n; i++) t[i * rows + row] = v[row * n + i];
  }
  assert.deepEqual(packRows(t, { rows, n }, { group, colStride: rows, rowStride: 1 }), packed);
  assert.equal(xorPopcount(packed, packed), 0);
});

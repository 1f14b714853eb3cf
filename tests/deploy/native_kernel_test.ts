/**
 * The deploy engine's native popcount kernel (lib/deploy/native_kernel.ts) against a direct count
 * and against the wasm kernel: GEMM (both AVX-512 popcounts) and thresholds to packed bits.
 */
import assert from "node:assert/strict";
import { popcount32 } from "../../lib/deploy/bits.ts";
import { createKernel, type PatchGeometry } from "../../lib/deploy/wasm.ts";
import { createNativeKernel, setDeployVpopcnt } from "../../lib/deploy/native_kernel.ts";
import { deployWorkload } from "../fixtures/deploy_workload.ts";
import { convFloat, window2d } from "../../lib/deploy/float_ops.ts";
import { poolBits, poolOrMask } from "../../lib/deploy/bit_ops.ts";
import { nearTieBounds, prepareNearTies } from "../../lib/deploy/exact_ties.ts";

function randomWords(n: number, seed: number): Uint32Array {
  let s = seed >>> 0;
  return Uint32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0));
}

const native = createNativeKernel();

Deno.test("native deploy kernel loads here (x86-64 Linux with FFI)", () => {
  if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
    assert.equal(typeof native, "object", `native kernel: ${native}`);
  }
});

Deno.test("native popcount GEMM equals a direct count, with and without VPOPCNTDQ", () => {
  if (typeof native === "string") return;
  for (const vpop of [true, false]) {
    setDeployVpopcnt(vpop);
    try {
      // kv·2 words per row: 2, 6, 18 (masked tail of the 8-word steps), 128.
      for (const [rows, m, kv] of [[1, 4, 1], [7, 8, 3], [33, 12, 9], [2, 4, 64], [5, 40, 5]]) {
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
        const k = createNativeKernel() as ReturnType<typeof createKernel>;
        const extra = k.upload(randomWords(8 * 16, 9), 8, 4);
        const w = k.upload(b, m, kv);
        assert.deepEqual(k.gemm(a, rows, w), ref, `${rows}×${m}×${kv}, vpopcnt ${vpop}`);
        assert.equal(k.gemm(a, 1, extra).length, 8);
      }
    } finally {
      setDeployVpopcnt(true);
    }
  }
});

Deno.test("native thresholds to packed bits equal the wasm kernel's", () => {
  if (typeof native === "string") return;
  const [positions, m, kv, patterns] = [37, 44, 5, 3];
  const cw = Math.ceil(m / 32);
  const a = randomWords(positions * kv * 4, 1), b = randomWords(m * kv * 4, 2);
  const patternOf = Int32Array.from({ length: positions }, (_, p) => p % patterns);
  const r = randomWords(patterns * 2 * m, 3);
  // Bounds around the expected count (kv·64 for random bits), some empty (lo > hi).
  const bounds = Int32Array.from(r, (v, i) => {
    const mid = kv * 64 + ((v & 63) - 32);
    return i % (2 * m) < m ? mid - (v >>> 28) : mid + ((v >>> 24) & 15) - 6;
  });
  const run = (k: ReturnType<typeof createKernel>) => {
    const w = k.upload(b, m, kv);
    const t = k.uploadThresholds({ patternOf, bounds }, { m, cw });
    return Array.from(k.gemmBits(a, w, t));
  };
  const want = run(createKernel({ prefer: "wasm" }));
  assert.deepEqual(run(createNativeKernel() as ReturnType<typeof createKernel>), want);
  assert.ok(want.some((x) => x !== 0) && want.some((x) => x !== 0xffffffff >>> 0 && x !== 0));
});

Deno.test("native convBits (patch built in C) equals gemmBits on a TypeScript-built patch", () => {
  if (typeof native === "string") return;
  const k = createNativeKernel() as ReturnType<typeof createKernel>;
  assert.ok(k.convBits, "the native kernel builds conv patches");
  // 3×2 kernel, strides (2, 1), padding (1, 0), cw = 2: kernel rows above the image, whole rows
  // inside. 3×3, strides 1, padding (1, 1): taps left and right of the image too, cw = 2. 3×3,
  // strides 2, padding (1, 1), cw = 1; 5×3 over 4 rows: no row inside at all for some positions.
  const geometries = [
    { h: 7, w: 6, kh: 3, kw: 2, sh: 2, sw: 1, oh: 4, ow: 5, padTop: 1, padLeft: 0, cw: 2 },
    { h: 5, w: 6, kh: 3, kw: 3, sh: 1, sw: 1, oh: 5, ow: 6, padTop: 1, padLeft: 1, cw: 2 },
    { h: 7, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, oh: 4, ow: 4, padTop: 1, padLeft: 1, cw: 1 },
    { h: 4, w: 5, kh: 5, kw: 3, sh: 1, sw: 1, oh: 4, ow: 5, padTop: 2, padLeft: 1, cw: 3 },
  ];
  for (const g of geometries) convBitsCase(k, g);
});

function convBitsCase(
  k: ReturnType<typeof createKernel>,
  g: PatchGeometry,
): void {
  const m = 12, kv = Math.ceil((g.kh * g.kw * g.cw) / 4), rowWords = kv * 4;
  const x = randomWords(g.h * g.w * g.cw, 5), b = randomWords(m * rowWords, 6);
  const patch = new Uint32Array(g.oh * g.ow * rowWords);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      let d = (oy * g.ow + ox) * rowWords;
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++, d += g.cw) {
          const iy = oy * g.sh + ky - g.padTop, ix = ox * g.sw + kx - g.padLeft;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          for (let i = 0; i < g.cw; i++) patch[d + i] = x[(iy * g.w + ix) * g.cw + i];
        }
      }
    }
  }
  const P = g.oh * g.ow;
  const patternOf = new Int32Array(P);
  // Bounds around the mean count (half the row's bits), so that both bit values occur.
  const mid = rowWords * 16;
  const bounds = Int32Array.from(
    { length: 2 * m },
    (_, i) => (i < m ? mid - 20 + 2 * i : mid + 12),
  );
  const w = k.upload(b, m, kv);
  const t = k.uploadThresholds({ patternOf, bounds }, { m, cw: 1 });
  const js = createKernel({ prefer: "js" });
  const jw = js.upload(b, m, kv);
  const jt = js.uploadThresholds({ patternOf, bounds }, { m, cw: 1 });
  const ref = Array.from(js.gemmBits(patch, jw, jt));
  assert.deepEqual(Array.from(k.convBits!(x, g, w, t)), ref, JSON.stringify(g));
  assert.deepEqual(Array.from(k.gemmBits(patch, w, t)), ref);
  assert.ok(ref.some((v) => v !== 0) && ref.some((v) => v !== 0xfff), "both bit values occur");
}

Deno.test("native poolBits equals the TypeScript poolBits (max and min channels, padding, tails)", () => {
  if (typeof native === "string") return;
  const k = createNativeKernel() as ReturnType<typeof createKernel>;
  assert.ok(k.poolBits, "the native kernel pools bits");
  const cases: [number, number, number, number, "same" | "valid", number][] = [
    [8, 8, 2, 2, "valid", 128],
    [7, 5, 3, 2, "same", 45],
    [6, 6, 3, 1, "same", 7],
    [5, 7, 2, 1, "same", 70],
  ];
  cases.forEach(([h, w, kk, s, padding, c], i) => {
    const window = window2d({ h, w }, { k: [kk, kk], strides: [s, s], padding });
    const cw = Math.ceil(c / 32);
    const x = randomWords(h * w * cw, 40 + i);
    if (c % 32) { for (let p = 0; p < h * w; p++) x[p * cw + cw - 1] &= (1 << (c % 32)) - 1; }
    for (const mode of [undefined, Int8Array.from({ length: c }, (_, ch) => (ch * 7) % 3 - 1)]) {
      const want = poolBits(x, { window, channels: c, mode });
      const got = k.poolBits!(x, { ...window, cw }, poolOrMask(c, mode));
      assert.deepEqual(Array.from(got), Array.from(want), `case ${i}, mode ${!!mode}`);
    }
  });
});

Deno.test("native deploy workload (panels, fused thresholds, sign packing) equals the js kernel", () => {
  if (typeof native === "string") return;
  const nativeHash = deployWorkload(() => createNativeKernel() as ReturnType<typeof createKernel>);
  assert.equal(nativeHash, deployWorkload(() => createKernel({ prefer: "js" })));
});

Deno.test("native float conv's near-tie filter keeps every position the TypeScript test fixes", () => {
  if (typeof native === "string") return;
  const k = createNativeKernel() as ReturnType<typeof createKernel>;
  const g = window2d({ h: 9, w: 8 }, { k: [3, 3], strides: [1, 1], padding: "same" });
  const cin = 3, cout = 12, P = g.oh * g.ow;
  const x = Float32Array.from({ length: g.h * g.w * cin }, (_, i) => Math.sin(i * 1.7) * 2);
  const w = Float32Array.from({ length: 9 * cin * cout }, (_, i) => Math.cos(i * 0.9));
  const scale = Float32Array.from({ length: cout }, (_, co) => 0.5 + co / 8);
  const tie = { mean: new Float32Array(cout).fill(0.25), scale, shift: new Float32Array(cout) };
  const conv = { window: g, cin, cout, w, tie };
  const { a, b } = nearTieBounds(conv);
  // One output per channel placed inside its rounding bound (at 0.9, 0.6 or 0.1 of it): the
  // filter must keep its position. The folded shift is free of the tie recipe.
  const raw = convFloat(x, {
    window: g,
    cin,
    cout,
    w,
    scale: new Float32Array(cout).fill(1),
    shift: new Float32Array(cout),
  });
  const shift = new Float32Array(cout);
  for (let co = 0; co < cout; co++) {
    const p = (co * 5) % P, oy = Math.floor(p / g.ow), ox = p % g.ow;
    let sumX = 0;
    for (let iy = oy - 1; iy <= oy + 1; iy++) {
      for (let ix = ox - 1; ix <= ox + 1; ix++) {
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
        for (let c = 0; c < cin; c++) sumX += Math.abs(x[(iy * g.w + ix) * cin + c]);
      }
    }
    const at = [0.9, 0.6, 0.1][co % 3] * (a[co] * sumX + b[co]);
    shift[co] = at - scale[co] * raw[p * cout + co];
  }
  const affine = { scale, shift };
  const want = convFloat(x, { window: g, cin, cout, w, ...affine });
  const fixedWant = prepareNearTies(conv)(want, x);
  assert.ok(fixedWant >= cout, `near-ties fixed: ${fixedWant}`);
  const got = new Float32Array(P * cout), near = new Int32Array(P);
  const wts = k.uploadConvFloat!(w, { cin, cout, taps: 9 }, affine, nearTieBounds(conv));
  k.convFloat!(x, g, wts, got, near);
  assert.ok(near.some((c) => c === 0), "the filter skips positions");
  assert.equal(prepareNearTies(conv)(got, x, near), fixedWant);
  assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer));
});

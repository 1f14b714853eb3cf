/**
 * The engine's exact near-ties: fma32 against an exact BigInt oracle, the simulated float32
 * value against tfjs on the wasm backend bit for bit, and prepareNearTies touching only outputs
 * within its rounding bound.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  fma32,
  maddIsFused,
  prepareNearTies,
  simulatedValue,
  type TieParams,
} from "../../lib/deploy/exact_ties.ts";
import { window2d } from "../../lib/deploy/float_ops.ts";

await initBackend({ backend: "wasm", quiet: true });

const view = new DataView(new ArrayBuffer(4));

/** A finite nonzero float32 as sign·m·2^e with integer m < 2²⁴ (normal range only). */
function split(v: number): { m: bigint; e: number } {
  view.setFloat32(0, v);
  const bits = view.getUint32(0), exp = (bits >>> 23) & 0xff;
  const m = BigInt((bits & 0x7fffff) | (exp ? 0x800000 : 0)) * (bits >>> 31 ? -1n : 1n);
  return { m, e: (exp || 1) - 150 };
}

/** a·b + c rounded once to float32 (ties to even), exactly, with BigInt. */
function oracle(a: number, b: number, c: number): number {
  const x = split(a), y = split(b), z = split(c);
  const ep = x.e + y.e, e = Math.min(ep, z.e);
  const n = x.m * y.m * (1n << BigInt(ep - e)) + z.m * (1n << BigInt(z.e - e));
  if (n === 0n) return 0;
  const neg = n < 0n, abs = neg ? -n : n;
  const len = abs.toString(2).length;
  if (len <= 24) return (neg ? -1 : 1) * Number(abs) * 2 ** e;
  const shift = BigInt(len - 24), half = 1n << (shift - 1n);
  let q = abs >> shift;
  const rem = abs - (q << shift);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return (neg ? -1 : 1) * Number(q) * 2 ** (e + len - 24);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("fma32: one rounding, equal to an exact BigInt oracle", () => {
  const r = rng(7);
  const f = () => Math.fround((r() * 2 - 1) * 2 ** Math.floor(r() * 16 - 8));
  for (let i = 0; i < 20000; i++) {
    const [a, b, c] = [f(), f(), f()];
    assert.equal(fma32(a, b, c), oracle(a, b, c), `fma32(${a}, ${b}, ${c})`);
  }
  // The float64 sum is exactly the midpoint 1 + 3·2⁻²⁴ but the exact value is 2⁻⁷⁰ below it:
  // one rounding gives 1 + 2⁻²³; rounding the float64 sum (ties to even) would give 1 + 2⁻²².
  const a = 2 ** -12 * (1 + 2 ** -23), b = 2 ** -12 * (1 - 2 ** -23), c = 1 + 2 ** -23;
  assert.equal(oracle(a, b, c), 1 + 2 ** -23);
  assert.equal(fma32(a, b, c), 1 + 2 ** -23);
  assert.notEqual(Math.fround(a * b + c), 1 + 2 ** -23);
  assert.equal(fma32(0, 5, -0), 0);
});

Deno.test("maddIsFused: the probe agrees with a multiply-add computed both ways", () => {
  const fused = maddIsFused();
  assert.notEqual(fused, null, "Deno's V8 has relaxed SIMD");
  // On x86 with FMA3 (every machine this project runs on) the probe must see a fused madd.
  const a = 1 + 2 ** -12;
  assert.equal(fma32(a, a, -(1 + 2 ** -11)), 2 ** -24);
  assert.equal(Math.fround(Math.fround(a * a) - (1 + 2 ** -11)), 0);
  assert.equal(typeof fused, "boolean");
});

/** A conv + batch norm on wasm, and the same recipe for simulatedValue. */
function setup(options: { bias: boolean }) {
  const r = rng(options.bias ? 11 : 12);
  const n = 4, h = 16, w = 16, cin = 3, cout = 8;
  const xs = Float32Array.from({ length: n * h * w * cin }, () => r() * 4 - 2);
  const ws = Float32Array.from({ length: 9 * cin * cout }, () => r() - 0.5);
  const ch = (lo: number, hi: number) =>
    Float32Array.from({ length: cout }, () => lo + r() * (hi - lo));
  const bias = ch(-0.5, 0.5), mean = ch(-1, 1), variance = ch(0.2, 3), gamma = ch(-2, 2);
  const beta = ch(-1, 1), eps = 1e-3;
  const scale = new Float32Array(cout);
  for (let c = 0; c < cout; c++) scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
  const tie: TieParams = { bias: options.bias ? bias : undefined, mean, scale, shift: beta };
  const got = tf.tidy(() => {
    const x = tf.tensor4d(xs, [n, h, w, cin]), k = tf.tensor4d(ws, [3, 3, cin, cout]);
    const y = options.bias
      ? tf.fused.conv2d({ x, filter: k, strides: 1, pad: "same", bias: tf.tensor1d(bias) })
      : tf.conv2d(x, k, 1, "same");
    return tf.batchNorm(y, mean, variance, beta, gamma, eps).dataSync() as Float32Array;
  });
  const g = window2d({ h, w }, { k: [3, 3], strides: [1, 1], padding: "same" });
  return { xs, ws, tie, got, g, n, h, w, cin, cout };
}

for (const bias of [false, true]) {
  Deno.test(`simulatedValue equals tfjs-wasm's conv + batch norm bit for bit (bias ${bias})`, async () => {
    await tf.setBackend("wasm");
    const { xs, ws, tie, got, g, n, h, w, cin, cout } = setup({ bias });
    const img = h * w * cin, per = h * w * cout;
    for (let b = 0; b < n; b++) {
      const x = xs.subarray(b * img, (b + 1) * img);
      for (let p = 0; p < h * w; p++) {
        for (let co = 0; co < cout; co++) {
          const v = simulatedValue(x, { p, co }, { window: g, cin, cout, w: ws, tie });
          assert.equal(v, got[b * per + p * cout + co], `image ${b} position ${p} channel ${co}`);
        }
      }
    }
  });
}

Deno.test("prepareNearTies: recomputes only outputs within its rounding bound of 0", async () => {
  await tf.setBackend("wasm");
  const { xs, ws, tie, got, g, h, w, cin, cout } = setup({ bias: false });
  const x = xs.subarray(0, h * w * cin);
  const out = Float32Array.from(got.subarray(0, h * w * cout), (v) => v + 1e-3 * Math.sign(v));
  out[5] = 0;
  out[77] = -1e-12;
  const before = out.slice();
  const fixed = prepareNearTies({ window: g, cin, cout, w: ws, tie })(out, x);
  assert.equal(fixed, 2);
  assert.equal(out[5], got[5]);
  assert.equal(out[77], got[77]);
  out.forEach((v, i) => {
    if (i !== 5 && i !== 77) assert.equal(v, before[i], `output ${i} was changed`);
  });
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { ARITH_MIN_SIZE, isChannelVector, NATIVE_MIN_SIZE } from "../../lib/backend/elementwise.ts";
import {
  assertBitIdentical,
  forEachKernelPath,
  randomArray,
  relError,
  runOn,
  setupBackends,
} from "./helpers.ts";

await setupBackends();

Deno.test("isChannelVector: [C] and [1,…,1,C] against the last axis only", () => {
  assert.ok(isChannelVector([8], [2, 4, 4, 8]));
  assert.ok(isChannelVector([1, 1, 1, 8], [2, 4, 4, 8]));
  assert.ok(!isChannelVector([4, 8], [2, 4, 4, 8]));
  assert.ok(!isChannelVector([1, 1, 1, 1, 8], [2, 4, 4, 8]));
  assert.ok(!isChannelVector([7], [2, 4, 4, 8]));
  assert.ok(!isChannelVector([], [2, 4, 4, 8]));
});

const BN_CASES: { x: number[]; v: number[]; offset: boolean; scale: boolean }[] = [
  { x: [4, 8, 8, 32], v: [32], offset: true, scale: true }, // native
  { x: [2, 16, 16, 13], v: [1, 1, 1, 13], offset: true, scale: false }, // native, C % 4
  { x: [3, 12, 12, 33], v: [33], offset: false, scale: true }, // native, no offset
  { x: [2, 3, 3, 5], v: [5], offset: true, scale: true }, // small: wasm's kernel
  { x: [2, 10, 10, 24], v: [2, 10, 10, 24], offset: true, scale: true }, // full-shape moments
];

for (const c of BN_CASES) {
  Deno.test(`FusedBatchNorm wasm == cpu: x ${c.x} moments ${c.v} offset ${c.offset} scale ${c.scale}`, async () => {
    const n = c.x.reduce((a, b) => a * b, 1), m = c.v.reduce((a, b) => a * b, 1);
    const xs = randomArray(n, 31).map((v) => 3 + 2 * v); // mean far from 0
    const mean = randomArray(m, 32).map((v) => 3 + v);
    const variance = randomArray(m, 33).map((v) => 0.5 + v * v);
    const off = randomArray(m, 34), sc = randomArray(m, 35);
    const f = () =>
      tf.batchNorm(
        tf.tensor(xs, c.x),
        tf.tensor(mean, c.v),
        tf.tensor(variance, c.v),
        c.offset ? tf.tensor(off, c.v) : undefined,
        c.scale ? tf.tensor(sc, c.v) : undefined,
        1e-3,
      );
    const [w] = await runOn("wasm", f);
    const [cpu] = await runOn("cpu", f);
    assert.deepEqual(w.shape, cpu.shape);
    const e = relError(w.values, cpu.values);
    assert.ok(e <= 1e-5, `relative error ${e}`);
  });
}

Deno.test("Cast to the same dtype shares the data; other casts still convert", async () => {
  await tf.setBackend("wasm");
  const x = tf.tensor1d(randomArray(NATIVE_MIN_SIZE, 41));
  const before = tf.backend().numDataIds();
  const y = tf.cast(x, "float32");
  assert.equal(tf.backend().numDataIds(), before, "no new buffer on the backend");
  assert.deepEqual(y.dataSync(), x.dataSync());
  x.dispose();
  assert.equal(y.dataSync().length, NATIVE_MIN_SIZE, "the shared data outlives the input");
  const i = tf.cast(tf.tensor1d([1.7, -2.2, 0]), "int32");
  assert.deepEqual(Array.from(i.dataSync()), [1, -2, 0]);
  assert.equal(i.dtype, "int32");
  tf.dispose([y, i]);
});

Deno.test("Relu: the native kernel == tfjs-wasm's own (sign bit set → +0) bit for bit", async () => {
  const n = 3 * 16384 + 5; // several work units and a ragged tail, above NATIVE_MIN_SIZE
  assert.ok(n >= NATIVE_MIN_SIZE);
  const xs = randomArray(n, 91);
  const special = [0, -0, NaN, -1e-45, 1e-45, -Infinity, Infinity, -2, 3];
  xs.set(special, 0);
  new Uint32Array(xs.buffer)[special.length] = 0xffc00000; // a negative NaN
  // XNNPACK's f32 vrelu on the bits: x & ~(x >> 31).
  const bits = new Int32Array(xs.buffer);
  const expected = new Float32Array(Int32Array.from(bits, (b) => b & ~(b >> 31)).buffer);
  const small = 40; // below NATIVE_MIN_SIZE: tfjs-wasm's own kernel
  const [own] = await runOn("wasm", () => tf.relu(tf.tensor1d(xs.slice(0, small))));
  assertBitIdentical(own.values, expected.slice(0, small), "tfjs-wasm's Relu");
  const ran = await forEachKernelPath(async (path) => {
    const [r] = await runOn("wasm", () => tf.relu(tf.tensor1d(xs)));
    assertBitIdentical(r.values, expected, `${path} Relu`);
  });
  assert.deepEqual(ran, ["native", "wasm"]);
  assert.ok(Object.is(expected[1], 0) && Number.isNaN(expected[2]), "−0 → +0, NaN stays");
});

// Multiply / Add / Sub on the native pool: every operand layout it takes, at and above its size
// threshold (the product of two float32 values, and for these operands their sum, is exact in
// float64, so the cpu backend's values are the correctly rounded float32 results: bit for bit).
const ARITH_CASES: { a: number[]; b: number[] }[] = [
  { a: [520, 512], b: [520, 512] }, // both full
  { a: [1, 1], b: [2, 300, 437] }, // a one value
  { a: [2, 300, 437], b: [] }, // b one value
  { a: [512], b: [2, 260, 512] }, // a a per-channel row
  { a: [4, 65, 1013], b: [1, 1, 1013] }, // b a per-channel row, odd width
];

for (const op of ["mul", "add", "sub"] as const) {
  for (const c of ARITH_CASES) {
    Deno.test(`${op} of [${c.a}] and [${c.b}] on the native pool == cpu bit for bit`, async () => {
      const n = Math.max(...[c.a, c.b].map((s) => s.reduce((p, d) => p * d, 1)));
      assert.ok(n >= ARITH_MIN_SIZE, "the case runs natively");
      const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
      const as = randomArray(size(c.a), 71), bs = randomArray(size(c.b), 72);
      const f = () => tf[op](tf.tensor(as, c.a), tf.tensor(bs, c.b));
      const [cpu] = await runOn("cpu", f);
      await forEachKernelPath(async (path) => {
        const [w] = await runOn("wasm", f);
        assert.deepEqual(w.shape, cpu.shape);
        assertBitIdentical(w.values as Float32Array, cpu.values as Float32Array, `${path} ${op}`);
      });
    });
  }
}

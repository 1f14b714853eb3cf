import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { originalWasmKernel } from "../../lib/backend/kernels.ts";
import {
  assertBitIdentical,
  countCalls,
  forEachKernelPath,
  randomArray,
  setupBackends,
} from "./helpers.ts";

await setupBackends();

/** Values where the operand order shows: ±0, NaN, ±inf, repeats, and plain numbers. */
function trickyValues(n: number, seed: number): Float32Array {
  const r = randomArray(n, seed), out = new Float32Array(n);
  const special = [0, -0, NaN, Infinity, -Infinity, 1, -1];
  for (let i = 0; i < n; i++) {
    const u = (r[i] + 1) / 2; // [0, 1)
    out[i] = u < 0.6 ? special[Math.floor(u * 11.6) % special.length] : r[(i * 7) % n];
  }
  return out;
}

interface Case {
  shape: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: "valid" | "same";
}

const CASES: Case[] = [
  { shape: [3, 8, 8, 16], filter: [2, 2], strides: [2, 2], pad: "valid" }, // bench-vgg's pools
  { shape: [2, 7, 9, 19], filter: [2, 2], strides: [2, 2], pad: "same" }, // bottom/right edge
  { shape: [2, 9, 9, 40], filter: [3, 3], strides: [2, 2], pad: "same" }, // AlexNet-style
  { shape: [2, 6, 5, 17], filter: [3, 3], strides: [1, 1], pad: "same" }, // top/left edge
  { shape: [1, 6, 6, 3], filter: [1, 2], strides: [1, 2], pad: "valid" },
  { shape: [2, 7, 4, 1], filter: [3, 1], strides: [2, 1], pad: "same" },
  { shape: [1, 9, 9, 33], filter: [3, 3], strides: [3, 3], pad: "valid" },
  { shape: [1, 8, 10, 5], filter: [2, 3], strides: [1, 2], pad: "same" },
];

/** wasm's own (XNNPACK) MaxPool on `x`, read back. */
function xnnpackMaxPool(x: tf.Tensor4D, c: Case): Float32Array {
  const original = originalWasmKernel("MaxPool");
  assert.ok(original, "wasm's MaxPool was wrapped");
  const backend = tf.backend();
  const out = original({
    inputs: { x },
    backend,
    attrs: { filterSize: c.filter, strides: c.strides, pad: c.pad },
  }) as tf.TensorInfo;
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return values;
}

Deno.test("MaxPool: native == XNNPACK bit for bit (±0 ties, NaN, ±inf), both kernel builds", async () => {
  await tf.setBackend("wasm");
  const ran = await forEachKernelPath((path, pool) => {
    CASES.forEach((c, i) => {
      const x = tf.tensor4d(trickyValues(c.shape.reduce((p, d) => p * d, 1), 100 + i), c.shape);
      let got: Float32Array | undefined;
      const calls = countCalls(pool, () => {
        const y = tf.maxPool(x, c.filter, c.strides, c.pad);
        got = y.dataSync() as Float32Array;
        y.dispose();
      });
      assert.equal(calls.get("max_pool"), 1, `${path} case ${i}: ran natively`);
      assertBitIdentical(got!, xnnpackMaxPool(x, c), `${path} case ${i} ${JSON.stringify(c)}`);
      x.dispose();
    });
  });
  assert.ok(ran.includes("wasm"));
});

Deno.test("MaxPool: windows over 9 elements go to XNNPACK unchanged", async () => {
  await tf.setBackend("wasm");
  await forEachKernelPath((_path, pool) => {
    const c: Case = { shape: [1, 8, 8, 6], filter: [4, 4], strides: [2, 2], pad: "same" };
    const x = tf.tensor4d(trickyValues(384, 9), c.shape);
    let got: Float32Array | undefined;
    const calls = countCalls(pool, () => {
      const y = tf.maxPool(x, c.filter, c.strides, c.pad);
      got = y.dataSync() as Float32Array;
      y.dispose();
    });
    assert.equal(calls.get("max_pool"), undefined, "not run natively");
    assertBitIdentical(got!, xnnpackMaxPool(x, c), "4×4 window");
    x.dispose();
  });
});

Deno.test("MaxPool: plain values equal the cpu backend's (the maximum of each window)", async () => {
  const c: Case = { shape: [2, 9, 9, 20], filter: [3, 3], strides: [2, 2], pad: "same" };
  const values = randomArray(2 * 9 * 9 * 20, 4);
  const out: Record<string, Float32Array> = {};
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const x = tf.tensor4d(values, c.shape);
    const y = tf.maxPool(x, c.filter, c.strides, c.pad);
    out[backend] = y.dataSync() as Float32Array;
    tf.dispose([x, y]);
  }
  assertBitIdentical(out.wasm, out.cpu, "wasm vs cpu");
  await tf.setBackend("wasm");
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  type ConvAlgorithm,
  nativeConv2D,
  nativeWinogradBackpropFilter,
  winogradApplies,
} from "../../lib/backend/native_conv.ts";
import type { KernelPath } from "../../lib/backend/native_kernels.ts";
import {
  assertBitIdentical,
  forEachKernelPath,
  randomArray,
  relError,
  setupBackends,
} from "./helpers.ts";

await setupBackends();

interface Case {
  x: [number, number, number, number];
  co: number;
  pad: [[number, number], [number, number]];
}

// 3×3, stride 1. Odd and even output sizes (partial 2×2 tiles), asymmetric and over-size
// padding, Co % 4 ≠ 0 and Co % 16 ≠ 0, batch 1, and enough tiles for several blocks per thread.
const CASES: Case[] = [
  { x: [2, 7, 9, 16], co: 18, pad: [[1, 1], [1, 1]] },
  { x: [1, 8, 8, 20], co: 32, pad: [[0, 0], [0, 0]] },
  { x: [3, 5, 6, 4], co: 5, pad: [[2, 1], [0, 2]] },
  { x: [1, 3, 4, 8], co: 16, pad: [[3, 3], [2, 2]] },
  { x: [4, 16, 16, 32], co: 48, pad: [[1, 1], [1, 1]] },
  // A long reduction: F(4×4)'s rounding grows with Ci (ad-hoc: 1.7e-5 at Ci 512).
  { x: [2, 8, 8, 256], co: 32, pad: [[1, 1], [1, 1]] },
];

/** cpu reference: explicit-padding conv2d with bias and relu. */
function reference(c: Case, xs: Float32Array, ws: Float32Array, bs: Float32Array) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x), w = tf.tensor4d(ws, [3, 3, c.x[3], c.co]);
    const pad = [[0, 0], ...c.pad, [0, 0]] as tf.backend_util.ExplicitPadding;
    return [tf.conv2d(x, w, 1, pad), tf.relu(tf.add(tf.conv2d(x, w, 1, pad), tf.tensor1d(bs)))]
      .map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  });
}

function run(c: Case, algorithm: ConvAlgorithm, data: Float32Array[]) {
  const [xs, ws, bs] = data;
  const [n, h, w] = c.x;
  const out: [number, number] = [
    h + c.pad[0][0] + c.pad[0][1] - 2,
    w + c.pad[1][0] + c.pad[1][1] - 2,
  ];
  const x = tf.tensor4d(xs, c.x), f = tf.tensor4d(ws, [3, 3, c.x[3], c.co]), b = tf.tensor1d(bs);
  const base = { x, filter: f, out, strides: [1, 1] as [number, number], algorithm };
  const pad: [number, number] = [c.pad[0][0], c.pad[1][0]];
  const res = [
    nativeConv2D(tf.backend(), { ...base, pad }),
    nativeConv2D(tf.backend(), { ...base, pad, bias: b, relu: true }),
  ]
    .map((info) => {
      assert.ok(info);
      const t = tf.engine().makeTensorFromDataId(info.dataId, info.shape, info.dtype);
      const r = { shape: t.shape, values: t.dataSync() as Float32Array };
      t.dispose();
      return r;
    });
  tf.dispose([x, f, b]);
  assert.deepEqual(res[0].shape, [n, ...out, c.co]);
  return res;
}

for (const c of CASES) {
  Deno.test(`native conv: winograd F(4×4), F(2×2) and direct == cpu (plain; bias + relu): x ${c.x} co ${c.co} pad ${JSON.stringify(c.pad)}`, async () => {
    const data = [
      randomArray(c.x.reduce((a, b) => a * b), 21),
      randomArray(9 * c.x[3] * c.co, 22),
      randomArray(c.co, 23),
    ];
    await tf.setBackend("cpu");
    const ref = reference(c, data[0], data[1], data[2]);
    await tf.setBackend("wasm");
    const byPath: Partial<Record<KernelPath, Float32Array[]>> = {};
    await forEachKernelPath((path) => {
      for (const algorithm of ["winograd4", "winograd", "direct"] as const) {
        run(c, algorithm, data).forEach((r, i) => {
          assert.deepEqual(r.shape, ref[i].shape);
          const e = relError(r.values, ref[i].values);
          assert.ok(e <= 1e-4, `${path} ${algorithm} output ${i}: relative error ${e}`);
          (byPath[path] ??= []).push(r.values);
        });
      }
    });
    byPath.native?.forEach((v, i) => assertBitIdentical(v, byPath.wasm![i], `output ${i}`));
  });
}

Deno.test("native conv: winograd applies to 3×3 stride-1 convs with Ci % 4 = 0 and Ci, Co ≥ 16", () => {
  const g = { kh: 3, kw: 3, sh: 1, sw: 1, ci: 32, co: 32 };
  assert.equal(winogradApplies(g), true);
  assert.equal(winogradApplies({ ...g, sh: 2 }), false);
  assert.equal(winogradApplies({ ...g, kw: 5 }), false);
  assert.equal(winogradApplies({ ...g, ci: 3 }), false);
  assert.equal(winogradApplies({ ...g, ci: 18 }), false);
  assert.equal(winogradApplies({ ...g, co: 8 }), false);
});

Deno.test("native conv: forcing winograd where it cannot apply is one clear error", async () => {
  await tf.setBackend("wasm");
  const x = tf.zeros([1, 5, 5, 3]), f = tf.zeros([3, 3, 3, 4]);
  assert.throws(
    () =>
      nativeConv2D(tf.backend(), {
        x,
        filter: f,
        out: [5, 5],
        strides: [1, 1],
        pad: [1, 1],
        algorithm: "winograd",
      }),
    /"winograd" needs a 3×3 kernel, stride 1 and Ci % 4 = 0; got kernel 3×3, strides 1,1, Ci 3/,
  );
  tf.dispose([x, f]);
});

// Winograd's filter gradient (F(4×4, 3×3) for outputs of at least 4×4, else F(2×2, 3×3)): Ci,
// Co multiples of 4 (≥ 16), odd outputs, asymmetric and over-size padding, and more tiles than one
// block.
const BPF_CASES: Case[] = [
  { x: [2, 7, 9, 16], co: 20, pad: [[1, 1], [1, 1]] },
  { x: [1, 8, 8, 20], co: 32, pad: [[0, 0], [0, 0]] },
  { x: [3, 5, 6, 16], co: 16, pad: [[2, 1], [0, 2]] },
  { x: [1, 3, 4, 16], co: 16, pad: [[3, 3], [2, 2]] },
  { x: [4, 16, 16, 32], co: 48, pad: [[1, 1], [1, 1]] },
  { x: [2, 8, 8, 256], co: 32, pad: [[1, 1], [1, 1]] },
  // Outputs under 4×4 (F(2×2, 3×3)): 1×3 and 3×2.
  { x: [2, 3, 5, 16], co: 20, pad: [[0, 0], [0, 0]] },
  { x: [3, 3, 2, 16], co: 16, pad: [[1, 1], [1, 1]] },
];

for (const c of BPF_CASES) {
  Deno.test(`native conv: winograd filter gradient == cpu: x ${c.x} co ${c.co} pad ${JSON.stringify(c.pad)}`, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 31);
    const ws = randomArray(9 * c.x[3] * c.co, 32);
    const pad = [[0, 0], ...c.pad, [0, 0]] as tf.backend_util.ExplicitPadding;
    const [n, h, w] = c.x;
    const out = [h + c.pad[0][0] + c.pad[0][1] - 2, w + c.pad[1][0] + c.pad[1][1] - 2];
    const gs = randomArray(n * out[0] * out[1] * c.co, 33);
    await tf.setBackend("cpu");
    const ref = tf.tidy(() => {
      const x = tf.tensor4d(xs, c.x), g = tf.tensor4d(gs, [n, out[0], out[1], c.co]);
      const f = (k: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, k as tf.Tensor4D, 1, pad), g));
      return tf.grad(f)(tf.tensor4d(ws, [3, 3, c.x[3], c.co])).dataSync() as Float32Array;
    });
    await tf.setBackend("wasm");
    const byPath: Partial<Record<KernelPath, Float32Array>> = {};
    const threads: Partial<Record<KernelPath, number>> = {};
    await forEachKernelPath((path, pool) => {
      const x = tf.tensor4d(xs, c.x), dy = tf.tensor4d(gs, [n, out[0], out[1], c.co]);
      const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, c.x[3], c.co], 1, 1, pad);
      const r = nativeWinogradBackpropFilter(tf.backend(), { x, dy, info });
      assert.ok(r, "winograd applies");
      const t = tf.engine().makeTensorFromDataId(r.dataId, r.shape, r.dtype);
      assert.deepEqual(t.shape, [3, 3, c.x[3], c.co]);
      const v = byPath[path] = t.dataSync() as Float32Array;
      threads[path] = pool.threads;
      tf.dispose([x, dy, t]);
      const e = relError(v, ref);
      assert.ok(e <= 1e-4, `${path}: relative error ${e}`);
    });
    // Per-thread partial sums: bit-identical for the same thread count.
    if (byPath.native && threads.native === threads.wasm) {
      assertBitIdentical(byPath.native, byPath.wasm!, "native vs wasm");
    }
  });
}

Deno.test("native conv: the winograd filter gradient declines what it cannot compute", async () => {
  await tf.setBackend("wasm");
  const x = tf.zeros([1, 6, 6, 16]), dy = tf.zeros([1, 6, 6, 18]);
  const info = tf.backend_util.computeConv2DInfo([1, 6, 6, 16], [3, 3, 16, 18], 1, 1, "same");
  assert.equal(nativeWinogradBackpropFilter(tf.backend(), { x, dy, info }), undefined);
  const dy2 = tf.zeros([1, 3, 3, 16]);
  const info2 = tf.backend_util.computeConv2DInfo([1, 6, 6, 16], [3, 3, 16, 16], 2, 1, "same");
  assert.equal(nativeWinogradBackpropFilter(tf.backend(), { x, dy: dy2, info: info2 }), undefined);
  tf.dispose([x, dy, dy2]);
});

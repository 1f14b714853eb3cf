import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { type ConvCase, randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

const CASES: ConvCase[] = [
  { x: [2, 7, 9, 3], k: [3, 3], co: 4, strides: [1, 1], pad: "same" },
  { x: [2, 7, 9, 3], k: [3, 2], co: 4, strides: [2, 2], pad: "same" },
  { x: [1, 8, 9, 3], k: [3, 3], co: 5, strides: [2, 3], pad: "valid" },
  { x: [1, 8, 8, 2], k: [2, 2], co: 3, strides: [2, 2], pad: "same" },
  { x: [3, 5, 6, 2], k: [1, 1], co: 3, strides: [2, 1], pad: "valid" },
  { x: [1, 11, 6, 4], k: [5, 3], co: 2, strides: [1, 1], pad: "valid" },
  { x: [2, 9, 7, 3], k: [4, 3], co: 3, strides: [3, 2], pad: "same" },
  { x: [1, 6, 7, 2], k: [3, 3], co: 3, strides: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [1, 4, 4, 2], k: [3, 3], co: 2, strides: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
];

// A few more random shapes (seeded): odd sizes, strides 1–2, both paddings.
for (let i = 0; i < 6; i++) {
  const r = randomArray(8, 100 + i).map((v) => (v + 1) / 2);
  const kh = 1 + Math.floor(r[0] * 3), kw = 1 + Math.floor(r[1] * 3);
  CASES.push({
    x: [1 + Math.floor(r[2] * 2), kh + 2 + Math.floor(r[3] * 6), kw + 2 + Math.floor(r[4] * 6), 3],
    k: [kh, kw],
    co: 1 + Math.floor(r[5] * 4),
    strides: [1 + Math.floor(r[6] * 2), 1 + Math.floor(r[7] * 2)],
    pad: i % 2 ? "same" : "valid",
  });
}

/** Forward output and both gradients of Σ conv(x, W)² (a non-uniform upstream gradient 2y). */
function gradsOf(c: ConvCase, xs: Float32Array, ws: Float32Array) {
  const x = tf.tensor4d(xs, c.x);
  const w = tf.tensor4d(ws, [c.k[0], c.k[1], c.x[3], c.co]);
  const conv = (a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
  return [
    ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a, b))))([x, w]),
    conv(x, w),
  ];
}

for (const c of CASES) {
  const name = `conv2d forward + grads wasm == cpu: x ${c.x} k ${c.k} co ${c.co} s ${c.strides} ` +
    `pad ${JSON.stringify(c.pad)}`;
  Deno.test(name, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 1);
    const ws = randomArray(c.k[0] * c.k[1] * c.x[3] * c.co, 2);
    const wasm = await runOn("wasm", () => gradsOf(c, xs, ws));
    const cpu = await runOn("cpu", () => gradsOf(c, xs, ws));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(wasm[i].shape, cpu[i].shape);
      const e = relError(wasm[i].values, cpu[i].values);
      assert.ok(e <= 1e-4, `${["dx", "dW", "forward"][i]} relative error ${e}`);
    }
  });
}

Deno.test("conv backprop kernels: the project kernels are the ones registered for wasm", async () => {
  const { PROJECT_WASM_KERNELS } = await import("../../lib/backend/mod.ts");
  for (const [name, fn] of Object.entries(PROJECT_WASM_KERNELS)) {
    assert.equal(tf.getKernel(name, "wasm")?.kernelFunc, fn, name);
  }
});

Deno.test("conv backprop kernels: NCHW is rejected with a clear error", async () => {
  await tf.setBackend("wasm");
  const x = tf.zeros([1, 4, 4, 2]), dy = tf.zeros([1, 4, 4, 3]);
  assert.throws(
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "same",
        dataFormat: "NCHW",
        filterShape: [3, 3, 2, 3],
      }),
    /Conv2DBackpropFilter.*"NCHW".*NHWC/,
  );
  assert.throws(
    () =>
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: tf.zeros([3, 3, 2, 3]) }, {
        strides: 1,
        pad: "same",
        dataFormat: "NCHW",
        inputShape: [1, 4, 4, 2],
      }),
    /Conv2DBackpropInput.*NHWC/,
  );
  tf.dispose([x, dy]);
});

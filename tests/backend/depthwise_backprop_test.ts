import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  mult: number;
  strides: [number, number];
  pad: "same" | "valid";
}

const CASES: Case[] = [
  { x: [2, 7, 9, 3], k: [3, 3], mult: 1, strides: [1, 1], pad: "same" },
  { x: [1, 8, 7, 2], k: [3, 2], mult: 2, strides: [2, 2], pad: "same" },
  { x: [2, 9, 8, 3], k: [2, 3], mult: 1, strides: [2, 2], pad: "valid" },
  { x: [1, 6, 7, 4], k: [1, 3], mult: 3, strides: [2, 2], pad: "same" },
  { x: [1, 5, 5, 2], k: [3, 3], mult: 2, strides: [1, 1], pad: "valid" },
];

function gradsOf(c: Case, xs: Float32Array, ws: Float32Array) {
  const x = tf.tensor4d(xs, c.x);
  const w = tf.tensor4d(ws, [c.k[0], c.k[1], c.x[3], c.mult]);
  const conv = (a: tf.Tensor, b: tf.Tensor) =>
    tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
  return [
    ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a, b))))([x, w]),
    conv(x, w),
  ];
}

for (const c of CASES) {
  Deno.test(`depthwise forward + grads wasm == cpu: x ${c.x} k ${c.k} ×${c.mult} s ${c.strides} ${c.pad}`, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 3);
    const ws = randomArray(c.k[0] * c.k[1] * c.x[3] * c.mult, 4);
    const wasm = await runOn("wasm", () => gradsOf(c, xs, ws));
    const cpu = await runOn("cpu", () => gradsOf(c, xs, ws));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(wasm[i].shape, cpu[i].shape);
      const e = relError(wasm[i].values, cpu[i].values);
      assert.ok(e <= 1e-4, `${["dx", "dW", "forward"][i]} relative error ${e}`);
    }
  });
}

Deno.test("depthwise backprop: NCHW is rejected with a clear error", async () => {
  await tf.setBackend("wasm");
  const x = tf.zeros([1, 4, 4, 2]), dy = tf.zeros([1, 4, 4, 2]);
  assert.throws(
    () =>
      tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "same",
        dilations: 1,
        dataFormat: "NCHW",
        filterShape: [3, 3, 2, 1],
      }),
    /DepthwiseConv2dNativeBackpropFilter.*NHWC/,
  );
  tf.dispose([x, dy]);
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  assertBitIdentical,
  forEachKernelPath,
  randomArray,
  relError,
  runOn,
  setupBackends,
} from "./helpers.ts";

await setupBackends();

const CASES: {
  x: [number, number, number, number];
  f: [number, number];
  s: [number, number];
  pad: "same" | "valid";
  relu?: boolean;
}[] = [
  { x: [2, 8, 8, 3], f: [2, 2], s: [2, 2], pad: "valid", relu: true }, // many ties at 0
  { x: [1, 7, 9, 2], f: [3, 3], s: [2, 2], pad: "same" },
  { x: [3, 5, 6, 4], f: [3, 2], s: [1, 1], pad: "valid" }, // overlapping windows
  { x: [1, 9, 7, 2], f: [2, 3], s: [3, 2], pad: "same", relu: true },
  { x: [1, 1, 1, 5], f: [1, 1], s: [1, 1], pad: "valid" },
];

for (const c of CASES) {
  Deno.test(`maxPool gradient wasm == cpu: x ${c.x} f ${c.f} s ${c.s} ${c.pad}${c.relu ? " relu" : ""}`, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 60);
    const f = () => {
      let x = tf.tensor4d(xs, c.x);
      if (c.relu) x = tf.relu(x);
      const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.f, c.s, c.pad);
      const wts = tf.tensor(randomArray(pool(x).size, 61), pool(x).shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), wts)))(x)];
    };
    const wasm = await runOn("wasm", f);
    const cpu = await runOn("cpu", f);
    assert.deepEqual(wasm[0].shape, cpu[0].shape);
    const e = relError(wasm[0].values, cpu[0].values);
    assert.ok(e <= 1e-4, `relative error ${e}`);
    assert.ok(cpu[0].values.some((v) => v !== 0));
  });
}

/** Independent reference: the first strict maximum of each window gets 0 + dy, the rest +0. */
function poolGradReference(
  x: Float32Array,
  dy: Float32Array,
  shape: number[],
  f: [number, number],
): Float32Array {
  const [n, h, w, c] = shape, [fh, fw] = f, oh = h / fh, ow = w / fw;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let d = 0; d < c; d++) {
          let best = -Infinity, at = -1;
          for (let ky = 0; ky < fh; ky++) {
            for (let kx = 0; kx < fw; kx++) {
              const i = ((b * h + r * fh + ky) * w + q * fw + kx) * c + d;
              if (x[i] > best) best = x[i], at = i;
            }
          }
          if (at >= 0) dx[at] = 0 + dy[((b * oh + r) * ow + q) * c + d];
        }
      }
    }
  }
  return dx;
}

Deno.test("maxPool gradient, windows tiling the input (16-lane path + tail): bit for bit, both builds", async () => {
  const shape = [2, 6, 8, 37], f: [number, number] = [2, 2]; // 37 channels: 2 × 16 lanes + 5
  const x = randomArray(shape.reduce((a, b) => a * b), 70).map((v) => (v < -0.3 ? 0 : v));
  // NaN and −inf never win (strict >): windows (0, 0) and (0, 1) of image 0 hold some.
  x.fill(NaN, 0, 37 * 3);
  x.fill(-Infinity, 37 * 8 + 37 * 2, 37 * 8 + 37 * 4);
  const dy = randomArray(2 * 3 * 4 * 37, 71);
  dy[5] = -0, dy[40] = -0, dy[41] = NaN; // 0 + (−0) is +0 at the maximum
  const ref = poolGradReference(x, dy, shape, f);
  const ran = await forEachKernelPath(async () => {
    const [g] = await runOn("wasm", () => {
      const xt = tf.tensor4d(x, shape as [number, number, number, number]);
      const dyt = tf.tensor4d(dy, [2, 3, 4, 37]);
      return tf.engine().runKernel("MaxPoolGrad", { dy: dyt, input: xt, output: xt }, {
        filterSize: f,
        strides: f,
        pad: "valid",
      }) as tf.Tensor;
    });
    assertBitIdentical(g.values, ref, "MaxPoolGrad");
  });
  assert.ok(ran.length >= 1);
});

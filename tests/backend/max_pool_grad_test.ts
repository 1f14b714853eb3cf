import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

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

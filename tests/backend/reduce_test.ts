import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { leadingAxes } from "../../lib/backend/reduce.ts";
import { randomArray, relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

Deno.test("leadingAxes recognises leading prefixes only", () => {
  assert.equal(leadingAxes([0, 1, 2], 4), 3);
  assert.equal(leadingAxes([2, 0, 1], 4), 3);
  assert.equal(leadingAxes(0, 2), 1);
  assert.equal(leadingAxes([-4, -3], 4), 2);
  assert.equal(leadingAxes([1, 2], 4), -1);
  assert.equal(leadingAxes([0, 1, 2, 3], 4), -1);
  assert.equal(leadingAxes([3], 4), -1);
});

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [5, 7, 3, 6], axis: [0, 1, 2], keepDims: false },
  { shape: [5, 7, 3, 6], axis: [0, 1, 2], keepDims: true },
  { shape: [1, 9, 4], axis: [0, 1], keepDims: false },
  { shape: [33, 5], axis: 0, keepDims: false },
  { shape: [4, 3, 5], axis: [1, 2], keepDims: false }, // not leading: wasm's own kernel
  { shape: [4, 3, 5], axis: [0, 1, 2], keepDims: true }, // full reduction: wasm's own kernel
];

for (const c of CASES) {
  Deno.test(`sum / mean wasm == cpu: shape ${c.shape} axis ${c.axis} keepDims ${c.keepDims}`, async () => {
    const v = randomArray(c.shape.reduce((a, b) => a * b), 50);
    const f = () => {
      const x = tf.tensor(v, c.shape);
      return [tf.sum(x, c.axis, c.keepDims), tf.mean(x, c.axis, c.keepDims)];
    };
    const wasm = await runOn("wasm", f);
    const cpu = await runOn("cpu", f);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(wasm[i].shape, cpu[i].shape);
      const e = relError(wasm[i].values, cpu[i].values);
      assert.ok(e <= 1e-4, `${i ? "mean" : "sum"}: relative error ${e}`);
    }
  });
}

Deno.test("sum over leading axes of an int32 tensor keeps int32 (wasm's own kernel)", async () => {
  await tf.setBackend("wasm");
  const s = tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32"), 0);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(Array.from(s.dataSync()), [4, 6]);
  s.dispose();
});

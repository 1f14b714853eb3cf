import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { setupBackends } from "./helpers.ts";

await setupBackends();

Deno.test("Identity on wasm shares data safely: clone / dispose in either order", async () => {
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const b = tf.clone(a);
  assert.deepEqual(b.arraySync(), [[1, 2], [3, 4]]);
  a.dispose();
  assert.deepEqual(b.arraySync(), [[1, 2], [3, 4]]);
  const c = tf.add(b, 1);
  b.dispose();
  assert.deepEqual(c.arraySync(), [[2, 3], [4, 5]]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
  // Variables assigned from a cloned tensor keep their own value when the source is disposed.
  const v = tf.variable(tf.zeros([2]));
  const src = tf.tensor1d([5, 6]);
  v.assign(tf.clone(src));
  src.dispose();
  assert.deepEqual(Array.from(v.dataSync()), [5, 6]);
  v.dispose();
});

Deno.test("Identity on wasm: string tensors still work", async () => {
  await tf.setBackend("wasm");
  const s = tf.tensor1d(["a", "b"], "string");
  const t = tf.clone(s);
  assert.deepEqual(t.arraySync(), ["a", "b"]);
  tf.dispose([s, t]);
});

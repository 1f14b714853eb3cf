import assert from "node:assert/strict";
import { batches } from "../../lib/data/batches.ts";
import { syntheticDataset } from "../../lib/data/dataset.ts";
import { toTensors } from "../../lib/data/tensors.ts";
import { tf } from "../../lib/tf.ts";

Deno.test("toTensors: NHWC float32 and int32 labels with the batch's values, no leaks", () => {
  const ds = syntheticDataset(10, { shape: [3, 2, 3] });
  const [b] = batches(ds, { batchSize: 7, augment: true });
  const before = tf.memory().numTensors;
  const { x, y } = toTensors(b);
  assert.deepEqual(x.shape, [7, 3, 2, 3]);
  assert.equal(x.dtype, "float32");
  assert.deepEqual(y.shape, [7]);
  assert.equal(y.dtype, "int32");
  assert.deepEqual(x.dataSync(), b.x);
  assert.deepEqual([...y.dataSync()], [...b.y]);
  x.dispose();
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
});

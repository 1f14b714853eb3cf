import assert from "node:assert/strict";
import { classCounts, formatError, syntheticDataset } from "../../lib/data/dataset.ts";

Deno.test("syntheticDataset: shapes, labels, determinism", () => {
  const a = syntheticDataset(25, { shape: [5, 4, 3], numClasses: 7, seed: 3 });
  assert.equal(a.images.length, 25 * 60);
  assert.equal(a.n, 25);
  assert.deepEqual([...a.labels].slice(0, 9), [0, 1, 2, 3, 4, 5, 6, 0, 1]);
  assert.deepEqual(classCounts(a), [4, 4, 4, 4, 3, 3, 3]);
  assert.deepEqual(
    syntheticDataset(25, { shape: [5, 4, 3], numClasses: 7, seed: 3 }).images,
    a.images,
  );
  assert.notDeepEqual(syntheticDataset(25, { shape: [5, 4, 3], seed: 4 }).images, a.images);
  // Pixels use the whole byte range (mean near 127.5).
  const mean = a.images.reduce((s, v) => s + v, 0) / a.images.length;
  assert.ok(Math.abs(mean - 127.5) < 10, `mean ${mean}`);
  assert.throws(() => syntheticDataset(-1), /n must be/);
});

Deno.test("formatError names file and offset", () => {
  assert.equal(formatError("f.bin", 12, "bad").message, "f.bin: at byte offset 12: bad");
});

import assert from "node:assert/strict";
import { benchIterator } from "../../lib/data/bench.ts";
import { syntheticDataset } from "../../lib/data/dataset.ts";

Deno.test("benchIterator returns a positive time per batch and covers several epochs", () => {
  const ms = benchIterator(syntheticDataset(100, { shape: [8, 8, 3] }), {
    batches: 10,
    batchSize: 32,
  });
  assert.ok(Number.isFinite(ms) && ms > 0, `${ms}`);
  assert.ok(benchIterator(undefined, { batches: 3 }) > 0);
});

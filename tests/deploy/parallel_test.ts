import assert from "node:assert/strict";
import { initBackend } from "../../lib/backend/mod.ts";
import { binaryVggSmall } from "../../lib/bench/deploy.ts";
import { toDeployModel } from "../../lib/deploy/export.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import { createEnginePool } from "../../lib/deploy/parallel.ts";

await initBackend({ quiet: true });

Deno.test("engine pool: the same logits as one engine, for n below, at and above the workers", async () => {
  const model = binaryVggSmall({ width: 0.125, seed: 3 });
  const deploy = toDeployModel(model);
  model.dispose();
  const one = createEngine(deploy);
  const pool = await createEnginePool(deploy, { threads: 3 });
  try {
    assert.equal(pool.threads, 3);
    assert.equal(pool.kernel, one.kernel);
    const inSize = deploy.inputShape.reduce((a, b) => a * b, 1);
    for (const n of [1, 3, 7]) {
      const x = Float32Array.from({ length: n * inSize }, (_, i) => Math.sin(i * 0.37 + n));
      const want = one.predictBatch(x, n);
      const got = await pool.predictBatch(x, n);
      assert.deepEqual(got, want, `n = ${n}`);
    }
    const binary = [...pool.profile.values()].filter((v) => v.binary);
    assert.ok(binary.length > 0 && binary.every((v) => v.ms >= 0), "profile of the last batch");
    await assert.rejects(() => pool.predictBatch(new Float32Array(5), 1), /batch has 5 values/);
    const first = pool.predictBatch(new Float32Array(inSize), 1);
    await assert.rejects(() => pool.predictBatch(new Float32Array(inSize), 1), /already running/);
    assert.equal((await first).length, one.outputShape.reduce((a, b) => a * b, 1));
  } finally {
    pool.dispose();
  }
});

Deno.test("engine pool: a bad thread count is one clear error", async () => {
  const model = binaryVggSmall({ width: 0.125 });
  const deploy = toDeployModel(model);
  model.dispose();
  await assert.rejects(
    () => createEnginePool(deploy, { threads: 0 }),
    /threads must be an integer ≥ 1, got 0/,
  );
});

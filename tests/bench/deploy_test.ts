import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  benchDeploy,
  binaryVggSmall,
  CHILD_SECTIONS,
  formatDeployBench,
  measureChildSection,
} from "../../lib/bench/deploy.ts";
import { binaryForwardEnabled } from "../../lib/backend/binary_conv.ts";

await initBackend({ backend: "wasm", quiet: true });

Deno.test("benchDeploy: sizes in closed form, both tfjs baselines timed, ratios of the times", async () => {
  const model = binaryVggSmall({ width: 0.125 });
  try {
    const r = await benchDeploy(model, { images: 2, batchSize: 2, rounds: 1, threads: 1 });
    assert.equal(r.float32Bytes, 4 * model.countParams());
    assert.ok(r.sizeRatio > 10, `size ratio ${r.sizeRatio}`);
    const bl = r.binaryLayers;
    for (const [k, v] of Object.entries(bl)) assert.ok(Number.isFinite(v) && v > 0, `${k} = ${v}`);
    assert.equal(r.binaryLayerSpeedup, bl.tfjsMs / bl.engineMs);
    assert.equal(r.binaryLayerSpeedupFloat, bl.tfjsFloatMs / bl.engineMs);
    assert.equal(binaryForwardEnabled(), true, "the popcount forward is back on afterwards");
    assert.match(formatDeployBench(r), /with float convolutions → [0-9.]+×/);
    await assert.rejects(
      benchDeploy(model, { engineRepeat: 0 }),
      /engineRepeat must be an integer ≥ 1, got 0/,
    );
  } finally {
    model.dispose();
  }
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("benchDeploy stock and portable: stock tfjs-wasm and the lab's wasm kernels in child processes", async () => {
  const model = binaryVggSmall({ width: 0.125 });
  try {
    const r = await benchDeploy(model, {
      images: 2,
      batchSize: 2,
      rounds: 1,
      threads: 1,
      width: 0.125,
      stock: true,
      portable: true,
    });
    assert.ok(r.stock, "stock measured");
    assert.ok(Number.isFinite(r.stock.tfjsMs) && r.stock.tfjsMs > 0, `${r.stock.tfjsMs}`);
    assert.ok(r.stock.threads >= 1);
    assert.equal(r.stock.speedup, r.stock.tfjsMs / r.binaryLayers.engineMs);
    assert.match(formatDeployBench(r), /stock tfjs-wasm \(XNNPACK, \d+ threads?\) [0-9.]+ ms → /);
    assert.ok(r.portable, "portable measured");
    assert.ok(Number.isFinite(r.portable.tfjsMs) && r.portable.tfjsMs > 0, `${r.portable.tfjsMs}`);
    assert.equal(r.portable.speedup, r.portable.tfjsMs / r.binaryLayers.engineMs);
    assert.match(
      formatDeployBench(r),
      /portable wasm kernels \(BNN_NATIVE=0, \d+ threads\) [0-9.]+ ms → /,
    );
  } finally {
    model.dispose();
  }
});

Deno.test("measureChildSection: each configuration runs the kernels it names, or throws", async () => {
  const o = { width: 0.125, batch: 2, rounds: 1, threads: 1 };
  for (const config of ["stock", "portable"] as const) {
    const r = await measureChildSection(config, o);
    assert.equal(r.kernels, CHILD_SECTIONS[config].kernels);
    assert.ok(r.ms > 0 && r.threads >= 1, JSON.stringify(r));
  }
});

import assert from "node:assert/strict";
import { getPreset, planPreset, PRESETS } from "../../../lib/experiments/config/presets.ts";
import { trainSize } from "../../../lib/experiments/run/data_setup.ts";

Deno.test("presets: smoke, quick and paper plan deduplicated grids with their seeds", async () => {
  for (const name of ["smoke", "quick", "paper"]) {
    const p = getPreset(name);
    const runs = await planPreset(name);
    const rows = new Set(runs.map((r) => r.configKey)).size;
    assert.equal(runs.length, rows * p.seeds, name);
    for (const r of runs) assert.equal(r.config.epochs, p.base.epochs);
  }
  assert.ok(getPreset("quick").seeds >= 2);
  assert.equal(getPreset("paper").seeds, 3);
  const paper = await planPreset("paper", { seeds: 1 });
  assert.deepEqual([...new Set(paper.map((r) => r.config.model))].sort(), [
    "alexnet",
    "dorefa",
    "vgg_small",
  ]);
  assert.ok(paper.every((r) => r.config.width === 1 && r.config.trainSubset === null));
  const smoke = await planPreset("smoke");
  assert.ok(smoke.every((r) => r.config.dataset === "synthetic"));
  const quick = await planPreset("quick", { seeds: 3, only: "reg=" });
  assert.deepEqual(new Set(quick.map((r) => r.config.seed)), new Set([0, 1, 2]));
  assert.ok(quick.every((r) => r.config.dataset === "cifar10" && trainSize(r.config) <= 50000));
});

Deno.test("presets: unknown name and bad seeds give one clear error", async () => {
  assert.throws(
    () => getPreset("fast"),
    /preset: unknown name 'fast'; expected one of smoke, quick, paper/,
  );
  await assert.rejects(() => planPreset("smoke", { seeds: 0 }), /--seeds: expected an integer/);
  assert.deepEqual(Object.keys(PRESETS), ["smoke", "quick", "paper"]);
});

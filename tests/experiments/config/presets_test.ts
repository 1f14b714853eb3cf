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
  assert.deepEqual(Object.keys(PRESETS), [
    "smoke",
    "quick",
    "paper",
    "imagenet",
    "imagenet-112",
  ]);
});

Deno.test("preset imagenet: AlexNet baselines + BNN+ axes, ResNet-18 rows, paper claims, imagenet-112", async () => {
  const p = getPreset("imagenet");
  const runs = await planPreset("imagenet");
  assert.equal(p.seeds, 1);
  assert.ok(runs.every((r) => r.config.dataset === "imagenet" && r.config.imageSize === 224));
  const labels = runs.map((r) => r.labels[0]);
  for (
    const l of [
      "AlexNet: BNN+ (default)",
      "AlexNet: BNN (ste, no α, no R)",
      "AlexNet: XNOR-style (ste, fixed mean|W| α)",
      "AlexNet: full precision",
      "AlexNet: reg=none",
      "AlexNet: reg=manhattan",
      "AlexNet: α=none",
      "AlexNet: α=fixed/channel",
      "AlexNet: act=ste_sign",
      "AlexNet: act=swish_sign β=10",
      "ResNet-18 Bi-Real: BNN+ (default)",
      "ResNet-18 Bi-Real: BNN (ste, no α, no R)",
      "ResNet-18 Bi-Real: XNOR-style (ste, fixed mean|W| α)",
      "ResNet-18 Bi-Real: full precision",
    ]
  ) assert.ok(labels.includes(l), l);
  assert.equal(runs.length, 14);
  // The ImageNet rows use a fixed β (larq PR #172: the paper's ImageNet runs did not learn β).
  assert.ok(runs.every((r) => !r.config.trainableBeta));
  const xnor = runs.find((r) => r.labels[0].startsWith("AlexNet: XNOR"))!.config;
  assert.deepEqual([xnor.inputQuantizer, xnor.scale, xnor.regularizer], [
    "ste_sign",
    "fixed",
    "none",
  ]);
  const notes = p.notes.join(" ");
  assert.ok(/beats BNN by 4 points\s+and XNOR-Net by 2 points/.test(notes), notes);
  assert.ok(notes.includes("44.2") && notes.includes("56.6"));

  const small = await planPreset("imagenet-112");
  assert.deepEqual(small.map((r) => r.labels[0]), runs.map((r) => r.labels[0]));
  assert.ok(small.every((r) => r.config.imageSize === 112));
  assert.ok(small.every((r, k) => r.runId !== runs[k].runId));
});

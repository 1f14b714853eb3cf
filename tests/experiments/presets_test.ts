import assert from "node:assert/strict";
import { getPreset, planPreset, PRESETS } from "../../lib/experiments/presets.ts";
import { trainSize } from "../../lib/experiments/data_setup.ts";

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

Deno.test("preset imagenet: AlexNet baselines + BNN+ axes, ResNet-18 rows, paper claims, dry-run projection", async () => {
  const { formatPlan, projectPlan, ASSUMED_BACKEND_MACS } = await import(
    "../../lib/experiments/estimate.ts"
  );
  const { initBackend } = await import("../../lib/backend/mod.ts");
  await initBackend({ quiet: true });
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

  // Projection: AlexNet's forward multiply-adds in closed form (see tests/models_test.ts).
  const fwd = 55 * 55 * 121 * 3 * 96 + 27 * 27 * 25 * 96 * 256 + 13 * 13 * 9 * 256 * 384 +
    13 * 13 * 9 * 384 * 384 + 13 * 13 * 9 * 384 * 256 + 9216 * 4096 + 4096 * 4096 + 4096 * 1000;
  const proj = projectPlan(runs, null);
  const i = runs.findIndex((r) => r.config.model === "alexnet_imagenet");
  assert.equal(proj.macs[i], 45 * (3 * fwd * 1281167 + fwd * 50000));
  assert.equal(proj.images[i], 45 * (1281167 + 50000));
  assert.equal(proj.measured, null);
  assert.equal(proj.perBackend.length, ASSUMED_BACKEND_MACS.length);
  assert.equal(proj.perBackend[0].perRun[i], proj.macs[i] / ASSUMED_BACKEND_MACS[0].macsPerSecond);
  const text = formatPlan(runs, null, 2);
  assert.ok(text.includes("Slurm array widths 1, 4, 8, 14"), text);
  assert.ok(text.includes("ASSUMED"), text);
  assert.ok(text.trim().endsWith("14 runs"));
  const small = await planPreset("imagenet-112");
  assert.deepEqual(small.map((r) => r.labels[0]), runs.map((r) => r.labels[0]));
  assert.ok(small.every((r) => r.config.imageSize === 112));
  assert.ok(small.every((r, k) => r.runId !== runs[k].runId));
});

import assert from "node:assert/strict";
import {
  getPreset,
  HEADLINE_ROWS,
  planPreset,
  PRESETS,
  STANDARD_OTHER_SEEDS,
  STANDARD_ROWS,
} from "../../../lib/experiments/config/presets.ts";
import { trainSize } from "../../../lib/experiments/run/data_setup.ts";

Deno.test("presets: smoke, quick, long and paper plan deduplicated grids with their seeds", async () => {
  for (const name of ["smoke", "quick", "long", "paper"]) {
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
    /preset: unknown name 'fast'; expected one of smoke, quick, standard, long, paper/,
  );
  await assert.rejects(() => planPreset("smoke", { seeds: 0 }), /--seeds: expected an integer/);
  assert.deepEqual(Object.keys(PRESETS), [
    "smoke",
    "quick",
    "standard",
    "long",
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

Deno.test("presets: standard = baselines + the paper's three axes, 3 seeds on headline rows", async () => {
  const runs = await planPreset("standard");
  const rows = new Map<string, number[]>();
  for (const r of runs) rows.set(r.labels[0], [...(rows.get(r.labels[0]) ?? []), r.config.seed]);
  assert.deepEqual([...rows.keys()], [...STANDARD_ROWS]);
  for (const [label, seeds] of rows) {
    const k = HEADLINE_ROWS.includes(label) ? 3 : STANDARD_OTHER_SEEDS;
    assert.deepEqual(seeds, Array.from({ length: k }, (_, i) => i), label);
  }
  assert.equal(runs.length, 2 * 3 + 11 * STANDARD_OTHER_SEEDS);
  const axes = new Set(runs.flatMap((r) => r.axes));
  for (const a of ["baseline", "regularizer", "scale", "backward"]) assert.ok(axes.has(a), a);
  for (const r of runs) {
    assert.equal(trainSize(r.config), 50000);
    assert.equal(r.config.testSubset, null);
    assert.equal(r.config.batchSize, 128);
    assert.equal(r.config.lrSchedule, "cosine");
    assert.ok(r.config.epochs > getPreset("quick").base.epochs!);
  }
  // The default row carries the aliases of the axes it sits on (β = 5, reg = euclidean, …).
  const def = runs.find((r) => r.labels[0] === "BNN+ (default)")!;
  assert.ok(def.labels.includes("act=swish_sign β=5") && def.labels.includes("reg=euclidean"));
  // --seeds caps every row; a larger K only widens the headline rows.
  const one = await planPreset("standard", { seeds: 1 });
  assert.equal(one.length, STANDARD_ROWS.length);
  const five = await planPreset("standard", { seeds: 5 });
  assert.equal(five.length, 2 * 5 + 11 * STANDARD_OTHER_SEEDS);
});

Deno.test("presets: long sits between standard and paper", () => {
  const [s, l, p] = ["standard", "long", "paper"].map((n) => getPreset(n).base);
  assert.ok(s.width! < l.width! && l.width! < p.width!);
  assert.ok(s.epochs! < l.epochs! && l.epochs! < p.epochs!);
  assert.equal(l.trainSubset, null);
});

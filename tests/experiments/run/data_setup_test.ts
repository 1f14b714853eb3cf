import assert from "node:assert/strict";
import {
  dataShape,
  learnableSynthetic,
  loadRunData,
  openRunData,
  perClassSubset,
  type RunData,
  SYNTHETIC_SIZES,
  testSize,
  trainSize,
} from "../../../lib/experiments/run/data_setup.ts";
import { classCounts } from "../../../lib/data/mod.ts";

Deno.test("subset sizes: per-class counts of the data module, rounded down to whole classes", () => {
  assert.equal(perClassSubset("cifar10", null), undefined);
  assert.equal(perClassSubset("cifar10", 10000), 1000);
  assert.equal(perClassSubset("cifar10", 10005), 1000);
  assert.equal(perClassSubset("cifar10", 60000), undefined);
  assert.equal(trainSize({ dataset: "cifar10", trainSubset: 10005 }), 10000);
  assert.equal(trainSize({ dataset: "mnist", trainSubset: null }), 60000);
  assert.equal(testSize({ dataset: "cifar10", testSubset: 2000 }), 2000);
  assert.equal(testSize({ dataset: "synthetic", testSubset: null }), SYNTHETIC_SIZES.test);
});

Deno.test("learnableSynthetic: balanced, deterministic, and classes separable by their mean pattern", async () => {
  const a = learnableSynthetic(64, "train");
  const b = learnableSynthetic(64, "train");
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(classCounts(a), [16, 16, 16, 16]);
  const { train, test } = await loadRunData({ dataset: "synthetic" });
  assert.equal(train.n, SYNTHETIC_SIZES.train);
  assert.equal(test.n, SYNTHETIC_SIZES.test);
  // Nearest class mean (computed on train) classifies test examples well above chance (25 %).
  const size = 16 * 16 * 3;
  const means = Array.from({ length: 4 }, () => new Float64Array(size));
  for (let i = 0; i < train.n; i++) {
    for (let k = 0; k < size; k++) {
      means[train.labels[i]][k] += train.images[i * size + k] / (train.n / 4);
    }
  }
  let correct = 0;
  for (let i = 0; i < test.n; i++) {
    const d = means.map((m) => m.reduce((s, v, k) => s + (v - test.images[i * size + k]) ** 2, 0));
    if (d.indexOf(Math.min(...d)) === test.labels[i]) correct++;
  }
  assert.ok(correct / test.n > 0.9, `nearest-mean accuracy ${correct / test.n}`);
});

Deno.test("dataShape: from the dataset specs (real data) or the synthetic sizes, without loading", async () => {
  const { DATASETS } = await import("../../../lib/data/specs.ts");
  assert.deepEqual(dataShape("cifar10"), { inputShape: [32, 32, 3], numClasses: 10 });
  assert.deepEqual(dataShape("fashion-mnist"), { inputShape: [28, 28, 1], numClasses: 10 });
  assert.deepEqual(dataShape("mnist").inputShape, DATASETS.mnist.shape);
  assert.deepEqual(dataShape("synthetic"), { inputShape: [16, 16, 3], numClasses: 4 });
  assert.notEqual(dataShape("cifar10").inputShape, DATASETS.cifar10.shape); // a copy
  // ImageNet: the side is a run parameter (default 224), classes and sizes from IMAGENET.
  assert.deepEqual(dataShape("imagenet"), { inputShape: [224, 224, 3], numClasses: 1000 });
  assert.deepEqual(dataShape("imagenet", 112), { inputShape: [112, 112, 3], numClasses: 1000 });
  assert.equal(trainSize({ dataset: "imagenet", trainSubset: null }), 1281167);
  assert.equal(trainSize({ dataset: "imagenet", trainSubset: 10500 }), 10000); // 10 per class
  assert.equal(testSize({ dataset: "imagenet", testSubset: null }), 50000);
});

Deno.test({
  name:
    "ImageNet run: two epochs of ResNet-18 Bi-Real (BNN+) on a generated JPEG folder learn; resume is exact",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { initBackend } = await import("../../../lib/backend/mod.ts");
    const { makeConfig, configKey, runId } = await import(
      "../../../lib/experiments/config/config.ts"
    );
    const { executeRun } = await import("../../../lib/experiments/run/execute.ts");
    const { join, materializeRuns, readJson, runDir } = await import(
      "../../../lib/experiments/store/store.ts"
    );
    const { writeSyntheticImagenet } = await import("../../../lib/data/imagenet/synthetic.ts");
    await initBackend({ quiet: true });
    // Decode on the test's thread (worker pools are tested in tests/data/imagenet/pool_test.ts
    // and give identical batches): starting workers would dominate this test's time.
    const workersBefore = Deno.env.get("BNN_DECODE_WORKERS");
    Deno.env.set("BNN_DECODE_WORKERS", "0");
    const dir = await Deno.makeTempDir({ prefix: "imagenet_run_" });
    try {
      // 4 colour classes × 16 images of odd sizes, some grayscale/CMYK (those carry no colour).
      await writeSyntheticImagenet(`${dir}/data`, {
        classes: 4,
        trainPerClass: 16,
        valPerClass: 8,
        valLayout: "csv",
        minSide: 24,
        maxSide: 40,
      });
      const config = makeConfig({
        model: "resnet18_bireal",
        width: 1 / 8,
        dataset: "imagenet",
        imageSize: 32,
        batchSize: 8,
        epochs: 2,
        lr: 3e-3,
        augment: true,
      });
      assert.deepEqual(openRunDataShape(await openRunData(config, { dataDir: `${dir}/data` })), {
        inputShape: [32, 32, 3],
        numClasses: 4,
        stepsPerEpoch: 8,
      });
      const run = async (results: string, stopAfter?: number) => {
        const id = await runId(config);
        materializeRuns(results, "t", [{
          runId: id,
          configKey: await configKey(config),
          labels: ["BNN+"],
          axes: ["baseline"],
          config,
        }]);
        let steps = 0;
        const opts = {
          resultsDir: results,
          preset: "t",
          dataDir: `${dir}/data`,
          onEvent: (e: { t: string }) => e.t === "step" && steps++,
          stepEventMs: 0,
          shouldStop: () => stopAfter !== undefined && steps >= stopAfter,
        };
        const first = await executeRun(id, opts);
        if (stopAfter === undefined) return first;
        assert.equal(first.status, "interrupted");
        return await executeRun(id, { ...opts, shouldStop: () => false });
      };
      const whole = await run(`${dir}/a`);
      assert.equal(whole.status, "done", String(whole.reason));
      const id = await runId(config);
      const metrics = Deno.readTextFileSync(join(runDir(`${dir}/a`, "t", id), "metrics.jsonl"))
        .trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(metrics.length, 2);
      assert.ok(metrics[1].loss < metrics[0].loss, `loss ${metrics[0].loss} → ${metrics[1].loss}`);
      // Chance is 25 %; the classes differ in colour, which the real-valued shortcuts carry.
      assert.ok(metrics[1].testAcc >= 0.5, `test accuracy ${metrics[1].testAcc}`);
      // Interrupted after 4 steps of epoch 1 and resumed: the same numbers.
      const resumed = await run(`${dir}/b`, 4);
      assert.equal(resumed.status, "done", String(resumed.reason));
      const m2 = Deno.readTextFileSync(join(runDir(`${dir}/b`, "t", id), "metrics.jsonl"))
        .trim().split("\n").map((l) => JSON.parse(l));
      const core = (m: Record<string, number>[]) =>
        m.map((x) => [x.loss, x.trainAcc, x.testLoss, x.testAcc]);
      assert.deepEqual(core(m2), core(metrics));
      assert.ok(readJson(join(runDir(`${dir}/b`, "t", id), "summary.json")));
    } finally {
      if (workersBefore === undefined) Deno.env.delete("BNN_DECODE_WORKERS");
      else Deno.env.set("BNN_DECODE_WORKERS", workersBefore);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function openRunDataShape(d: RunData) {
  d.close();
  return { inputShape: d.inputShape, numClasses: d.numClasses, stepsPerEpoch: d.stepsPerEpoch };
}

Deno.test("openRunData with subsets (only their pixels decoded) gives the batches of the full splits", async () => {
  const { makeConfig } = await import("../../../lib/experiments/config/config.ts");
  const { batches, loadDataset } = await import("../../../lib/data/mod.ts");
  const { trainNormalization } = await import("../../../lib/experiments/run/data_setup.ts");
  const config = makeConfig({
    model: "vgg_small",
    dataset: "cifar10",
    trainSubset: 2000,
    testSubset: 1000,
    batchSize: 100,
    augment: true,
    seed: 3,
  });
  const run = await openRunData(config);
  const train = await loadDataset("cifar10", { download: false });
  const test = await loadDataset("cifar10", { split: "test", download: false });
  const normalize = trainNormalization(train);
  const ref = batches(train, {
    batchSize: 100,
    seed: 3,
    epoch: 1,
    shuffle: true,
    augment: true,
    normalize,
    subset: 200,
  });
  let n = 0;
  for (const b of run.trainBatches(1, 0) as Iterable<{ x: Float32Array; y: Int32Array }>) {
    const r = ref.next().value!;
    assert.deepEqual(b.x, r.x, `train batch ${n}`);
    assert.deepEqual(b.y, r.y);
    n++;
  }
  assert.equal(n, 20);
  const refTest = batches(test, {
    batchSize: 100,
    shuffle: false,
    augment: false,
    normalize,
    subset: 100,
  });
  n = 0;
  for (const b of run.testBatches() as Iterable<{ x: Float32Array; y: Int32Array }>) {
    const r = refTest.next().value!;
    assert.deepEqual(b.x, r.x, `test batch ${n}`);
    assert.deepEqual(b.y, r.y);
    n++;
  }
  assert.equal(n, 10);
});

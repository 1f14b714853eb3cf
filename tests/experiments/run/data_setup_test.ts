import assert from "node:assert/strict";
import {
  dataShape,
  learnableSynthetic,
  loadRunData,
  perClassSubset,
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
});

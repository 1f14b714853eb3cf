import assert from "node:assert/strict";
import {
  ablationRows,
  gridPosition,
  meanCurves,
  meanStd,
  runChanceFlag,
} from "../../lib/results/aggregate.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("meanStd: sample standard deviation, edge cases", () => {
  const { mean, std } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(mean, 5);
  assert.ok(Math.abs(std! - Math.sqrt(32 / 7)) < 1e-12);
  assert.deepEqual(meanStd([3]), { mean: 3, std: 0 });
  assert.deepEqual(meanStd([]), { mean: null, std: null });
});

Deno.test("meanStd: sample standard deviation", () => {
  const { mean, std } = meanStd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(std! - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([7]), { mean: 7, std: 0 });
  assert.deepEqual(meanStd([]), { mean: null, std: null });
});

Deno.test("ablationRows: one row per config of the axis, failed runs excluded from the mean", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const runs = readRuns(dir, "p");
    const rows = ablationRows(runs, "regularizer");
    // Grid order (none, manhattan, euclidean), not the order of the run folders.
    assert.deepEqual(rows.map((r) => r.label), ["reg=none", "reg=manhattan", "reg=euclidean"]);
    const eu = rows[2];
    assert.ok(Math.abs(eu.mean - 0.61) < 1e-12);
    assert.ok(Math.abs(eu.std - Math.sqrt(2 * 0.01 ** 2)) < 1e-12);
    assert.deepEqual([eu.n, eu.runs, eu.epochs, eu.backend], [2, 2, 2, "wasm"]);
    assert.deepEqual([rows[1].n, rows[1].runs], [0, 1]);
    assert.ok(Number.isNaN(rows[1].mean));
    // The shared default row shows up under its baseline label on the baseline axis.
    assert.deepEqual(ablationRows(runs, "baseline").map((r) => r.label), ["BNN+ (default)"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("meanCurves averages each epoch over seeds", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const curves = meanCurves(readRuns(dir, "p"), "regularizer");
    const none = curves.find((c) => c.name === "reg=none")!;
    assert.deepEqual(none.epochs, [1, 2]);
    assert.ok(Math.abs(none.values[0] - 0.4) < 1e-12 && Math.abs(none.values[1] - 0.52) < 1e-12);
    const loss = meanCurves(readRuns(dir, "p"), "scale", { metric: "loss" });
    assert.ok(Math.abs(loss[0].values[1] - 1.55) < 1e-12);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("gridPosition follows the ablation grid; unknown labels sort last", () => {
  assert.ok(gridPosition("reg=none") < gridPosition("reg=manhattan"));
  assert.ok(gridPosition("act=swish_sign β=2") < gridPosition("act=swish_sign β=10"));
  assert.equal(gridPosition("not a row"), Infinity);
});

Deno.test("runChanceFlag: first-epoch train accuracy within 3σ of chance; smoke data exempt", () => {
  const view = (dataset: string, trainAcc: number) => ({
    record: { config: { dataset, trainSubset: null } },
    metrics: [{ epoch: 1, trainAcc }],
  });
  // CIFAR-10, all 50 000 images: threshold 0.1 + 3·√(0.09/50000) = 0.10402
  assert.match(runChanceFlag(view("cifar10", 0.104))!, /at chance \(≤ 10\.4 % = 1\/10 \+ 3σ\)/);
  assert.equal(runChanceFlag(view("cifar10", 0.1041)), null);
  assert.equal(runChanceFlag(view("synthetic", 0.25)), null);
  assert.equal(
    runChanceFlag({ record: { config: {} }, metrics: [{ epoch: 1, trainAcc: 0.1 }] }),
    null,
  );
});

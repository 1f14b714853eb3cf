import assert from "node:assert/strict";
import { liveCurves, LiveFigure } from "../../lib/plots/live.ts";

Deno.test("liveCurves records every epoch and draws one line per metric", async () => {
  const lc = liveCurves({ metrics: ["trainAccuracy", "testAccuracy"], label: "acc" });
  for (let e = 1; e <= 4; e++) {
    await lc.onEpoch({ epoch: e, trainAccuracy: e / 10, testAccuracy: e / 20, extra: "x" });
  }
  assert.equal(lc.history.length, 4);
  assert.equal(lc.live.draws, 4);
  const fig = lc.figure();
  assert.deepEqual(fig.data.map((t) => t.name), ["train", "test"]);
  assert.deepEqual(fig.data[0].x, [1, 2, 3, 4]);
  assert.deepEqual(fig.data[1].y, [0.05, 0.1, 0.15, 0.2]);
});

Deno.test("liveCurves: a missing metric becomes a gap, not a crash", async () => {
  const lc = liveCurves({ metrics: ["loss"] });
  await lc.onEpoch({ epoch: 1 });
  await lc.onEpoch({ epoch: 2, loss: 0.5 });
  assert.deepEqual(lc.figure().data[0].y, [null, 0.5]);
});

Deno.test("LiveFigure ids are unique unless given", () => {
  assert.notEqual(new LiveFigure().displayId, new LiveFigure().displayId);
  assert.equal(new LiveFigure("x").displayId, "x");
});

Deno.test("liveCurves.onStep: a point and a redraw every `every` steps, during the first epoch", async () => {
  const lc = liveCurves({ every: 3, stepsPerEpoch: 6 });
  // Steps with known accuracy: 1/4, 2/4, 3/4 correct of 4, then 0/4 …
  const correct = [1, 2, 3, 0, 0, 0];
  for (const c of correct) await lc.onStep({ loss: 2 - c / 4, correct: c, size: 4 });
  assert.equal(lc.live.draws, 2, "two redraws before the epoch ends");
  assert.deepEqual(lc.steps, [
    { x: 0.5, accuracy: 6 / 12, loss: 2 - 6 / 12 },
    { x: 1, accuracy: 0, loss: 2 },
  ]);
  await lc.onEpoch({ epoch: 1, testAccuracy: 0.2 });
  // The epoch's train accuracy defaults to the mean over its steps: 6 / 24.
  assert.equal(lc.history[0].trainAccuracy, 0.25);
  const fig = lc.figure();
  assert.deepEqual(fig.data.map((t) => t.name), ["train, every 3 batches", "train", "test"]);
  assert.deepEqual(fig.data[0].x, [0.5, 1]);
  assert.deepEqual((fig.layout.yaxis as { range: number[] }).range, [0, 1]);
  assert.throws(() => liveCurves({ every: 0 }), /every must be a positive integer/);
});

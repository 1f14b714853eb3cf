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

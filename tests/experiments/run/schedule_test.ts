import assert from "node:assert/strict";
import { learningRate } from "../../../lib/experiments/run/schedule.ts";

Deno.test("learningRate: cosine from lr to lr·factor over the run; constant stays", () => {
  const c = { lr: 1e-3, lrSchedule: "cosine" as const, lrFinalFactor: 1e-2 };
  assert.equal(learningRate(c, 0, 100), 1e-3);
  assert.ok(Math.abs(learningRate(c, 100, 100) - 1e-5) < 1e-18);
  assert.ok(Math.abs(learningRate(c, 50, 100) - (1e-5 + 0.5 * (1e-3 - 1e-5))) < 1e-15);
  assert.ok(
    Math.abs(learningRate(c, 25, 100) - (1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.SQRT1_2))) < 1e-15,
  );
  assert.equal(learningRate(c, 200, 100), learningRate(c, 100, 100));
  assert.equal(learningRate({ ...c, lrSchedule: "constant" }, 70, 100), 1e-3);
});

import assert from "node:assert/strict";
import { initBackend } from "../../../lib/backend/mod.ts";
import {
  ASSUMED_BACKEND_MACS,
  costClass,
  estimateFromSteps,
  estimatePlan,
  EVAL_STEP_FRACTION,
  formatPlan,
  packWall,
  projectPlan,
  RUN_OVERHEAD_SECONDS,
  runSteps,
  type StepTime,
} from "../../../lib/experiments/run/estimate.ts";
import { planPreset } from "../../../lib/experiments/config/presets.ts";

Deno.test("runSteps: standard preset run = 8 epochs × (391 train + 79 test batches)", async () => {
  const [run] = await planPreset("standard", { seeds: 1, only: "BNN+ (default)" });
  assert.deepEqual(runSteps(run), {
    train: run.config.epochs * Math.ceil(50000 / 128),
    eval: run.config.epochs * Math.ceil(10000 / 128),
  });
});

Deno.test("packWall: greedy longest-first onto the least-loaded slot", () => {
  assert.equal(packWall([5, 4, 3, 3, 3], 2), 10); // 5 | 4 → 4+3 → 5+3 → 7+3: loads 8, 10
  assert.equal(packWall([5, 4, 3, 3, 3], 1), 18);
  assert.equal(packWall([5, 4, 3], 10), 5);
  assert.equal(packWall([], 3), 0);
  assert.throws(() => packWall([1], 0), /width is 0; expected a positive integer/);
});

Deno.test("estimateFromSteps: arithmetic of the standard plan with injected step times", async () => {
  const runs = await planPreset("standard");
  const bin = 0.2, fp = 0.1; // fake measured CPU seconds per step (wall: twice that, a busy machine)
  const steps: Record<string, StepTime> = {};
  for (const r of runs) {
    const fake = r.config.inputQuantizer === "none" ? fp : bin;
    steps[costClass(r)] = { wall: 2 * fake, cpu: fake };
  }
  assert.equal(Object.keys(steps).length, 2);
  const est = estimateFromSteps(runs, steps, 2);
  const e = runs[0].config.epochs;
  const perStep = e * (391 + 79 * EVAL_STEP_FRACTION); // step-equivalents of one run
  const nFp = runs.filter((r) => r.config.inputQuantizer === "none").length;
  const nBin = runs.length - nFp;
  const total = nBin * (perStep * bin + RUN_OVERHEAD_SECONDS) +
    nFp * (perStep * fp + RUN_OVERHEAD_SECONDS);
  assert.ok(Math.abs(est.totalSeconds - total) < 1e-6);
  // 28 runs, 26 binary of equal length then 2 cheaper: 2 workers split them evenly.
  assert.ok(Math.abs(est.idleWallSeconds! - total / 2) < 1e-6);
  assert.ok(
    Math.abs(est.wallSeconds - (total + nBin * perStep * bin + nFp * perStep * fp) / 2) < 1e-6,
  );
  const w1 = est.byWidth.find((w) => w.width === 1)!;
  const wAll = est.byWidth.find((w) => w.width === runs.length)!;
  assert.ok(Math.abs(w1.seconds - total) < 1e-6);
  assert.ok(Math.abs(wAll.seconds - (perStep * bin + RUN_OVERHEAD_SECONDS)) < 1e-6);
  const text = formatPlan(runs, est, 2);
  assert.match(text, /on an otherwise idle machine \(from CPU time\)/);
  assert.match(text, new RegExp(`${runs.length} runs$`));
  assert.throws(
    () => estimateFromSteps(runs, { [costClass(runs[0])]: steps[costClass(runs[0])] }, 2),
    /no measured step time for cost class 'vgg_small ×0.125 cifar10 b128 fp'/,
  );
});

Deno.test("estimatePlan: measures once per cost class through the injected measurer", async () => {
  const runs = await planPreset("paper", { seeds: 1 });
  const calls: string[] = [];
  const est = estimatePlan(runs, 2, {
    backend: "fake",
    measure: (r) => {
      calls.push(costClass(r));
      return { wall: 1, cpu: null };
    },
  });
  assert.equal(calls.length, new Set(runs.map(costClass)).size);
  assert.equal(new Set(calls).size, calls.length);
  assert.equal(est.idleWallSeconds, null);
  assert.equal(est.backend, "fake");
  // paper: 200 epochs × (391 + 0.2·79) step-seconds + overhead per run at 1 s/step
  assert.ok(Math.abs(est.perRun[0] - (200 * (391 + 79 * 0.2) + RUN_OVERHEAD_SECONDS)) < 1e-6);
});

Deno.test("dry-run projection of preset imagenet: closed-form AlexNet multiply-adds, assumed backends, Slurm widths", async () => {
  await initBackend({ quiet: true });
  const runs = await planPreset("imagenet");
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
});

import assert from "node:assert/strict";
import { initBackend } from "../../../lib/backend/mod.ts";
import { planPreset } from "../../../lib/experiments/config/presets.ts";
import {
  ASSUMED_BACKEND_MACS,
  formatPlan,
  packedWall,
  projectPlan,
} from "../../../lib/experiments/run/estimate.ts";

Deno.test("packedWall: longest-first packing onto parallel slots", () => {
  // Greedy, longest first: 3→A, 3→B, 2→A (5), 2→B (5), 2→A (7); the optimum {3,3} {2,2,2} is 6.
  assert.equal(packedWall([2, 3, 2, 3, 2], 2), 7);
  assert.equal(packedWall([5, 1, 1, 1], 3), 5);
  assert.equal(packedWall([1, 2, 3], 1), 6);
  assert.equal(packedWall([1, 2, 3], 0), 6); // width < 1 runs on one slot
  assert.equal(packedWall([4, 4], 8), 4);
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

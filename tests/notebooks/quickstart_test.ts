import assert from "node:assert/strict";
import {
  quickstartDataShape,
  telemetryFigure,
  trainQuickstart,
} from "../../lib/notebooks/quickstart.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import type { LiveEpoch } from "../../lib/plots/live.ts";

Deno.test({
  name: "trainQuickstart trains the smoke default row once, reporting every epoch in order",
  sanitizeResources: false,
  async fn() {
    await initBackend({ quiet: true });
    const dir = await Deno.makeTempDir();
    try {
      const seen: LiveEpoch[] = [];
      const run = await trainQuickstart({
        preset: "smoke",
        overrides: { epochs: 2 },
        resultsDir: dir,
        onEpoch: async (m) => {
          await new Promise((r) => setTimeout(r, 5)); // slow callbacks must still be awaited in order
          seen.push(m);
        },
      });
      assert.equal(run.status, "done");
      assert.equal(run.config.epochs, 2);
      assert.deepEqual(seen.map((m) => m.epoch), [1, 2]);
      assert.deepEqual(seen.map((m) => m.testAccuracy), run.metrics.map((m) => m.testAcc));
      // The run is a normal store run: readable by the results views, BNN+ defaults.
      const stored = readRuns(dir, "quickstart");
      assert.equal(stored.length, 1);
      assert.equal(stored[0].summary?.status, "done");
      assert.equal(stored[0].summary?.finalTestAcc, run.metrics[1].testAcc);
      assert.equal(run.config.regularizer, "euclidean");
      assert.equal(run.config.inputQuantizer, "swish_sign");
      const shape = quickstartDataShape(run.config.dataset);
      assert.deepEqual(run.model.inputs[0].shape.slice(1), shape.inputShape);
      assert.equal(run.model.outputs[0].shape[1], shape.numClasses);
      // Telemetry of every epoch (flip ratio from epoch 2), and figures of it.
      const tel = run.metrics.map((m) => m.telemetry as { flipRatio: number | null; layers: [] });
      assert.equal(tel[0].flipRatio, null);
      assert.ok(
        typeof tel[1].flipRatio === "number" && tel[1].flipRatio >= 0 && tel[1].flipRatio <= 1,
      );
      assert.ok(tel[1].layers.length > 0);
      assert.deepEqual(telemetryFigure(run).data[0].x, [2]);
      const alpha = telemetryFigure(run, "alpha");
      assert.equal(alpha.data.length, tel[1].layers.length);
      assert.throws(() => telemetryFigure({ metrics: [] }), /no telemetry/);
      run.model.dispose();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "trainQuickstart without resultsDir leaves no bnn_quickstart_* folder behind",
  sanitizeResources: false,
  async fn() {
    await initBackend({ quiet: true });
    const tmp = await Deno.makeTempDir();
    const old = Deno.env.get("TMPDIR");
    Deno.env.set("TMPDIR", tmp);
    try {
      const run = await trainQuickstart({ preset: "smoke", overrides: { epochs: 1 } });
      assert.equal(run.status, "done");
      assert.equal(run.resultsDir, null);
      assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), []);
      run.model.dispose();
    } finally {
      if (old === undefined) Deno.env.delete("TMPDIR");
      else Deno.env.set("TMPDIR", old);
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

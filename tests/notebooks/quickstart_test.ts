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
      // Telemetry of every epoch (flip ratio from epoch 1: a sign snapshot is taken before each
      // epoch), and figures of it.
      const tel = run.metrics.map((m) => m.telemetry as { flipRatio: number | null; layers: [] });
      for (const t of tel) {
        assert.ok(typeof t.flipRatio === "number" && t.flipRatio >= 0 && t.flipRatio <= 1);
      }
      assert.ok(tel[0].flipRatio! > 0, "the first epoch of a fresh run flips signs");
      assert.ok(tel[1].layers.length > 0);
      assert.deepEqual(telemetryFigure(run).data[0].x, [1, 2]);
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

Deno.test({
  name: "quickstart loop: config, data, trainStep loop, live curves and flips from epoch 1",
  sanitizeResources: false,
  async fn() {
    const { quickstartConfig, quickstartData, telemetryTracker } = await import(
      "../../lib/notebooks/quickstart.ts"
    );
    const { buildModel } = await import("../../lib/models.ts");
    const { trainStep, evaluate } = await import("../../lib/train.ts");
    const { liveCurves } = await import("../../lib/plots/live.ts");
    const { tf } = await import("../../lib/tf.ts");
    await initBackend({ quiet: true });
    const config = quickstartConfig({ epochs: 1 }, "smoke");
    assert.equal(config.regularizer, "euclidean");
    const data = await quickstartData(config);
    const model = buildModel(config, data.shape);
    const kernels = () =>
      model.layers.filter((l) => (l.getConfig() as { kernelQuantizer?: string }).kernelQuantizer)
        .flatMap((l) => l.weights.filter((w) => w.originalName.endsWith("kernel")))
        .map((w) => Float32Array.from(w.read().dataSync()));
    const before = kernels();
    const tracker = telemetryTracker(model);
    const optimizer = tf.train.adam(config.lr);
    const live = liveCurves({ every: 2, stepsPerEpoch: data.stepsPerEpoch });
    let steps = 0;
    for (const batch of data.trainBatches(1)) {
      await live.onStep(trainStep(model, batch, { optimizer }));
      steps++;
    }
    assert.equal(steps, data.stepsPerEpoch);
    assert.equal(live.steps.length, Math.floor(steps / 2), "points during the first epoch");
    const test = evaluate(model, data.testBatches());
    await live.onEpoch({ epoch: 1, testAccuracy: test.accuracy });
    const t = tracker.record(1);
    // Independent count of sign changes of the latent kernels over the epoch.
    const after = kernels();
    let flipped = 0, total = 0;
    before.forEach((k, i) => {
      for (let j = 0; j < k.length; j++) if ((k[j] >= 0) !== (after[i][j] >= 0)) flipped++;
      total += k.length;
    });
    assert.ok(flipped > 0);
    assert.equal(t.flipRatio, flipped / total);
    const fig = telemetryFigure(tracker, "flips");
    assert.deepEqual(fig.data[0].x, [1], "the flips of epoch 1 are counted");
    const range = (fig.layout.yaxis as { range: number[] }).range;
    assert.equal(range[0], 0);
    assert.ok(range[1] > t.flipRatio!);
    assert.deepEqual(tracker.metrics.map((m) => m.epoch), [0, 1]);
    optimizer.dispose();
    model.dispose();
  },
});

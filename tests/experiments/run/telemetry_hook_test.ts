import assert from "node:assert/strict";
import { tf } from "../../../lib/tf.ts";
import { quantDense } from "../../../lib/layers/mod.ts";
import { telemetryHook } from "../../../lib/experiments/run/telemetry_hook.ts";
import { DEFAULT_CONFIG } from "../../../lib/experiments/config/config.ts";
import type { EpochContext } from "../../../lib/experiments/run/hooks.ts";

type Rec = {
  telemetry: {
    flipRatio: number | null;
    layers: { histogram?: unknown; alpha: { mean: number } | null }[];
  };
};

Deno.test("telemetry hook: flip ratio between epochs, histograms on first/last/every-k epochs", () => {
  const layer = quantDense({
    inputShape: [4],
    units: 8,
    kernelQuantizer: "ste_sign",
    scale: "trainable",
  });
  const model = tf.sequential({ layers: [layer] });
  const w0 = tf.randomNormal([4, 8], 0, 0.3, "float32", 1);
  layer.kernelWeight.write(w0);
  const config = { ...DEFAULT_CONFIG, epochs: 5 };
  const hook = telemetryHook({ histogramEvery: 3 });
  const ctx = (epoch: number, runId = "r1"): EpochContext =>
    ({ runId, config, model, metrics: { epoch } }) as unknown as EpochContext;
  const start = (epoch: number, runId = "r1") =>
    hook.onEpochStart!({ runId, config, model, epoch });
  // Epoch 1 of a fresh run: the snapshot before it counts its flips (none happened here).
  start(1);
  const e1 = hook(ctx(1)) as Rec;
  assert.equal(e1.telemetry.flipRatio, 0);
  assert.ok(e1.telemetry.layers[0].histogram);
  // Flip the signs of exactly 5 of the 32 weights (none at 0) during epoch 2: ratio 5/32.
  start(2);
  const v = w0.dataSync().slice();
  for (const i of [0, 3, 9, 17, 31]) v[i] = v[i] === 0 ? -1 : -v[i];
  layer.kernelWeight.write(tf.tensor2d(v, [4, 8]));
  const e2 = hook(ctx(2)) as Rec;
  assert.equal(e2.telemetry.flipRatio, 5 / 32);
  assert.equal(e2.telemetry.layers[0].histogram, undefined);
  // Flips before an epoch's start are not that epoch's: flip 2 weights, then start epoch 3.
  for (const i of [1, 2]) v[i] = v[i] === 0 ? -1 : -v[i];
  layer.kernelWeight.write(tf.tensor2d(v, [4, 8]));
  start(3);
  const e3 = hook(ctx(3)) as Rec;
  assert.equal(e3.telemetry.flipRatio, 0);
  assert.ok(e3.telemetry.layers[0].histogram);
  start(4);
  assert.equal((hook(ctx(4)) as Rec).telemetry.flipRatio, 0);
  // An epoch resumed in its middle (no start notification) records null.
  assert.equal((hook(ctx(5)) as Rec).telemetry.flipRatio, null);
  // Another run in the same process has its own snapshot.
  assert.equal((hook(ctx(1, "r2")) as Rec).telemetry.flipRatio, null);
  // α statistics are those of the layer's α weight.
  const alphaMean = tf.mean(layer.alphaWeight!.read()).dataSync()[0];
  start(2);
  assert.ok(Math.abs((hook(ctx(2)) as Rec).telemetry.layers[0].alpha!.mean - alphaMean) < 1e-6);
  w0.dispose();
});

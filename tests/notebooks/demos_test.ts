import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  clusteringFigure,
  clusteringRows,
  weightClusteringDemo,
} from "../../lib/notebooks/demos.ts";

Deno.test("weightClusteringDemo: a BNN+ regularizer clusters latent weights at ±α", () => {
  const before = tf.memory().numTensors;
  const opts = { epochs: 4, samples: 512, snapshotEpochs: [0, 4] };
  const none = weightClusteringDemo({ ...opts, regularizer: "none", lambda: 0 });
  const man = weightClusteringDemo({ ...opts, regularizer: "manhattan", lambda: 1e-2 });
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  assert.deepEqual(man.snapshots.map((s) => s.label), ["epoch 0", "epoch 4"]);
  assert.equal(man.snapshots[1].weights.length, 32 * 128);
  assert.equal(man.alphas.length, 5);
  assert.equal(man.accuracy.length, 4);
  // Same init for both runs; the share near ±α is computed independently here from the snapshot.
  const near = (ws: ArrayLike<number>, a: number) =>
    Array.from(ws).filter((w) => Math.abs(Math.abs(w) - a) <= 0.1 * a).length / ws.length;
  assert.deepEqual(Array.from(none.snapshots[0].weights), Array.from(man.snapshots[0].weights));
  const endMan = near(man.snapshots[1].weights, man.alphas[4]);
  assert.ok(Math.abs(endMan - man.nearAlpha[4]) < 1e-9);
  assert.ok(endMan > 0.5, `manhattan: ${endMan} of weights near ±α`);
  assert.ok(endMan > 2 * none.nearAlpha[4], `vs none: ${none.nearAlpha[4]}`);
  const rows = clusteringRows([none, man]);
  assert.deepEqual(rows.map((r) => r.regularizer), ["none", "manhattan"]);
  assert.equal(clusteringFigure([none, man]).data.length, 2);
});

import assert from "node:assert/strict";
import { tf } from "../../../lib/tf.ts";
import { initBackend } from "../../../lib/backend/mod.ts";
import { buildModel } from "../../../lib/models.ts";
import { trainStep } from "../../../lib/train.ts";
import { makeConfig } from "../../../lib/experiments/config/config.ts";
import {
  initialState,
  loadCheckpoint,
  saveCheckpoint,
} from "../../../lib/experiments/run/checkpoint.ts";

await initBackend({ quiet: true });
const DATA = { inputShape: [8, 8, 1] as [number, number, number], numClasses: 3 };
const config = makeConfig({ model: "mlp", width: 1 / 128, seed: 5 });

function batch(i: number) {
  const x = new Float32Array(16 * 64).map((_, k) => Math.sin(0.37 * k + i));
  const y = Int32Array.from({ length: 16 }, (_, k) => (k + i) % 3);
  return { x, y };
}

function weights(m: tf.LayersModel): number[][] {
  return m.getWeights().map((t) => Array.from(t.dataSync()));
}

Deno.test("checkpoint: restoring model + Adam state continues bit for bit like no interruption", async () => {
  const dir = Deno.makeTempDirSync();
  const a = buildModel(config, DATA);
  const optA = tf.train.adam(1e-2);
  for (let i = 0; i < 3; i++) trainStep(a, batch(i), { optimizer: optA });
  const state = { ...initialState(), epoch: 1, batch: 2, step: 3 };
  await saveCheckpoint(dir, { model: a, optimizer: optA, state });
  await saveCheckpoint(dir, { model: a, optimizer: optA, state: { ...state, batch: 3 } }); // newer
  for (let i = 3; i < 6; i++) trainStep(a, batch(i), { optimizer: optA });

  const b = buildModel({ ...config, seed: 99 }, DATA); // different init: must be overwritten
  const optB = tf.train.adam(1e-2);
  const restored = await loadCheckpoint(dir, { model: b, optimizer: optB });
  assert.deepEqual(restored, { ...state, batch: 3 });
  for (let i = 3; i < 6; i++) trainStep(b, batch(i), { optimizer: optB });
  assert.deepEqual(weights(b), weights(a));
  // Only the latest checkpoint folder is kept.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "ckpt-3-1-3",
    "latest.json",
  ]);
  const before = tf.memory().numTensors;
  a.dispose();
  b.dispose();
  optA.dispose();
  optB.dispose();
  assert.ok(tf.memory().numTensors < before);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("checkpoint: none → null; partial folders are removed; a different model is refused", async () => {
  const dir = Deno.makeTempDirSync();
  const m = buildModel(config, DATA);
  const opt = tf.train.adam(1e-3);
  assert.equal(await loadCheckpoint(dir, { model: m, optimizer: opt }), null);
  trainStep(m, batch(0), { optimizer: opt });
  await saveCheckpoint(dir, { model: m, optimizer: opt, state: initialState() });
  Deno.mkdirSync(`${dir}/ckpt-9-9-9`); // a kill during a later save left this
  const other = buildModel({ ...config, width: 1 / 64 }, DATA);
  await assert.rejects(
    () => loadCheckpoint(dir, { model: other, optimizer: tf.train.adam(1e-3) }),
    /does not match this run's model.*delete the checkpoint folder/,
  );
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "ckpt-0-0-0",
    "latest.json",
  ]);
  m.dispose();
  other.dispose();
  opt.dispose();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("checkpoint: a damaged one names its folder and says to delete it", async () => {
  const dir = Deno.makeTempDirSync();
  const m = buildModel(config, DATA);
  const opt = tf.train.adam(1e-3);
  await saveCheckpoint(dir, { model: m, optimizer: opt, state: initialState() });
  const sub = `${dir}/ckpt-0-0-0`;
  const bin = Deno.readFileSync(`${sub}/model/weights.bin`);
  Deno.writeFileSync(`${sub}/model/weights.bin`, bin.subarray(0, bin.length >> 1));
  await assert.rejects(
    () => loadCheckpoint(dir, { model: m, optimizer: opt }),
    new RegExp(
      `checkpoint ${dir} is damaged or unreadable: .*weights\\.bin.*; delete the folder ${dir} ` +
        "to restart this run from its first epoch",
    ),
  );
  Deno.writeTextFileSync(`${dir}/latest.json`, "{ garbage");
  await assert.rejects(
    () => loadCheckpoint(dir, { model: m, optimizer: opt }),
    /latest\.json: not valid JSON.*delete the folder/,
  );
  m.dispose();
  opt.dispose();
  Deno.removeSync(dir, { recursive: true });
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { nativePool } from "../../lib/backend/native_kernels.ts";
import { BatchNormalization, batchNormalization } from "../../lib/layers/mod.ts";

await initBackend({ backend: "wasm", quiet: true });

function data(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from(
    { length: n },
    () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 1,
  );
}

/** One SGD step of conv → BN → mean-square loss; returns outputs, BN weights and moving stats. */
async function step(backend: "wasm" | "cpu", lab: boolean) {
  await tf.setBackend(backend);
  const input = tf.input({ shape: [6, 6, 3] });
  const conv = tf.layers.conv2d({
    filters: 12,
    kernelSize: 3,
    useBias: false,
    kernelInitializer: tf.initializers.constant({ value: 0 }),
  });
  const args = { momentum: 0.8, epsilon: 1e-3 };
  const bn = lab ? batchNormalization(args) : tf.layers.batchNormalization(args);
  const model = tf.model({
    inputs: input,
    outputs: bn.apply(conv.apply(input)) as tf.SymbolicTensor,
  });
  const k = conv.getWeights()[0];
  conv.setWeights([tf.tensor(data(k.size, 7), k.shape)]);
  const x = tf.tensor(data(4 * 6 * 6 * 3, 11), [4, 6, 6, 3]);
  const target = tf.tensor(data(4 * 4 * 4 * 12, 13), [4, 4, 4, 12]);
  const opt = tf.train.sgd(0.1);
  opt.minimize(() =>
    tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar
  );
  const out = model.predict(x) as tf.Tensor;
  const values = [out, ...model.getWeights()].map((t) => Array.from(t.dataSync()));
  const cls = bn.getClassName(), isLab = bn instanceof BatchNormalization;
  model.dispose();
  return { values, cls, isLab };
}

Deno.test("lab BatchNormalization (fused, wasm) trains like tfjs-layers' (cpu): outputs, weights, moving stats", async () => {
  const lab = await step("wasm", true);
  const ref = await step("cpu", false);
  assert.ok(lab.isLab && !ref.isLab);
  assert.equal(lab.cls, "BatchNormalization");
  assert.equal(lab.values.length, ref.values.length); // output, kernel, gamma, beta, moving mean/var
  for (let i = 0; i < ref.values.length; i++) {
    const a = lab.values[i], b = ref.values[i];
    const scale = Math.max(...b.map(Math.abs));
    const err = Math.max(...a.map((v, j) => Math.abs(v - b[j]))) / scale;
    assert.ok(err <= 2e-4, `tensor ${i}: relative error ${err}`);
  }
});

Deno.test("lab BatchNormalization: saved models load into it; config round-trips", () => {
  const m = tf.sequential({
    layers: [batchNormalization({ inputShape: [4], momentum: 0.7, name: "bnx" })],
  });
  const json = m.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } };
  assert.equal(json.config.layers[0].class_name, "BatchNormalization");
  const back = tf.models.modelFromJSON({ modelTopology: json } as unknown as tf.io.ModelJSON);
  return back.then((b) => {
    const l = b.layers[0];
    assert.ok(l instanceof BatchNormalization, "deserialized into the lab's class");
    assert.equal((l.getConfig() as { momentum: number }).momentum, 0.7);
    tf.dispose([m, b] as unknown as tf.TensorContainer);
  });
});

Deno.test("plain tf.layers.batchNormalization trains with the fused op on wasm, like tfjs-layers on cpu", async () => {
  const pool = nativePool();
  assert.ok(pool, "the kernel pool runs");
  const names: string[] = [];
  const run = pool.run;
  (pool as { run: typeof run }).run = (name, options) => {
    names.push(name);
    run.call(pool, name, options);
  };
  let plain: Awaited<ReturnType<typeof step>>;
  try {
    plain = await step("wasm", false);
  } finally {
    (pool as { run: typeof run }).run = run;
  }
  assert.ok(!plain.isLab, "tfjs-layers' own class");
  assert.ok(names.includes("moments_rows"), `fused batch norm ran: ${names.join(",")}`);
  const ref = await step("cpu", false);
  for (let i = 0; i < ref.values.length; i++) {
    const a = plain.values[i], b = ref.values[i];
    const scale = Math.max(...b.map(Math.abs));
    const err = Math.max(...a.map((v, j) => Math.abs(v - b[j]))) / scale;
    assert.ok(err <= 2e-4, `tensor ${i}: relative error ${err}`);
  }
});

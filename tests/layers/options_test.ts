import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  activate,
  initializerConfig,
  quantSettings,
  toInitializer,
} from "../../lib/layers/options.ts";

Deno.test("quantSettings: defaults and camelCase names from tfjs model JSON", () => {
  const s = quantSettings("L", {});
  assert.deepEqual(s, {
    inputQuantizer: "none",
    kernelQuantizer: "none",
    beta: 5,
    trainableBeta: false,
    scale: "none",
    scaleShape: "channel",
    regularizer: "none",
    lambda: 1e-4,
    kernelClip: 1,
    activation: "linear",
    useBias: true,
  });
  // tfjs turns "swish_sign" into "swishSign" when it loads a model.json.
  const t = quantSettings("L", {
    inputQuantizer: "swishSign" as never,
    kernelQuantizer: "steSign" as never,
  });
  assert.equal(t.inputQuantizer, "swish_sign");
  assert.equal(t.kernelQuantizer, "ste_sign");
  assert.throws(() => quantSettings("L", { kernelClip: 0 }), /kernelClip must be/);
  assert.throws(() => quantSettings("L", { regularizer: "l2" as never }), /regularizer must be/);
});

Deno.test("toInitializer / initializerConfig: names, objects and serialized forms", () => {
  const byName = toInitializer("L", "ones");
  assert.deepEqual([...(byName as { apply(s: number[]): tf.Tensor }).apply([2]).dataSync()], [
    1,
    1,
  ]);
  const obj = tf.initializers.randomUniform({ minval: -2, maxval: 2, seed: 7 });
  const cfg = initializerConfig(obj as never);
  assert.equal(cfg.className, "RandomUniform");
  const back = toInitializer("L", cfg as never) as unknown as { apply(s: number[]): tf.Tensor };
  assert.deepEqual(
    [...back.apply([5]).dataSync()],
    [...(obj as unknown as { apply(s: number[]): tf.Tensor }).apply([5]).dataSync()],
  );
  assert.throws(() => toInitializer("L", "nope"), /unknown initializer "nope"/);
  assert.throws(
    () => toInitializer("L", { className: "Nope", config: {} }),
    /unknown initializer class Nope/,
  );
});

Deno.test("activate: matches the textbook functions", () => {
  const xs = [-3, -0.5, 0, 0.7, 8];
  const f: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(0, v),
    relu6: (v) => Math.min(6, Math.max(0, v)),
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    tanh: Math.tanh,
    elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
    softplus: (v) => Math.log(1 + Math.exp(v)),
    softsign: (v) => v / (1 + Math.abs(v)),
  };
  for (const [name, fn] of Object.entries(f)) {
    const got = activate(tf.tensor1d(xs), name as never).dataSync();
    xs.forEach((x, i) => assert.ok(Math.abs(got[i] - fn(x)) < 1e-5, `${name}(${x})`));
  }
  const sm = activate(tf.tensor2d([[1, 2, 3]]), "softmax").dataSync();
  const e = [1, 2, 3].map(Math.exp), z = e.reduce((a, b) => a + b);
  e.forEach((v, i) => assert.ok(Math.abs(sm[i] - v / z) < 1e-6));
});

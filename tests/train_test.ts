import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { type Batch, evaluate, trainEpoch, trainStep } from "../lib/train.ts";
import { QuantDense, quantDense } from "../lib/layers/mod.ts";

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: got ${a}, expected ${b}`);
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian clusters around random ±1 centres (fixed by `classes`, `dim`): separable with margin. */
function clusters(n: number, dim: number, classes: number, seed: number) {
  const rc = rng(1000 + classes * 31 + dim);
  const centres = Array.from(
    { length: classes },
    () => Array.from({ length: dim }, () => (rc() < 0.5 ? -1 : 1)),
  );
  const r = rng(seed);
  const x = new Float32Array(n * dim), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(r() * classes);
    for (let d = 0; d < dim; d++) {
      const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      x[i * dim + d] = centres[y[i]][d] + 0.6 * g;
    }
  }
  return { x, y, n, dim };
}

function split(d: ReturnType<typeof clusters>, bs: number): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < d.n; i += bs) {
    const j = Math.min(d.n, i + bs);
    out.push({ x: d.x.slice(i * d.dim, j * d.dim), y: d.y.slice(i, j) });
  }
  return out;
}

Deno.test("trainStep: one SGD step equals the closed-form gradient of CE + λ·Σ(1 − |w|)²", () => {
  const layer = quantDense({
    inputShape: [3],
    units: 4,
    regularizer: "euclidean",
    lambda: 0.05,
    kernelInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }),
  });
  const model = tf.sequential({ layers: [layer] });
  const X = [[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [-0.4, 0.8, 0.1]];
  const Y = [2, 0, 3];
  const W = layer.kernelWeight.read().arraySync() as number[][];
  const b = [0, 0, 0, 0];
  const logits = X.map((r) => b.map((bj, j) => bj + r.reduce((a, v, i) => a + v * W[i][j], 0)));
  const probs = logits.map((l) => {
    const m = Math.max(...l), e = l.map((v) => Math.exp(v - m)), s = e.reduce((a, v) => a + v);
    return e.map((v) => v / s);
  });
  const ce = -probs.reduce((a, p, n) => a + Math.log(p[Y[n]]), 0) / 3;
  let pen = 0;
  W.forEach((r) => r.forEach((v) => (pen += (1 - Math.abs(v)) ** 2)));
  pen *= 0.05;
  const correct = logits.filter((l, n) => l.indexOf(Math.max(...l)) === Y[n]).length;
  const lr = 0.1;
  const res = trainStep(model, { x: tf.tensor2d(X), y: tf.tensor1d(Y, "int32") }, {
    optimizer: tf.train.sgd(lr),
  });
  near(res.ce, ce, 1e-5, "ce");
  near(res.penalty, pen, 1e-5, "penalty");
  near(res.loss, ce + pen, 1e-5, "loss");
  assert.equal(res.correct, correct);
  assert.equal(res.size, 3);
  const W2 = layer.kernelWeight.read().arraySync() as number[][];
  W.forEach((r, i) =>
    r.forEach((v, j) => {
      let g = 0;
      for (let n = 0; n < 3; n++) g += X[n][i] * (probs[n][j] - (Y[n] === j ? 1 : 0));
      g = g / 3 - 2 * 0.05 * (1 - Math.abs(v)) * Math.sign(v);
      near(W2[i][j], v - lr * g, 1e-5, `W[${i}][${j}]`);
    })
  );
});

Deno.test("trainStep: clips latent kernels, trains α, β and batch norm (moving stats move)", () => {
  const model = tf.sequential({
    layers: [
      quantDense({
        inputShape: [5],
        units: 6,
        kernelQuantizer: "ste_sign",
        scale: "trainable",
      }),
      tf.layers.batchNormalization(),
      quantDense({
        units: 3,
        inputQuantizer: "swish_sign",
        kernelQuantizer: "ste_sign",
        trainableBeta: true,
      }),
    ],
  });
  const d = clusters(32, 5, 3, 1);
  const batch = split(d, 32)[0];
  model.predict(tf.tensor(d.x, [32, 5]));
  const q1 = model.layers[0] as QuantDense, q2 = model.layers[2] as QuantDense;
  const before = model.getWeights().map((w) => w.dataSync().slice());
  trainStep(model, batch, { optimizer: tf.train.sgd(50) }); // huge step: kernels leave [−1, 1]
  const after = model.getWeights().map((w) => w.dataSync().slice());
  const names = model.weights.map((w) => w.name.split("/").pop());
  for (const n of ["alpha", "moving_mean", "moving_variance"]) {
    const i = names.findIndex((m) => m?.startsWith(n));
    assert.notDeepEqual(after[i], before[i], `${n} changed`);
  }
  assert.notEqual(q2.betaWeight!.read().dataSync()[0], 5, "β trained");
  for (const q of [q1, q2]) {
    const k = q.kernelWeight.read().dataSync();
    assert.ok(k.every((v) => Math.abs(v) <= 1), "kernel clipped to [−1, 1]");
    assert.ok(k.some((v) => Math.abs(v) === 1), "clip was exercised");
  }
});

Deno.test("evaluate / trainEpoch: sample-weighted means match an independent computation", () => {
  const model = tf.sequential({
    layers: [
      quantDense({ inputShape: [4], units: 3, kernelQuantizer: "approx_sign", scale: "fixed" }),
    ],
  });
  const d = clusters(50, 4, 3, 7);
  const batches = split(d, 16); // 16, 16, 16, 2: unequal sizes
  const logits = (model.predict(tf.tensor(d.x, [50, 4])) as tf.Tensor).arraySync() as number[][];
  let ce = 0, correct = 0;
  logits.forEach((l, n) => {
    const m = Math.max(...l), lse = m + Math.log(l.reduce((a, v) => a + Math.exp(v - m), 0));
    ce += lse - l[d.y[n]];
    if (l.indexOf(m) === d.y[n]) correct++;
  });
  const ev = evaluate(model, batches);
  near(ev.loss, ce / 50, 1e-5, "eval loss");
  near(ev.accuracy, correct / 50, 0, "eval accuracy");
  assert.equal(ev.size, 50);
  // One-hot labels as a tensor give the same result.
  const oneHot = batches.map((b) => ({
    x: tf.tensor(b.x as Float32Array, [(b.y as Int32Array).length, 4]),
    y: tf.oneHot(tf.tensor1d(b.y as Int32Array, "int32"), 3),
  }));
  near(evaluate(model, oneHot).loss, ce / 50, 1e-5, "one-hot loss");
  // With a zero learning rate an epoch reports the same loss and accuracy (no batch norm here).
  let seen = 0;
  const ep = trainEpoch(model, batches, { optimizer: tf.train.sgd(0), onStep: () => seen++ });
  near(ep.ce, ce / 50, 1e-5, "epoch ce");
  near(ep.accuracy, correct / 50, 0, "epoch accuracy");
  assert.equal(ep.penalty, 0);
  assert.equal(ep.steps, 4);
  assert.equal(seen, 4);
});

Deno.test("a tiny binary MLP learns a separable synthetic task to > 90 % accuracy", () => {
  const model = tf.sequential({
    layers: [
      quantDense({
        inputShape: [20],
        units: 64,
        kernelQuantizer: "ste_sign",
        scale: "trainable",
        regularizer: "euclidean",
        lambda: 1e-5,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.batchNormalization(),
      quantDense({
        units: 4,
        inputQuantizer: "swish_sign",
        kernelQuantizer: "ste_sign",
        scale: "trainable",
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  const train = split(clusters(512, 20, 4, 11), 32);
  const test = split(clusters(256, 20, 4, 12), 64);
  const optimizer = tf.train.adam(0.01);
  const first = evaluate(model, test).accuracy;
  for (let epoch = 0; epoch < 3; epoch++) trainEpoch(model, train, { optimizer });
  const acc = evaluate(model, test).accuracy;
  assert.ok(acc > 0.9, `test accuracy ${acc} (before training ${first})`);
});

Deno.test("no tensor leaks: numTensors equal before and after 50 training steps", () => {
  const model = tf.sequential({
    layers: [
      quantDense({
        inputShape: [6],
        units: 8,
        kernelQuantizer: "swish_sign",
        trainableBeta: true,
        scale: "trainable",
        regularizer: "manhattan",
      }),
      tf.layers.batchNormalization(),
      quantDense({ units: 3, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" }),
    ],
  });
  const d = clusters(64, 6, 3, 5);
  const batches = split(d, 16);
  const tensorBatches = batches.map((b) => ({
    x: tf.tensor(b.x as Float32Array, [16, 6]),
    y: tf.tensor1d(b.y as Int32Array, "int32"),
  }));
  const optimizer = tf.train.adam(1e-3);
  trainStep(model, batches[0], { optimizer }); // creates the optimizer's slots
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    trainStep(model, i % 2 ? batches[i % 4] : tensorBatches[i % 4], { optimizer });
  }
  trainEpoch(model, batches, { optimizer });
  evaluate(model, tensorBatches);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("trainStep / evaluate: bad input gives one clear error", () => {
  const model = tf.sequential({ layers: [quantDense({ inputShape: [2], units: 2 })] });
  const b = { x: tf.zeros([3, 2]), y: tf.tensor1d([0, 1], "int32") };
  assert.throws(() => trainStep(model, b, { optimizer: tf.train.sgd(0.1) }), /does not match/);
  assert.throws(
    () => trainStep(model, { x: tf.zeros([2, 2]), y: [0, 1] }, {} as never),
    /optimizer is required/,
  );
  assert.throws(() => evaluate(model, []), /batches is empty/);
  assert.throws(() => evaluate(model, [{ x: new Float32Array(3), y: [0] }]), /not a multiple/);
});

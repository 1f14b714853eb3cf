import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { QuantDense, quantDense } from "../../lib/layers/mod.ts";

const s = (v: number) => (v >= 0 ? 1 : -1);

function arr2(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);
}

/** g(t) = (2 − t·tanh(t/2)) / (1 + cosh t), straight from the formula. */
function g(t: number): number {
  return (2 - t * Math.tanh(t / 2)) / (1 + Math.cosh(t));
}

Deno.test("QuantDense: α = mean|W| per channel, binary kernel ±α_c, output = sign(x)·α·sign(W) + b", () => {
  const layer = quantDense({
    units: 3,
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    biasInitializer: "ones",
  });
  const x = tf.tensor2d([[0.3, -0.2, 0, 1.5], [-2, 0.1, -0.4, 0.7]]);
  const y = arr2(layer.apply(x) as tf.Tensor);
  const w = arr2(layer.kernelWeight.read());
  const alpha = layer.alphaWeight!.read().arraySync() as number[];
  const xs = arr2(x);
  for (let j = 0; j < 3; j++) {
    const mean = w.reduce((acc, row) => acc + Math.abs(row[j]), 0) / w.length;
    close(alpha[j], mean, 1e-6, `alpha[${j}]`);
  }
  const wb = arr2(layer.binaryKernel());
  wb.forEach((row, i) => row.forEach((v, j) => close(v, alpha[j] * s(w[i][j]), 1e-6, "kernel")));
  const values = new Set(wb.flatMap((row, _i) => row.map((v, j) => Math.abs(v) / alpha[j])));
  assert.deepEqual([...values].map((v) => Math.round(v * 1e5) / 1e5), [1]);
  for (let n = 0; n < 2; n++) {
    for (let j = 0; j < 3; j++) {
      let acc = 1; // bias initialised to ones
      for (let i = 0; i < 4; i++) acc += s(xs[n][i]) * alpha[j] * s(w[i][j]);
      close(y[n][j], acc, 1e-5, `y[${n}][${j}]`);
    }
  }
  tf.dispose([x]);
});

Deno.test("QuantDense: gradients through two stacked binary layers equal the hand-computed chain", () => {
  const l1 = quantDense({
    units: 5,
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    scale: "trainable",
    useBias: false,
    kernelInitializer: tf.initializers.randomUniform({ minval: -1.5, maxval: 1.5, seed: 1 }),
  });
  const l2 = quantDense({
    units: 2,
    inputQuantizer: "swish_sign",
    kernelQuantizer: "approx_sign",
    scale: "trainable",
    scaleShape: "layer",
    beta: 2,
    trainableBeta: true,
    useBias: false,
    kernelInitializer: tf.initializers.randomUniform({ minval: -1.2, maxval: 1.2, seed: 2 }),
  });
  const xT = tf.tensor2d([[0.5, -1.3, 0.2, 0.9], [-0.1, 0.4, -0.8, 2.0], [1.1, 0.0, -0.3, -0.6]]);
  const cT = tf.tensor2d([[1, -2], [0.5, 1.5], [-1, 0.25]]);
  l2.apply(l1.apply(xT)); // build
  const f = (x: tf.Tensor) => tf.sum(tf.mul(cT, l2.apply(l1.apply(x)) as tf.Tensor)) as tf.Scalar;
  const vars = [l1.kernelWeight, l1.alphaWeight!, l2.kernelWeight, l2.alphaWeight!, l2.betaWeight!]
    .map((v) => v.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => f(xT), vars);
  const dxT = tf.grad(f)(xT);

  // Hand-computed chain.
  const x = arr2(xT), c = arr2(cT);
  const W1 = arr2(vars[0]), a1 = vars[1].arraySync() as number[];
  const W2 = arr2(vars[2]), a2 = vars[3].dataSync()[0], beta = vars[4].dataSync()[0];
  const I = 4, H = 5, O = 2;
  const W1b = W1.map((r) => r.map((v, j) => a1[j] * s(v)));
  const W2b = W2.map((r) => r.map((v) => a2 * s(v)));
  const h1 = x.map((r) =>
    [...Array(H).keys()].map((j) => r.reduce((acc, v, i) => acc + s(v) * W1b[i][j], 0))
  );
  const q2 = h1.map((r) => r.map(s));
  const dW2b = [...Array(H).keys()].map((i) =>
    [...Array(O).keys()].map((j) => q2.reduce((acc, r, n) => acc + r[i] * c[n][j], 0))
  );
  const dq2 = c.map((r) =>
    [...Array(H).keys()].map((i) => r.reduce((acc, v, j) => acc + v * W2b[i][j], 0))
  );
  const dh1 = dq2.map((r, n) => r.map((v, i) => v * beta * g(beta * h1[n][i])));
  let dBeta = 0;
  dq2.forEach((r, n) => r.forEach((v, i) => (dBeta += v * h1[n][i] * g(beta * h1[n][i]))));
  const dW1b = [...Array(I).keys()].map((i) =>
    [...Array(H).keys()].map((j) => x.reduce((acc, r, n) => acc + s(r[i]) * dh1[n][j], 0))
  );
  const dx = x.map((r, n) =>
    r.map((v, i) =>
      (Math.abs(v) <= 1 ? 1 : 0) * dh1[n].reduce((acc, d, j) => acc + d * W1b[i][j], 0)
    )
  );
  const dW1 = dW1b.map((r, i) => r.map((v, j) => v * a1[j] * (Math.abs(W1[i][j]) <= 1 ? 1 : 0)));
  const da1 = [...Array(H).keys()].map((j) =>
    dW1b.reduce((acc, r, i) => acc + r[j] * s(W1[i][j]), 0)
  );
  const dW2 = dW2b.map((r, i) => r.map((v, j) => v * a2 * Math.max(0, 2 - 2 * Math.abs(W2[i][j]))));
  let da2 = 0;
  dW2b.forEach((r, i) => r.forEach((v, j) => (da2 += v * s(W2[i][j]))));
  // Make sure the masks are exercised (some |W1| > 1, some |x| > 1).
  assert.ok(W1.flat().some((v) => Math.abs(v) > 1) && W1.flat().some((v) => Math.abs(v) < 1));

  const got = (v: tf.Variable) => grads[v.name];
  const cmp = (a: number[], b: number[], what: string) =>
    a.forEach((v, i) => close(v, b[i], 1e-4, `${what}[${i}]`));
  cmp(got(vars[0]).dataSync() as unknown as number[], dW1.flat(), "dW1");
  cmp(got(vars[1]).arraySync() as number[], da1, "dα1");
  cmp(got(vars[2]).dataSync() as unknown as number[], dW2.flat(), "dW2");
  close(got(vars[3]).dataSync()[0], da2, 1e-4, "dα2");
  close(got(vars[4]).dataSync()[0], dBeta, 1e-4, "dβ");
  cmp(dxT.dataSync() as unknown as number[], dx.flat(), "dx");
  tf.dispose([xT, cT, dxT, ...Object.values(grads)]);
});

Deno.test("QuantDense: penalty = λ·Σ R(W, α) and is in model.calculateLosses()", () => {
  const layer = quantDense({
    units: 3,
    inputShape: [4],
    kernelQuantizer: "swish_sign",
    scale: "fixed",
    regularizer: "euclidean",
    lambda: 0.3,
  });
  const model = tf.sequential({ layers: [layer] });
  model.predict(tf.zeros([1, 4])); // a Sequential builds lazily; its losses exist once built
  const w = arr2(layer.kernelWeight.read());
  const alpha = layer.alphaWeight!.read().arraySync() as number[];
  assert.equal(layer.alphaWeight!.trainable, false);
  let expected = 0;
  w.forEach((r) => r.forEach((v, j) => (expected += (alpha[j] - Math.abs(v)) ** 2)));
  expected *= 0.3;
  const p = layer.penalty();
  close(p.dataSync()[0], expected, 1e-5, "penalty");
  const losses = model.calculateLosses();
  assert.equal(losses.length, 1);
  close(losses[0].dataSync()[0], expected, 1e-5, "calculateLosses");
  // Without scale, the regularizer uses α = 1.
  const l2 = quantDense({
    units: 2,
    kernelQuantizer: "ste_sign",
    regularizer: "manhattan",
    lambda: 2,
  });
  l2.apply(tf.zeros([1, 3]));
  const w2 = l2.kernelWeight.read().dataSync() as Float32Array;
  const e2 = 2 * [...w2].reduce((acc, v) => acc + Math.abs(1 - Math.abs(v)), 0);
  close(l2.penalty().dataSync()[0], e2, 1e-5, "penalty α=1");
  const none = quantDense({ units: 2 });
  none.apply(tf.zeros([1, 3]));
  assert.equal(none.penalty().dataSync()[0], 0);
  assert.equal(none.losses.length, 0);
  tf.dispose([p, ...losses]);
});

Deno.test("QuantDense: getConfig round trip through model JSON keeps every option", async () => {
  const layer = quantDense({
    units: 3,
    inputShape: [5],
    inputQuantizer: "approx_sign",
    kernelQuantizer: "swish_sign",
    beta: 7,
    trainableBeta: true,
    scale: "trainable",
    scaleShape: "layer",
    regularizer: "manhattan",
    lambda: 0.02,
    kernelClip: null,
    activation: "softmax",
    useBias: false,
  });
  const model = tf.sequential({ layers: [layer] });
  const json = model.toJSON(undefined, false) as unknown as tf.io.ModelJSON["modelTopology"];
  const copy = await tf.models.modelFromJSON(json as never);
  copy.setWeights(model.getWeights());
  const l2 = copy.layers[0] as QuantDense;
  assert.ok(l2 instanceof QuantDense);
  assert.deepEqual(l2.getConfig(), layer.getConfig());
  assert.deepEqual(l2.quant, layer.quant);
  const x = tf.randomNormal([4, 5], 0, 1, "float32", 3);
  assert.deepEqual(
    (copy.predict(x) as tf.Tensor).dataSync(),
    (model.predict(x) as tf.Tensor).dataSync(),
  );
});

Deno.test("QuantDense: bad arguments give one clear error", () => {
  assert.throws(() => quantDense({ units: 0 }), /units must be a positive integer/);
  assert.throws(
    () => quantDense({ units: 2, kernelQuantizer: "sgn" as never }),
    /kernelQuantizer must be one of/,
  );
  assert.throws(() => quantDense({ units: 2, scale: "trainable" }), /needs a kernelQuantizer/);
  assert.throws(() => quantDense({ units: 2, beta: -1 }), /beta must be/);
  assert.throws(() => quantDense({ units: 2, lambda: -1 }), /lambda must be/);
  const l = quantDense({ units: 2 });
  assert.throws(() => l.apply(tf.zeros([2, 3, 4])), /rank 2/);
});

Deno.test("QuantDense: quantized activations take only ±1 (identity kernel exposes them)", () => {
  for (const q of ["ste_sign", "approx_sign", "swish_sign"] as const) {
    const layer = quantDense({
      units: 4,
      inputQuantizer: q,
      useBias: false,
      kernelInitializer: "identity",
    });
    const x = tf.tensor2d([[0, -0.3, 2, -5], [1e-6, -1e-6, 0.5, -0.5]]);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [1, -1, 1, -1, 1, -1, 1, -1], q);
  }
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { QuantConv2D, quantConv2d } from "../../lib/layers/mod.ts";

const s = (v: number) => (v >= 0 ? 1 : -1);

/** Naive NHWC conv2d (cross-correlation) with TF 'same'/'valid' padding, strides and dilation. */
function naiveConv(
  x: number[][][][],
  w: number[][][][],
  stride: [number, number],
  dil: [number, number],
  pad: "same" | "valid",
): number[][][][] {
  const [N, H, W, C] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
  const [KH, KW, , F] = [w.length, w[0].length, w[0][0].length, w[0][0][0].length];
  const ekh = (KH - 1) * dil[0] + 1, ekw = (KW - 1) * dil[1] + 1;
  const OH = pad === "same" ? Math.ceil(H / stride[0]) : Math.ceil((H - ekh + 1) / stride[0]);
  const OW = pad === "same" ? Math.ceil(W / stride[1]) : Math.ceil((W - ekw + 1) / stride[1]);
  const padH = pad === "same" ? Math.max((OH - 1) * stride[0] + ekh - H, 0) : 0;
  const padW = pad === "same" ? Math.max((OW - 1) * stride[1] + ekw - W, 0) : 0;
  const top = Math.floor(padH / 2), left = Math.floor(padW / 2);
  const out: number[][][][] = [];
  for (let n = 0; n < N; n++) {
    out.push([]);
    for (let i = 0; i < OH; i++) {
      out[n].push([]);
      for (let j = 0; j < OW; j++) {
        const row: number[] = [];
        for (let f = 0; f < F; f++) {
          let acc = 0;
          for (let a = 0; a < KH; a++) {
            for (let b = 0; b < KW; b++) {
              const r = i * stride[0] + a * dil[0] - top, c = j * stride[1] + b * dil[1] - left;
              if (r < 0 || r >= H || c < 0 || c >= W) continue;
              for (let ch = 0; ch < C; ch++) acc += x[n][r][c][ch] * w[a][b][ch][f];
            }
          }
          row.push(acc);
        }
        out[n][i].push(row);
      }
    }
  }
  return out;
}

const cases: { pad: "same" | "valid"; stride: number; dil: number }[] = [
  { pad: "same", stride: 1, dil: 1 },
  { pad: "valid", stride: 1, dil: 1 },
  { pad: "same", stride: 2, dil: 1 },
  { pad: "valid", stride: 2, dil: 1 },
  { pad: "same", stride: 1, dil: 2 },
  { pad: "valid", stride: 1, dil: 2 },
  { pad: "same", stride: 2, dil: 2 },
];

for (const { pad, stride, dil } of cases) {
  Deno.test(`QuantConv2D: forward = conv(sign(x), α_c·sign(W)) (${pad}, stride ${stride}, dilation ${dil})`, () => {
    const layer = quantConv2d({
      filters: 3,
      kernelSize: [3, 2],
      padding: pad,
      strides: stride,
      dilationRate: dil,
      inputQuantizer: "swish_sign",
      kernelQuantizer: "ste_sign",
      scale: "trainable",
      useBias: false,
    });
    const xT = tf.randomNormal([2, 7, 6, 2], 0, 1, "float32", 11);
    const yT = layer.apply(xT) as tf.Tensor;
    const w = layer.kernelWeight.read().arraySync() as number[][][][];
    const alpha = layer.alphaWeight!.read().arraySync() as number[];
    // α_c = mean |W| over the kernel's spatial and input axes.
    for (let f = 0; f < 3; f++) {
      const vals = w.flat(2).map((v) => Math.abs(v[f]));
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      assert.ok(Math.abs(alpha[f] - mean) < 1e-6, `alpha[${f}]`);
    }
    // Binary kernel takes only ±α_c.
    const wb = layer.binaryKernel().arraySync() as number[][][][];
    wb.flat(2).forEach((v, i) =>
      v.forEach((b, f) => assert.ok(Math.abs(b - alpha[f] * s(w.flat(2)[i][f])) < 1e-6))
    );
    const xb = (xT.arraySync() as number[][][][]).map((a) => a.map((b) => b.map((c) => c.map(s))));
    const expected = naiveConv(xb, wb, [stride, stride], [dil, dil], pad);
    assert.deepEqual(
      yT.shape,
      layer.computeOutputShape([null, 7, 6, 2]).map((d, i) => d ?? yT.shape[i]),
    );
    const got = yT.arraySync() as number[][][][];
    assert.deepEqual(got.length, expected.length);
    got.flat(3).forEach((v, i) => assert.ok(Math.abs(v - expected.flat(3)[i]) < 1e-4, `y[${i}]`));
    tf.dispose([xT, yT]);
  });
}

for (const dil of [1, 2]) {
  Deno.test(`QuantConv2D: ∂/∂α and ∂/∂b match finite differences (dilation ${dil})`, () => {
    const layer = quantConv2d({
      filters: 2,
      kernelSize: 3,
      padding: "same",
      strides: dil,
      dilationRate: dil,
      inputQuantizer: "ste_sign",
      kernelQuantizer: "swish_sign",
      scale: "trainable",
      biasInitializer: "ones",
    });
    const x = tf.randomNormal([1, 7, 7, 3], 0, 1, "float32", 5);
    const outShape = layer.computeOutputShape([1, 7, 7, 3]) as number[];
    const c = tf.randomNormal(outShape, 0, 1, "float32", 6);
    layer.apply(x);
    const f = () => tf.sum(tf.mul(c, layer.apply(x) as tf.Tensor)) as tf.Scalar;
    // The output is linear in α and in b, so central differences are exact up to rounding.
    for (
      const v of [
        layer.alphaWeight!.read() as tf.Variable,
        layer.trainableWeights[1].read() as tf.Variable,
      ]
    ) {
      const { grads } = tf.variableGrads(f, [v]);
      const g = grads[v.name].arraySync() as number[];
      const v0 = v.arraySync() as number[];
      const h = 1e-2;
      for (let k = 0; k < 2; k++) {
        v.assign(tf.tensor1d(v0.map((a, i) => (i === k ? a + h : a))));
        const fp = f().dataSync()[0];
        v.assign(tf.tensor1d(v0.map((a, i) => (i === k ? a - h : a))));
        const fm = f().dataSync()[0];
        v.assign(tf.tensor1d(v0));
        const fd = (fp - fm) / (2 * h);
        assert.ok(
          Math.abs(g[k] - fd) < 1e-2 * (1 + Math.abs(fd)),
          `${v.name}[${k}]: ${g[k]} vs ${fd}`,
        );
      }
    }
  });
}

Deno.test("QuantConv2D: getConfig round trip through model JSON keeps every option", async () => {
  const model = tf.sequential({
    layers: [
      quantConv2d({
        inputShape: [8, 8, 3],
        filters: 4,
        kernelSize: [3, 1],
        strides: [2, 1],
        padding: "same",
        inputQuantizer: "ste_sign",
        kernelQuantizer: "approx_sign",
        beta: 3,
        trainableBeta: true,
        scale: "fixed",
        scaleShape: "layer",
        regularizer: "euclidean",
        lambda: 0.5,
        kernelClip: 0.7,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: 4 }),
      }),
    ],
  });
  const json = model.toJSON(undefined, false) as unknown;
  const copy = await tf.models.modelFromJSON(json as never);
  copy.setWeights(model.getWeights());
  const [a, b] = [model.layers[0] as QuantConv2D, copy.layers[0] as QuantConv2D];
  assert.ok(b instanceof QuantConv2D);
  assert.deepEqual(b.getConfig(), a.getConfig());
  assert.equal(b.alphaWeight!.trainable, false);
  assert.equal(b.betaWeight!.trainable, true);
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 9);
  assert.deepEqual(
    (copy.predict(x) as tf.Tensor).dataSync(),
    (model.predict(x) as tf.Tensor).dataSync(),
  );
});

Deno.test("QuantConv2D: bad arguments give one clear error", () => {
  assert.throws(() => quantConv2d({ filters: 2, kernelSize: 0 }), /kernelSize must be/);
  assert.throws(() => quantConv2d({ filters: -1, kernelSize: 3 }), /filters must be/);
  assert.throws(
    () => quantConv2d({ filters: 2, kernelSize: 3, padding: "causal" as never }),
    /padding/,
  );
  assert.throws(
    () => quantConv2d({ filters: 2, kernelSize: 3, dataFormat: "channelsFirst" as never }),
    /channelsLast/,
  );
  const l = quantConv2d({ filters: 2, kernelSize: 3 });
  assert.throws(() => l.apply(tf.zeros([2, 4, 4])), /NHWC/);
});

Deno.test("QuantConv2D: quantized activations take only ±1 (1×1 identity kernel exposes them)", () => {
  const layer = quantConv2d({
    filters: 3,
    kernelSize: 1,
    inputQuantizer: "swish_sign",
    useBias: false,
  });
  const x = tf.randomNormal([2, 4, 4, 3], 0, 1, "float32", 8);
  layer.apply(x);
  layer.setWeights([tf.eye(3).reshape([1, 1, 3, 3])]);
  const y = (layer.apply(x) as tf.Tensor).dataSync();
  const xs = x.dataSync();
  assert.ok(y.every((v) => v === 1 || v === -1));
  y.forEach((v, i) => assert.equal(v, xs[i] >= 0 ? 1 : -1));
});

Deno.test("QuantConv2D: a first layer without bias computes no input gradient (plain conv)", async () => {
  const layer = quantConv2d({
    filters: 4,
    kernelSize: 3,
    padding: "same",
    useBias: false,
    inputQuantizer: "none",
    kernelQuantizer: "swish_sign",
  });
  const x = tf.randomNormal([2, 5, 5, 3]) as tf.Tensor4D;
  layer.apply(x);
  const info = await tf.profile(() => {
    const { grads, value } = tf.variableGrads(() => (layer.apply(x) as tf.Tensor).square().sum());
    tf.dispose([value, ...Object.values(grads)]);
  });
  assert.ok(info.kernelNames.includes("Conv2DBackpropFilter"), info.kernelNames.join(","));
  assert.ok(!info.kernelNames.includes("Conv2DBackpropInput"), info.kernelNames.join(","));
  tf.dispose(x);
});

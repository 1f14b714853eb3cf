import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { nativeConvApplies } from "../../lib/backend/conv_forward.ts";
import { nativePool } from "../../lib/backend/native_kernels.ts";
import { assertWasmMatchesCpu, type ConvCase, randomArray, setupBackends } from "./helpers.ts";

await setupBackends();

// co 21 = one 16-channel tile + one 4-channel tile + 1 scalar channel; odd widths leave a lone
// last pixel; ci 3 (RGB) and ci 1; batch 1; stride 2; non-square kernels; every padding kind.
const CASES: ConvCase[] = [
  { x: [2, 9, 7, 5], k: [3, 3], co: 21, strides: [1, 1], pad: "same" },
  { x: [1, 8, 9, 3], k: [3, 3], co: 32, strides: [2, 2], pad: "same" },
  { x: [1, 7, 5, 6], k: [2, 3], co: 17, strides: [2, 1], pad: "valid" },
  { x: [3, 5, 6, 1], k: [1, 1], co: 6, strides: [1, 1], pad: "valid" },
  { x: [1, 6, 7, 4], k: [3, 3], co: 16, strides: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [1, 3, 3, 2], k: [3, 3], co: 20, strides: [1, 1], pad: [[0, 0], [3, 3], [2, 2], [0, 0]] },
  { x: [2, 4, 11, 8], k: [5, 1], co: 19, strides: [2, 3], pad: "same" },
];

function nameOf(c: ConvCase): string {
  return `x ${c.x} k ${c.k} co ${c.co} s ${c.strides} pad ${JSON.stringify(c.pad)}`;
}

function inputs(c: ConvCase) {
  const xs = randomArray(c.x.reduce((a, b) => a * b), 3);
  const ws = randomArray(c.k[0] * c.k[1] * c.x[3] * c.co, 4);
  const bs = randomArray(c.co, 5);
  return () => ({
    x: tf.tensor4d(xs, c.x),
    w: tf.tensor4d(ws, [c.k[0], c.k[1], c.x[3], c.co]),
    b: tf.tensor1d(bs),
  });
}

for (const c of CASES) {
  Deno.test(`native conv2d == cpu: plain, bias+relu, bias, relu: ${nameOf(c)}`, async () => {
    const make = inputs(c);
    const f = () => {
      const { x, w, b } = make();
      const { strides, pad } = c;
      return [
        tf.conv2d(x, w, strides, pad),
        tf.fused.conv2d({ x, filter: w, strides, pad, bias: b, activation: "relu" }),
        tf.fused.conv2d({ x, filter: w, strides, pad, bias: b }),
        tf.fused.conv2d({ x, filter: w, strides, pad, activation: "relu" }),
      ];
    };
    await assertWasmMatchesCpu(f);
  });
}

Deno.test("native conv2d: the native pool runs Conv2D, FusedConv2D and the input gradient", async () => {
  await tf.setBackend("wasm");
  const pool = nativePool();
  assert.ok(pool, "initBackend started the native pool");
  const seen: string[] = [];
  const run = pool.run;
  pool.run = (fn, options) => {
    seen.push(fn);
    return run.call(pool, fn, options);
  };
  try {
    const { x, w, b } = inputs(CASES[0])();
    tf.tidy(() => {
      tf.conv2d(x, w, 1, "same").dataSync();
      tf.fused.conv2d({ x, filter: w, pad: "same", strides: 1, bias: b, activation: "relu" })
        .dataSync();
      tf.grad((a) => tf.conv2d(a as tf.Tensor4D, w, 1, "same").sum())(x).dataSync();
    });
    tf.dispose([x, w, b]);
  } finally {
    pool.run = run;
  }
  // conv2d, fused conv2d, and the gradient's forward conv and input gradient (dW is not asked).
  assert.deepEqual(seen.filter((f) => f.startsWith("conv")), Array(4).fill("conv_fwd"));
});

Deno.test("native conv2d: other activations, prelu, dilations and NCHW go to wasm's kernel", () => {
  const x = { dtype: "float32", shape: [1, 5, 5, 2] } as unknown as tf.TensorInfo;
  const filter = { dtype: "float32", shape: [3, 3, 2, 4] } as unknown as tf.TensorInfo;
  const base = { strides: 1, pad: "same" };
  const applies = (attrs: object, extra: object = {}) =>
    nativeConvApplies({
      inputs: { x, filter, ...extra },
      backend: tf.backend(),
      attrs: { ...base, ...attrs } as unknown as tf.NamedAttrMap,
    });
  assert.equal(applies({}), true);
  assert.equal(applies({ activation: "relu" }), true);
  assert.equal(applies({ activation: "elu" }), false);
  assert.equal(applies({ dilations: 2 }), false);
  assert.equal(applies({ dataFormat: "NCHW" }), false);
  assert.equal(applies({}, { preluActivationWeights: x }), false);
  const bias3 = { dtype: "float32", shape: [3] } as unknown as tf.TensorInfo;
  assert.equal(applies({}, { bias: bias3 }), false);
});

Deno.test("native conv2d: a delegated activation still equals cpu", async () => {
  const make = inputs(CASES[1]);
  const f = () => {
    const { x, w, b } = make();
    return tf.fused.conv2d({ x, filter: w, strides: 2, pad: "same", bias: b, activation: "elu" });
  };
  await assertWasmMatchesCpu(f);
});

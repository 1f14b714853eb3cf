/**
 * The engine against an independent float simulation built from tfjs ops (conv2d, maxPool,
 * matMul on ±1 weights), on random models that exercise every path: float and binary convs,
 * 'same'/'valid' padding with strides, channel counts that are not multiples of 32, fused
 * thresholds (with negative slopes), min-pools, flatten → binary dense, float last layer.
 */
import assert from "node:assert/strict";
import { createNativeKernel, setDeployVpopcnt } from "../../lib/deploy/native_kernel.ts";
import { tf } from "../../lib/tf.ts";
import { sign } from "../../lib/quantizers.ts";
import { packRows } from "../../lib/deploy/bits.ts";
import { affineThreshold } from "../../lib/deploy/fold.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import type { ConvOp, DenseOp, DeployModel, DeployOp } from "../../lib/deploy/format.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

interface Ref {
  op: DeployOp;
  w?: Float32Array; // tfjs layout, ±1 (or float) without α
  wShape?: number[];
}

function affine(r: () => number, n: number, negative: boolean) {
  const scale = Float32Array.from(
    { length: n },
    () => (r() * 0.9 + 0.1) * (negative && r() < 0.3 ? -1 : 1),
  );
  const shift = Float32Array.from({ length: n }, () => (r() - 0.5) * 6);
  return { scale, shift };
}

function conv(
  r: () => number,
  name: string,
  g: { k: number; cin: number; cout: number; s: number; pad: "same" | "valid" },
  binary: boolean,
  fuse: boolean,
): Ref {
  const n = g.k * g.k * g.cin * g.cout;
  const w = Float32Array.from({ length: n }, () => (binary ? (r() < 0.5 ? -1 : 1) : r() - 0.5));
  const { scale, shift } = affine(r, g.cout, true);
  const rows = g.k * g.k * g.cin;
  const op: ConvOp = {
    type: "conv",
    name,
    kh: g.k,
    kw: g.k,
    cin: g.cin,
    cout: g.cout,
    strides: [g.s, g.s],
    padding: g.pad,
    input: binary ? "sign" : "float",
    kernel: binary ? "binary" : "float",
    weights: binary
      ? packRows(w, { rows: g.cout, n: rows }, { group: g.cin, colStride: g.cout, rowStride: 1 })
      : w,
    scale,
    shift,
    activation: "linear",
  };
  if (fuse) {
    const t = affineThreshold({ scale: Float64Array.from(scale), shift: Float64Array.from(shift) });
    op.threshold = t.threshold;
    op.direction = t.direction;
  }
  return { op, w, wShape: [g.k, g.k, g.cin, g.cout] };
}

function dense(
  r: () => number,
  name: string,
  inF: number,
  units: number,
  group: number,
  binary: boolean,
  fuse: boolean,
): Ref {
  const w = Float32Array.from(
    { length: inF * units },
    () => (binary ? (r() < 0.5 ? -1 : 1) : r() - 0.5),
  );
  const { scale, shift } = affine(r, units, true);
  const op: DenseOp = {
    type: "dense",
    name,
    inFeatures: inF,
    units,
    group,
    input: "sign",
    kernel: binary ? "binary" : "float",
    weights: binary
      ? packRows(w, { rows: units, n: inF }, { group, colStride: units, rowStride: 1 })
      : w,
    scale,
    shift,
    activation: "linear",
  };
  if (fuse) {
    const t = affineThreshold({ scale: Float64Array.from(scale), shift: Float64Array.from(shift) });
    Object.assign(op, t);
  }
  return { op, w, wShape: [inF, units] };
}

/** Float simulation with tfjs ops. */
function reference(refs: Ref[], x: Float32Array, inputShape: number[]): Float32Array {
  return tf.tidy(() => {
    let t: tf.Tensor = tf.tensor(x, [1, ...inputShape]);
    for (const { op, w, wShape } of refs) {
      if (op.type === "conv" || op.type === "dense") {
        const xin = op.input === "sign" ? sign(t) : t;
        const k = tf.tensor(w!, wShape!);
        const raw = op.type === "conv"
          ? tf.conv2d(xin as tf.Tensor4D, k as tf.Tensor4D, op.strides, op.padding)
          : tf.matMul(xin as tf.Tensor2D, k as tf.Tensor2D);
        t = tf.add(tf.mul(raw, op.scale), op.shift);
        if (op.threshold) t = sign(t);
      } else if (op.type === "maxpool") {
        const m = tf.tensor1d(Float32Array.from(op.mode!));
        const pooled = tf.maxPool(
          tf.mul(t, m) as tf.Tensor4D,
          [op.ph, op.pw],
          op.strides,
          op.padding,
        );
        t = tf.mul(pooled, m);
      } else if (op.type === "flatten") {
        t = tf.reshape(t, [1, -1]);
      }
    }
    return t.dataSync() as Float32Array;
  });
}

function buildModel(seed: number): { model: DeployModel; refs: Ref[] } {
  const r = rng(seed);
  const refs: Ref[] = [
    conv(r, "c0", { k: 3, cin: 3, cout: 37, s: 1, pad: "same" }, false, false),
    conv(r, "c1", { k: 3, cin: 37, cout: 40, s: 2, pad: "same" }, true, true),
    {
      op: {
        type: "maxpool",
        name: "p",
        ph: 2,
        pw: 2,
        strides: [1, 1],
        padding: "valid",
        mode: Int8Array.from({ length: 40 }, () => (r() < 0.5 ? -1 : 1)),
      },
    },
    conv(r, "c2", { k: 3, cin: 40, cout: 33, s: 1, pad: "same" }, true, true),
    conv(r, "c3", { k: 2, cin: 33, cout: 65, s: 2, pad: "valid" }, true, true),
    { op: { type: "flatten", name: "f" } },
  ];
  // Input 10×10 → c1 5×5 → pool 4×4 → c2 4×4 → c3 2×2×65 = 260 features.
  refs.push(dense(r, "d0", 260, 70, 65, true, true));
  refs.push(dense(r, "d1", 70, 10, 70, false, false));
  const model: DeployModel = {
    format: "bnn-packed",
    version: 1,
    inputShape: [10, 10, 3],
    outputShape: [10],
    ops: refs.map((x) => x.op),
    meta: {},
  };
  return { model, refs };
}

const NATIVE = createNativeKernel();
const PREFERS = typeof NATIVE === "string"
  ? ["wasm", "js"] as const
  : ["native", "wasm", "js"] as const;

for (const prefer of PREFERS) {
  Deno.test(`engine (${prefer}) equals the tfjs float simulation on random binary models`, () => {
    for (const seed of [1, 2, 3]) {
      const { model, refs } = buildModel(seed);
      const engine = createEngine(model, { prefer });
      assert.match(engine.kernel, prefer === "wasm" ? /^wasm-simd$/ : new RegExp(`^${prefer}`));
      assert.deepEqual(engine.outputShape, [10]);
      const r = rng(seed + 100);
      for (let i = 0; i < 4; i++) {
        const x = Float32Array.from({ length: 300 }, () => r() * 2 - 1);
        if (i === 0) x.fill(0, 0, 30); // zeros binarize to +1
        const got = engine.predict(x);
        const want = reference(refs, x, [10, 10, 3]);
        for (let j = 0; j < 10; j++) {
          assert.ok(
            Math.abs(got[j] - want[j]) < 1e-4,
            `seed ${seed} image ${i} logit ${j}: ${got[j]} vs ${want[j]}`,
          );
        }
      }
    }
  });
}

Deno.test("binary conv without fused threshold gives exact float outputs, with relu", () => {
  const r = rng(7);
  const c = conv(r, "c", { k: 3, cin: 70, cout: 8, s: 1, pad: "same" }, true, false);
  (c.op as ConvOp).activation = "relu";
  const model: DeployModel = {
    format: "bnn-packed",
    version: 1,
    inputShape: [5, 6, 70],
    outputShape: [5, 6, 8],
    ops: [c.op],
    meta: {},
  };
  const x = Float32Array.from({ length: 5 * 6 * 70 }, () => r() - 0.5);
  const got = createEngine(model).predict(x);
  const want = tf.tidy(() => tf.relu(reference([c], x, [5, 6, 70])).dataSync());
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4);
});

Deno.test("predict's result stays the same after the next image (the ops reuse their buffers)", () => {
  // The last op is a float conv, whose output buffer the engine reuses from image to image.
  const r = rng(11);
  const c = conv(r, "c", { k: 3, cin: 3, cout: 8, s: 1, pad: "same" }, false, false);
  const model: DeployModel = {
    format: "bnn-packed",
    version: 1,
    inputShape: [5, 6, 3],
    outputShape: [5, 6, 8],
    ops: [c.op],
    meta: {},
  };
  for (const prefer of PREFERS) {
    const engine = createEngine(model, { prefer });
    const x1 = Float32Array.from({ length: 90 }, () => r() - 0.5);
    const x2 = Float32Array.from({ length: 90 }, () => r() - 0.5);
    const first = engine.predict(x1), kept = first.slice();
    const second = engine.predict(x2);
    assert.notDeepEqual(second, kept, `${prefer}: the images differ`);
    assert.deepEqual(first, kept, `${prefer}: the first result was overwritten`);
    const batch = engine.predictBatch(Float32Array.from([...x1, ...x2]), 2);
    assert.deepEqual(batch, Float32Array.from([...kept, ...second]), `${prefer}: predictBatch`);
  }
});

Deno.test("engine rejects a wrong input length with a clear error", () => {
  const engine = createEngine(buildModel(1).model);
  assert.throws(() => engine.predict(new Float32Array(5)), /expected 300/);
});

Deno.test("signEpsilon binarizes values in (−ε, 0) to +1, as tfjs-wasm's sign does", () => {
  const eps = 2 ** -23;
  const cin = 2, c = 1;
  const model: DeployModel = {
    format: "bnn-packed",
    version: 1,
    inputShape: [1, 1, cin],
    outputShape: [1, 1, c],
    meta: {},
    ops: [{
      type: "conv",
      name: "c",
      kh: 1,
      kw: 1,
      cin,
      cout: c,
      strides: [1, 1],
      padding: "valid",
      input: "sign",
      kernel: "binary",
      weights: packRows(Float32Array.of(1, 1), { rows: c, n: cin }),
      scale: Float32Array.of(1),
      shift: Float32Array.of(0),
      activation: "linear",
    }],
  };
  const x = Float32Array.of(-1e-8, -1e-3);
  // ε = 0: both −1 → r = −2; ε = 2⁻²³: −1e-8 → +1 → r = 0.
  assert.deepEqual(Array.from(createEngine(model).predict(x)), [-2]);
  assert.deepEqual(Array.from(createEngine({ ...model, signEpsilon: eps }).predict(x)), [0]);
});

Deno.test("7×7 'same' binary conv with stride 2 (more than 32 taps, every border pattern)", () => {
  const r = rng(11);
  const c = conv(r, "c7", { k: 7, cin: 35, cout: 6, s: 2, pad: "same" }, true, false);
  const model: DeployModel = {
    format: "bnn-packed",
    version: 1,
    inputShape: [9, 8, 35],
    outputShape: [5, 4, 6],
    ops: [c.op],
    meta: {},
  };
  const x = Float32Array.from({ length: 9 * 8 * 35 }, () => r() - 0.5);
  for (const prefer of ["wasm", "js"] as const) {
    const got = createEngine(model, { prefer }).predict(x);
    const want = reference([c], x, [9, 8, 35]);
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `${prefer} ${i}`);
    }
  }
});

Deno.test("the native engine's outputs equal the wasm engine's bit for bit", (t) => {
  if (typeof NATIVE === "string") {
    // Only where the native library cannot load (no FFI, another OS / CPU, BNN_NATIVE=0).
    console.log(`native deploy kernel not available: ${NATIVE}`);
    return;
  }
  for (const vpopcnt of [true, false]) {
    setDeployVpopcnt(vpopcnt);
    try {
      for (const seed of [4, 5, 6]) {
        const { model } = buildModel(seed);
        const native = createEngine(model, { prefer: "native" });
        const wasm = createEngine(model, { prefer: "wasm" });
        const r = rng(seed + 200);
        const x = Float32Array.from({ length: 4 * 300 }, () => r() * 2 - 1);
        assert.deepEqual(
          native.predictBatch(x, 4),
          wasm.predictBatch(x, 4),
          `${t.name}: seed ${seed}, VPOPCNTDQ allowed ${vpopcnt}`,
        );
      }
    } finally {
      setDeployVpopcnt(true);
    }
  }
});

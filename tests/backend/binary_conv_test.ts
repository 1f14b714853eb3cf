/**
 * The XNOR–popcount forward (lib/backend/binary_conv.ts): bit-exact against an independent
 * integer computation of the ±1 product, gradients bit-identical to the float path's, and the
 * binary layers training identically with the popcount forward on and off.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  BINARY_CONV,
  binaryConv2d,
  binaryDense,
  binaryForwardAvailable,
  setBinaryForward,
  setVpopcnt,
} from "../../lib/backend/binary_conv.ts";
import { loadNativeLibrary } from "../../lib/backend/ffi.ts";
import {
  type KernelPath,
  kernelPath,
  nativePool,
  useKernelPath,
} from "../../lib/backend/native_kernels.ts";
import { quantConv2d, quantDense } from "../../lib/layers/mod.ts";
import { randomArray, setupBackends } from "./helpers.ts";

await setupBackends();
assert.ok(binaryForwardAvailable(9), "the popcount forward needs the wasm native pool");

/** ±1 values (sign(0) = +1) of a seeded uniform array. */
function signs(n: number, seed: number): Float32Array {
  return randomArray(n, seed).map((v) => (v < 0 ? -1 : 1));
}

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  strides: [number, number];
  padding: "same" | "valid";
  alpha: "none" | "layer" | "channel";
  bias: boolean;
}

/**
 * The exact product, independently: integer sums over the in-bounds taps ('same' padding as tfjs
 * computes it: pad_top = ⌊total/2⌋), then one float32 multiply by α and one float32 add of bias.
 */
function reference(
  c: Case,
  v: { x: Float32Array; k: Float32Array; alpha?: Float32Array; bias?: Float32Array },
) {
  const [n, h, w, ci] = c.x;
  const [kh, kw] = c.k;
  const [sh, sw] = c.strides;
  const out = (len: number, k: number, s: number) =>
    c.padding === "same" ? Math.ceil(len / s) : Math.ceil((len - k + 1) / s);
  const ho = out(h, kh, sh), wo = out(w, kw, sw);
  const pt = c.padding === "same" ? Math.floor(Math.max(0, (ho - 1) * sh + kh - h) / 2) : 0;
  const pl = c.padding === "same" ? Math.floor(Math.max(0, (wo - 1) * sw + kw - w) / 2) : 0;
  const y = new Float32Array(n * ho * wo * c.co);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let o = 0; o < c.co; o++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky - pt;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx - pl;
              if (ix < 0 || ix >= w) continue;
              for (let i = 0; i < ci; i++) {
                s += v.x[((b * h + iy) * w + ix) * ci + i] *
                  v.k[((ky * kw + kx) * ci + i) * c.co + o];
              }
            }
          }
          const a = v.alpha ? v.alpha[v.alpha.length === 1 ? 0 : o] : 1;
          let r = Math.fround(s * a);
          if (v.bias) r = Math.fround(r + v.bias[o]);
          y[((b * ho + oy) * wo + ox) * c.co + o] = r;
        }
      }
    }
  }
  return { shape: [n, ho, wo, c.co], y };
}

function caseName(c: Case): string {
  return `x ${c.x} k ${c.k} co ${c.co} s ${c.strides} ${c.padding} α ${c.alpha}` +
    (c.bias ? " +b" : "");
}

const CASES: Case[] = [
  {
    x: [2, 7, 6, 3],
    k: [3, 3],
    co: 5,
    strides: [1, 1],
    padding: "same",
    alpha: "channel",
    bias: true,
  },
  {
    x: [1, 9, 8, 37],
    k: [3, 3],
    co: 6,
    strides: [2, 2],
    padding: "same",
    alpha: "layer",
    bias: false,
  },
  {
    x: [2, 8, 9, 64],
    k: [3, 2],
    co: 9,
    strides: [1, 2],
    padding: "valid",
    alpha: "none",
    bias: true,
  },
  {
    x: [1, 6, 7, 65],
    k: [5, 5],
    co: 4,
    strides: [1, 1],
    padding: "same",
    alpha: "channel",
    bias: false,
  },
  {
    x: [2, 5, 5, 130],
    k: [1, 1],
    co: 3,
    strides: [2, 1],
    padding: "valid",
    alpha: "channel",
    bias: true,
  },
  {
    x: [1, 4, 4, 200],
    k: [3, 3],
    co: 17,
    strides: [1, 1],
    padding: "same",
    alpha: "layer",
    bias: true,
  },
];

function tensorsOf(c: Case, seed: number) {
  const [kh, kw] = c.k;
  const ci = c.x[3];
  const x = signs(c.x.reduce((p, d) => p * d, 1), seed);
  const k = signs(kh * kw * ci * c.co, seed + 1);
  const alpha = c.alpha === "none"
    ? undefined
    : randomArray(c.alpha === "layer" ? 1 : c.co, seed + 2).map((v) => 0.05 + Math.abs(v));
  const bias = c.bias ? randomArray(c.co, seed + 3) : undefined;
  return { x, k, alpha, bias };
}

/** The kernel builds to check: the wasm module, and the native library (both popcounts). */
const BUILDS: { name: string; path: KernelPath; vpopcnt: boolean }[] = [
  { name: "wasm", path: "wasm", vpopcnt: true },
  { name: "native", path: "native", vpopcnt: true },
  { name: "native (nibble-table popcount)", path: "native", vpopcnt: false },
];

/** Runs `fn` on each available build; returns the names of those that ran. */
async function onEachBuild(fn: (build: string) => void): Promise<string[]> {
  const ran: string[] = [];
  const start = kernelPath()!;
  try {
    for (const b of BUILDS) {
      if (!(await useKernelPath(b.path))) continue;
      setVpopcnt(b.vpopcnt);
      fn(`${b.name} (${nativePool()!.isa})`);
      ran.push(b.name);
    }
  } finally {
    setVpopcnt(true);
    await useKernelPath(start);
  }
  return ran;
}

Deno.test("binaryConv2d equals the exact ±1 product times α (+ bias), bit for bit", async () => {
  const ran = await onEachBuild((build) => {
    CASES.forEach((c, i) => {
      const v = tensorsOf(c, 100 + 10 * i);
      const ref = reference(c, v);
      const got = tf.tidy(() => {
        const y = binaryConv2d(
          tf.tensor4d(v.x, c.x),
          tf.tensor4d(v.k, [c.k[0], c.k[1], c.x[3], c.co]),
          {
            alpha: v.alpha && (c.alpha === "layer" ? tf.scalar(v.alpha[0]) : tf.tensor1d(v.alpha)),
            bias: v.bias && tf.tensor1d(v.bias),
            strides: c.strides,
            padding: c.padding,
          },
        );
        return { shape: y.shape, values: y.dataSync() as Float32Array };
      });
      assert.deepEqual(got.shape, ref.shape, `${build}: ${caseName(c)}`);
      assert.deepEqual(got.values, ref.y, `${build}: ${caseName(c)}`);
    });
  });
  assert.ok(ran.includes("wasm"), "the wasm build ran");
  const lib = loadNativeLibrary();
  if (typeof lib !== "string" && Deno.env.get("BNN_NATIVE") !== "0") {
    assert.ok(ran.includes("native"), `the native build (${lib.variant}) ran`);
  }
});

Deno.test("binaryDense equals the exact ±1 product times α (+ bias), bit for bit", () => {
  for (
    const [n, ci, units, alpha] of [[3, 100, 7, "channel"], [5, 64, 10, "layer"], [
      2,
      1,
      3,
      "none",
    ]] as const
  ) {
    const c: Case = {
      x: [n, 1, 1, ci],
      k: [1, 1],
      co: units,
      strides: [1, 1],
      padding: "valid",
      alpha,
      bias: true,
    };
    const v = tensorsOf(c, 7 + ci);
    const ref = reference(c, v);
    const got = tf.tidy(() =>
      binaryDense(tf.tensor2d(v.x, [n, ci]), tf.tensor2d(v.k, [ci, units]), {
        alpha: v.alpha && (alpha === "layer" ? tf.tensor1d(v.alpha) : tf.tensor1d(v.alpha)),
        bias: v.bias && tf.tensor1d(v.bias),
      }).dataSync() as Float32Array
    );
    assert.deepEqual(got, ref.y, `dense ${n}×${ci} → ${units}, α ${alpha}`);
  }
});

/** Gradients of Σ y·g for the popcount op and for the float path conv2d(x, α·k) + b. */
function convGrads(c: Case, binary: boolean, seed: number): Float32Array[] {
  const v = tensorsOf(c, seed);
  return tf.tidy(() => {
    const x = tf.tensor4d(v.x, c.x);
    const k = tf.tensor4d(v.k, [c.k[0], c.k[1], c.x[3], c.co]);
    const alpha = v.alpha && (c.alpha === "layer" ? tf.scalar(v.alpha[0]) : tf.tensor1d(v.alpha));
    const bias = v.bias && tf.tensor1d(v.bias);
    const args = [x, k, ...(alpha ? [alpha] : []), ...(bias ? [bias] : [])];
    const f = (...t: tf.Tensor[]) => {
      const [xx, kk] = t;
      const a = alpha ? t[2] : undefined;
      const b = bias ? t[alpha ? 3 : 2] : undefined;
      let y: tf.Tensor;
      if (binary) {
        y = binaryConv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, {
          alpha: a,
          bias: b,
          strides: c.strides,
          padding: c.padding,
        });
      } else {
        const w = (a ? tf.mul(kk, a) : kk) as tf.Tensor4D;
        y = tf.conv2d(xx as tf.Tensor4D, w, c.strides, c.padding);
        if (b) y = tf.add(y, b);
      }
      const g = tf.tensor(randomArray(y.size, seed + 9), y.shape);
      return tf.sum(tf.mul(y, g));
    };
    return tf.grads(f)(args).map((g) => g.dataSync() as Float32Array);
  });
}

Deno.test("binaryConv2d's gradients are bit-identical to the float path's", () => {
  CASES.forEach((c, i) => {
    const want = convGrads(c, false, 300 + i);
    const got = convGrads(c, true, 300 + i);
    assert.equal(got.length, want.length);
    got.forEach((g, j) => assert.deepEqual(g, want[j], `${caseName(c)}: gradient ${j}`));
  });
});

Deno.test("binaryDense's gradients are bit-identical to the float path's", () => {
  const [n, ci, units] = [6, 77, 5];
  const x = signs(n * ci, 1), k = signs(ci * units, 2), g = randomArray(n * units, 3);
  const alpha = randomArray(units, 4).map((v) => 0.1 + Math.abs(v)), bias = randomArray(units, 5);
  const grads = (binary: boolean) =>
    tf.tidy(() => {
      const f = (xx: tf.Tensor, kk: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
        const y = binary
          ? binaryDense(xx as tf.Tensor2D, kk as tf.Tensor2D, { alpha: a, bias: b })
          : tf.add(tf.matMul(xx as tf.Tensor2D, tf.mul(kk, a) as tf.Tensor2D), b);
        return tf.sum(tf.mul(y, tf.tensor2d(g, [n, units])));
      };
      const args = [
        tf.tensor2d(x, [n, ci]),
        tf.tensor2d(k, [ci, units]),
        tf.tensor1d(alpha),
        tf.tensor1d(bias),
      ];
      return tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)(args).map((t) => t.dataSync());
    });
  const want = grads(false), got = grads(true);
  got.forEach((t, j) => assert.deepEqual(t, want[j], `gradient ${j}`));
});

/**
 * A small binary net (conv 'same' → conv stride 2 → flatten → dense) trained for a few SGD steps;
 * returns the losses and final weights. The float path's forward is exact (so the two runs can
 * be compared bit for bit) where Ci < 16 keeps it on the direct conv (no Winograd), α is "none"
 * (no ±α sums) and no bias is fused into a matmul accumulator (the dense layer has no bias; a
 * conv's bias is added after the sum, by the native kernel or, for ReLU, by a separate add).
 */
async function train(binary: boolean, scale: "none" | "trainable"): Promise<{
  losses: number[];
  weights: Float32Array[];
}> {
  setBinaryForward(binary);
  try {
    const opts = {
      inputQuantizer: "ste_sign",
      kernelQuantizer: "ste_sign",
      scale,
      scaleShape: "channel",
    } as const;
    const model = tf.sequential({
      layers: [
        tf.layers.inputLayer({ inputShape: [6, 6, 3] }),
        quantConv2d({
          ...opts,
          filters: 10,
          kernelSize: 3,
          padding: "same",
          activation: "relu",
          inputQuantizer: "none",
        }),
        quantConv2d({ ...opts, filters: 7, kernelSize: 3, strides: 2, padding: "same" }),
        tf.layers.flatten(),
        quantDense({ ...opts, units: 4, useBias: false }),
      ],
    });
    // Same initial weights in both runs.
    model.setWeights(
      model.getWeights().map((w, i) =>
        tf.tensor(
          randomArray(w.size, 50 + i).map((v) => 0.2 * v + (w.rank === 1 ? 0.5 : 0)),
          w.shape,
        )
      ),
    );
    const x = tf.tensor4d(randomArray(8 * 6 * 6 * 3, 60), [8, 6, 6, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], "int32"), 4);
    const profile = await tf.profile(() => tf.dispose(model.apply(x) as tf.Tensor));
    assert.equal(profile.kernelNames.includes(BINARY_CONV), binary, "popcount kernel use");
    const opt = tf.train.sgd(0.1);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const loss = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor),
        true,
      )!;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
    return { losses, weights };
  } finally {
    setBinaryForward(undefined);
  }
}

Deno.test("binary layers train bit-identically with the popcount forward on and off (α none)", async () => {
  const off = await train(false, "none");
  const on = await train(true, "none");
  assert.deepEqual(on.losses, off.losses);
  on.weights.forEach((w, i) => assert.deepEqual(w, off.weights[i], `weight ${i}`));
  assert.ok(off.losses[4] !== off.losses[0], "the weights moved");
});

Deno.test("with a trainable α the popcount forward agrees with the float path to rounding", async () => {
  const off = await train(false, "trainable");
  const on = await train(true, "trainable");
  on.losses.forEach((l, i) =>
    assert.ok(
      Math.abs(l - off.losses[i]) <= 1e-5 * Math.abs(off.losses[i]),
      `step ${i}: ${l} vs ${off.losses[i]}`,
    )
  );
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  EXP2F_TABLE,
  fusedSign,
  fusedSteSignGrad,
  fusedSwishSignGrad,
} from "../../lib/backend/quantizer_grad.ts";
import { QUANTIZERS, sign, steSign, swishSign } from "../../lib/quantizers.ts";
import { forEachKernelPath, randomArray, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

/** Inputs over many magnitudes (several work units and a ragged tail), with the edge cases. */
function inputs(seed: number): Float32Array {
  const n = 3 * 16384 + 77;
  const r = randomArray(n, seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = r[i] * [1e-3, 0.2, 1, 3, 30, 300][i % 6];
  const special = [0, -0, 1, -1, 2 ** -149, -(2 ** -149), 1e-30, -1e-30, 0.999999, 1.000001];
  special.push(17.6, -17.6, 20.8, 88, -88, 104, -104, 1e4, -1e4, 3.4e38, -3.4e38);
  special.push(-88.5, -103.9, -103.98, 88.8, NaN, Infinity, -Infinity); // expf's special cases
  x.set(special);
  return x;
}

/** Same float32 values; NaNs only have to be NaN on both sides (their sign bit may differ). */
function assertSameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

const must = (t: tf.Tensor | undefined, what: string): tf.Tensor => {
  if (t === undefined) throw new Error(`${what} did not run natively`);
  return t;
};

/** floor(2^(i/32) · 2^p) by bisection on Y^32 ≤ 2^(i + 32p) (exact integer arithmetic). */
function pow2Fixed(i: number, p: bigint): bigint {
  const target = 1n << (BigInt(i) + 32n * p);
  let [lo, hi] = [1n << p, 2n << p];
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** 32n <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

Deno.test("EXP2F_TABLE is musl's table: bits(2^(i/32) rounded to nearest) − (i << 47), exactly", () => {
  assert.equal(EXP2F_TABLE.length, 32);
  const p = 120n;
  EXP2F_TABLE.forEach((t, i) => {
    // 2^(i/32) ∈ [1, 2): 52 fraction bits; round the 120-bit fixed-point value to nearest.
    const y = pow2Fixed(i, p);
    const mantissa = (y + (1n << (p - 53n))) >> (p - 52n);
    const bits = 0x3ff0000000000000n + (mantissa - (1n << 52n));
    assert.equal(t + (BigInt(i) << 47n), bits, `entry ${i}`);
  });
});

Deno.test("fused quantizer kernels == the tfjs op chains on wasm, bit for bit (native and wasm builds)", async () => {
  const x = inputs(301);
  const dy = randomArray(x.length, 302);
  dy[0] = -1, dy[1] = 2; // a negative dy times a 0 pseudo-gradient must give −0 in both
  const paths = await forEachKernelPath(async (path) => {
    const [fs, cs] = await Promise.all([
      runOn("wasm", () => must(fusedSign(tf.tensor1d(x)), "sign")),
      runOn("wasm", () => sign(tf.tensor1d(x))),
    ]);
    assertSameBits(fs[0].values, cs[0].values, `${path}: sign`);
    for (const clip of [1, 0.5, 1.3]) {
      const [f] = await runOn(
        "wasm",
        () => must(fusedSteSignGrad(tf.tensor1d(x), tf.tensor1d(dy), clip), "ste"),
      );
      const [c] = await runOn(
        "wasm",
        () =>
          tf.mul(
            tf.tensor1d(dy),
            QUANTIZERS.ste_sign.pseudoGradient(tf.tensor1d(x), { clipValue: clip }),
          ),
      );
      assertSameBits(f.values, c.values, `${path}: STE clip ${clip}`);
    }
    for (const beta of [5, 1, 2, 10, 0.3, 37.5]) {
      const [f] = await runOn(
        "wasm",
        () => must(fusedSwishSignGrad(tf.tensor1d(x), tf.tensor1d(dy), beta), "swish"),
      );
      const [c] = await runOn(
        "wasm",
        () =>
          tf.mul(tf.tensor1d(dy), QUANTIZERS.swish_sign.pseudoGradient(tf.tensor1d(x), { beta })),
      );
      assertSameBits(f.values, c.values, `${path}: SignSwish β=${beta}`);
      assert.ok(c.values.some((v, i) => v !== 0 && Math.abs(x[i]) > 1), "the tails are exercised");
    }
  });
  assert.deepEqual(paths, ["native", "wasm"]);
});

Deno.test("musl expf (inside swish_sign_grad) == tfjs-wasm's Exp on 2^20 arguments in (−104, 0]", async () => {
  // With dy = 1 and β = 1 the kernel's u = e^{−|x|} decides g; compare g from u = tf.exp directly.
  const n = 1 << 20;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = -104 * (i / n) ** 2 - (i % 7) * 1e-7;
  await forEachKernelPath(async (path) => {
    const [f] = await runOn(
      "wasm",
      () => must(fusedSwishSignGrad(tf.tensor1d(x), tf.onesLike(tf.tensor1d(x)), 1), "swish"),
    );
    const [c] = await runOn(
      "wasm",
      () => QUANTIZERS.swish_sign.pseudoGradient(tf.tensor1d(x), { beta: 1 }),
    );
    assertSameBits(f.values, c.values, `${path}: β=1 over the exp range`);
  });
});

Deno.test("steSign / swishSign under tf.grad: the fused backward equals dy · pseudo-gradient", async () => {
  const x = inputs(311).slice(0, 5000);
  const w = randomArray(x.length, 312);
  for (
    const [name, q] of [["ste", (t: tf.Tensor) => steSign(t)], [
      "swish",
      (t: tf.Tensor) => swishSign(t, 5),
    ]] as const
  ) {
    const [g, value] = await runOn("wasm", () => {
      const xt = tf.tensor1d(x);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(q(t), tf.tensor1d(w))))(xt), q(xt)];
    });
    const [c] = await runOn("wasm", () => {
      const pq = name === "ste" ? QUANTIZERS.ste_sign : QUANTIZERS.swish_sign;
      return tf.mul(tf.tensor1d(w), pq.pseudoGradient(tf.tensor1d(x), { beta: 5 }));
    });
    assertSameBits(g.values, c.values, `${name}: gradient`);
    // sign(NaN) stays NaN, as in the tfjs chain (the fused-vs-chain test above checks that).
    const ref = Array.from(x, (v) => (Number.isNaN(v) ? NaN : v < 0 ? -1 : 1));
    assert.deepEqual(Array.from(value.values), ref);
  }
});

Deno.test("fused quantizer kernels: undefined on another backend (the tfjs chain runs there)", async () => {
  await tf.setBackend("cpu");
  const t = tf.tensor1d([1, -2]);
  assert.equal(fusedSign(t), undefined);
  assert.equal(fusedSteSignGrad(t, t, 1), undefined);
  assert.equal(fusedSwishSignGrad(t, t, 5), undefined);
  t.dispose();
  await tf.setBackend("wasm");
  const [a, b] = [tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3])];
  assert.equal(fusedSteSignGrad(a, b, 1), undefined, "sizes differ");
  tf.dispose([a, b]);
});

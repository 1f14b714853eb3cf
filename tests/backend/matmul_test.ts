import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import {
  assertBitIdentical,
  forEachKernelPath,
  randomArray,
  relError,
  runOn,
  setupBackends,
} from "./helpers.ts";
import { MATMUL_CASES, matmulCase, referenceProduct } from "../fixtures/matmul_cases.ts";

await setupBackends();

for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
  Deno.test(`BatchMatMul wasm == cpu: transposeA ${ta} transposeB ${tb}, batch 3, odd sizes`, async () => {
    const [m, k, n] = [7, 13, 5];
    const as = randomArray(3 * m * k, 61), bs = randomArray(3 * k * n, 62);
    const f = () =>
      tf.matMul(
        tf.tensor3d(as, ta ? [3, k, m] : [3, m, k]),
        tf.tensor3d(bs, tb ? [3, n, k] : [3, k, n]),
        ta,
        tb,
      );
    const [w] = await runOn("wasm", f);
    const [c] = await runOn("cpu", f);
    assert.deepEqual(w.shape, [3, m, n]);
    assert.ok(relError(w.values, c.values) <= 1e-5);
  });
}

Deno.test("dense-layer gradients (transposed products) on wasm == cpu", async () => {
  const xs = randomArray(64 * 40, 63), ws = randomArray(40 * 10, 64);
  const f = () => {
    const x = tf.tensor2d(xs, [64, 40]), w = tf.tensor2d(ws, [40, 10]);
    return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))
    )([x, w]);
  };
  const wasm = await runOn("wasm", f), cpu = await runOn("cpu", f);
  for (let i = 0; i < 2; i++) assert.ok(relError(wasm[i].values, cpu[i].values) <= 1e-5);
});

const CHILD = new URL("../fixtures/matmul_child.ts", import.meta.url).pathname;

for (const c of MATMUL_CASES) {
  Deno.test(`BatchMatMul is XNNPACK's chain bit for bit (native and wasm kernels): A [${c.a}]${c.ta ? "ᵀ" : ""} · B [${c.b}]${c.tb ? "ᵀ" : ""}`, async () => {
    const [out] = await runOn("wasm", () => matmulCase(c));
    const [a, b] = [c.a, c.b].map((s, j) =>
      randomArray(s.reduce((p, d) => p * d, 1), 100 + 2 * MATMUL_CASES.indexOf(c) + j)
    );
    const ref = referenceProduct(c, a, b);
    await forEachKernelPath(async (path) => {
      const [r] = await runOn("wasm", () => matmulCase(c));
      assert.deepEqual(r.shape, out.shape);
      assertBitIdentical(r.values as Float32Array, ref, `${path} kernels`);
    });
  });
}

Deno.test("BatchMatMul: the project kernel equals tfjs-wasm's own (XNNPACK, BNN_NATIVE_KERNELS=0) bit for bit", async () => {
  const run = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", CHILD],
      env: { NO_COLOR: "1", BNN_THREADS: "2", ...env },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout)) as {
      kernels: string[];
      bits: number[];
    };
  };
  const project = await run({}), xnnpack = await run({ BNN_NATIVE_KERNELS: "0" });
  assert.ok(project.kernels.some((k) => /BatchMatMul/.test(k) && /native|wasm SIMD128/.test(k)));
  assert.ok(!xnnpack.kernels.some((k) => /^project kernels/.test(k)), xnnpack.kernels.join("\n"));
  assert.equal(project.bits.length, xnnpack.bits.length);
  const differ = project.bits.findIndex((b, i) => b !== xnnpack.bits[i]);
  assert.equal(differ, -1, `element ${differ} differs`);
});

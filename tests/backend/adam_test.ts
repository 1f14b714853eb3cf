import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { TFJS_ADAM_APPLY_GRADIENTS } from "../../lib/backend/adam.ts";
import { assertBitIdentical, forEachKernelPath, randomArray, setupBackends } from "./helpers.ts";

await setupBackends();

const SHAPES = [[3, 3, 16, 32], [40_000], [7], [1], [5, 0]];

/** Variables with the given seed's values, one per shape, named uniquely. */
function makeVars(tag: string, seed: number): tf.Variable[] {
  return SHAPES.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(randomArray(n, seed + i), s), true, `${tag}_${i}_${seed}`);
  });
}

/** `steps` Adam steps on two copies of the same variables: tfjs's own method and the lab's. */
async function compare(
  make: () => tf.AdamOptimizer,
  steps: number,
  what: string,
  lrs?: number[],
): Promise<void> {
  const tag = `adam${Math.random().toString(36).slice(2, 8)}`;
  const [a, b] = [makeVars(`${tag}a`, 11), makeVars(`${tag}b`, 11)];
  const [oa, ob] = [make(), make()];
  for (let k = 0; k < steps; k++) {
    if (lrs) {
      (oa as unknown as { learningRate: number }).learningRate = lrs[k];
      (ob as unknown as { learningRate: number }).learningRate = lrs[k];
    }
    // Gradients with zeros, tiny and large values (the bias corrections and ε matter).
    const gs = SHAPES.map((s, i) => {
      const g = randomArray(s.reduce((x, y) => x * y, 1), 100 * k + i);
      for (let j = 0; j < g.length; j += 17) g[j] = j % 34 === 0 ? 0 : g[j] * 1e-6;
      return tf.tensor(g, s);
    });
    TFJS_ADAM_APPLY_GRADIENTS.call(oa, a.map((v, i) => ({ name: v.name, tensor: gs[i] })));
    ob.applyGradients(b.map((v, i) => ({ name: v.name, tensor: gs[i] })));
    tf.dispose(gs);
  }
  a.forEach((v, i) => {
    assertBitIdentical(
      b[i].dataSync() as Float32Array,
      v.dataSync() as Float32Array,
      `${what}: var ${i}`,
    );
  });
  const [wa, wb] = [await oa.getWeights(), await ob.getWeights()];
  assert.equal(wa.length, wb.length);
  wa.forEach((w, i) => {
    assert.equal(wb[i].name.replace(/adam\w+b_/, ""), w.name.replace(/adam\w+a_/, ""));
    assertBitIdentical(
      wb[i].tensor.dataSync() as Float32Array,
      w.tensor.dataSync() as Float32Array,
      `${what}: optimizer weight ${w.name}`,
    );
  });
  assert.equal(ob.iterations, steps);
  tf.dispose([...a, ...b]);
  oa.dispose();
  ob.dispose();
}

Deno.test("Adam: the fused update == tfjs's applyGradients, bit for bit (weights, moments, iterations)", async () => {
  await tf.setBackend("wasm");
  const paths = await forEachKernelPath(async (path) => {
    await compare(() => tf.train.adam(1e-2), 6, `${path} lr 1e-2`);
    await compare(() => tf.train.adam(3e-4, 0.8, 0.95, 1e-6), 4, `${path} β 0.8/0.95 ε 1e-6`);
    const cosine = [1e-2, 8.1e-3, 5.3e-3, 2.2e-3, 1.3e-4];
    await compare(() => tf.train.adam(1e-2), 5, `${path} cosine lr`, cosine);
  });
  assert.deepEqual(paths, ["native", "wasm"]);
});

Deno.test("Adam: the fused path runs (no Sqrt or RealDiv kernel) and falls back on cpu", async () => {
  await tf.setBackend("wasm");
  const v = tf.variable(tf.ones([64]), true, "adam_count_v");
  const opt = tf.train.adam(0.1);
  const g = tf.fill([64], 0.5);
  const before = tf.memory().numTensors;
  // The map form (what tfjs's own minimize passes).
  const map = { [v.name]: g } as unknown as Parameters<typeof opt.applyGradients>[0];
  const profile = await tf.profile(() => opt.applyGradients(map));
  const names = profile.kernels.map((k) => k.name);
  assert.ok(!names.includes("Sqrt") && !names.includes("RealDiv"), names.join(", "));
  // Only the two moment variables were added (and nothing leaked).
  assert.equal(tf.memory().numTensors, before + 2);
  // First step from m = v = 0: w − lr · g/(|g| + ε) ≈ 1 − 0.1.
  assert.ok(Math.abs(v.dataSync()[0] - 0.9) < 1e-6);
  await tf.setBackend("cpu");
  await compare(() => tf.train.adam(1e-2), 3, "cpu");
  await tf.setBackend("wasm");
  tf.dispose([v, g]);
  opt.dispose();
});

Deno.test("Adam: a checkpoint taken from the fused optimizer resumes bit-identically", async () => {
  await tf.setBackend("wasm");
  const [a, b] = [makeVars("resume_a", 5), makeVars("resume_b", 5)];
  const oa = tf.train.adam(1e-2);
  const grads = (k: number, vs: tf.Variable[]) =>
    vs.map((v, i) => ({
      name: v.name,
      tensor: tf.tensor(randomArray(v.size, 7 * k + i), v.shape),
    }));
  for (let k = 0; k < 3; k++) tf.tidy(() => oa.applyGradients(grads(k, a)));
  // b: the same 3 steps with tfjs's own method, then its state moved to a fresh optimizer.
  const ob0 = tf.train.adam(1e-2);
  for (let k = 0; k < 3; k++) {
    tf.tidy(() => TFJS_ADAM_APPLY_GRADIENTS.call(ob0, grads(k, b)));
  }
  const ob = tf.train.adam(1e-2);
  await ob.setWeights(await ob0.getWeights());
  for (let k = 3; k < 5; k++) {
    tf.tidy(() => oa.applyGradients(grads(k, a)));
    tf.tidy(() => ob.applyGradients(grads(k, b)));
  }
  a.forEach((v, i) =>
    assertBitIdentical(b[i].dataSync() as Float32Array, v.dataSync() as Float32Array, `var ${i}`)
  );
  tf.dispose([...a, ...b]);
  [oa, ob0, ob].forEach((o) => o.dispose());
});

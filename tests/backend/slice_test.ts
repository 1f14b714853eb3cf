import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { copyBox } from "../../lib/backend/slice.ts";
import { randomArray, setupBackends } from "./helpers.ts";

await setupBackends();

/** Deterministic integers in [0, n) from a seed (an LCG; independent of the slices tested). */
function ints(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 4294967296) * n);
  };
}

/** The box's values by their definition: each output index mapped back to the input's. */
function boxByIndex(src: ArrayLike<number>, shape: number[], begin: number[], size: number[]) {
  const count = size.reduce((p, d) => p * d, 1), out: number[] = [];
  for (let n = 0; n < count; n++) {
    let rest = n, off = 0, stride = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      off += (begin[i] + (rest % size[i])) * stride;
      rest = Math.floor(rest / size[i]);
      stride *= shape[i];
    }
    out.push(src[off]);
  }
  return out;
}

Deno.test("copyBox equals the slice's definition (every rank 1–5, runs short and long)", () => {
  const r = ints(3);
  for (let c = 0; c < 300; c++) {
    const rank = 1 + r(5);
    const shape = Array.from({ length: rank }, () => 1 + r(rank > 3 ? 6 : 20));
    const begin = shape.map((d) => r(d));
    const size = shape.map((d, i) => 1 + r(d - begin[i]));
    const n = shape.reduce((p, d) => p * d, 1);
    const src = randomArray(n, c), dst = new Float32Array(size.reduce((p, d) => p * d, 1));
    copyBox(src, shape, { begin, size }, dst);
    assert.deepEqual(
      Array.from(dst),
      boxByIndex(src, shape, begin, size),
      `${shape} ${begin} ${size}`,
    );
  }
});

Deno.test("Slice on wasm equals the cpu backend's (float32, int32, bool; -1 sizes; empty)", async () => {
  const r = ints(11);
  const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [64, 32, 32, 3], begin: [0, 0, 0, 0], size: [32, -1, -1, -1] }, // predict's batches
    { shape: [64, 32, 32, 3], begin: [32, 0, 0, 0], size: [32, 32, 32, 3] },
    { shape: [8, 5, 7], begin: [1, 2, 3], size: [3, 2, 4] },
    { shape: [8, 5, 7], begin: [0, 0, 6], size: [-1, -1, 1] }, // runs of one element
    { shape: [10], begin: [4], size: [0] },
  ];
  for (let c = 0; c < 40; c++) {
    const rank = 1 + r(4);
    const shape = Array.from({ length: rank }, () => 1 + r(9));
    const begin = shape.map((d) => r(d));
    cases.push({
      shape,
      begin,
      size: shape.map((d, i) => (r(4) === 0 ? -1 : 1 + r(d - begin[i]))),
    });
  }
  for (const { shape, begin, size } of cases) {
    const n = shape.reduce((p, d) => p * d, 1);
    const f = Array.from(randomArray(n, n));
    for (const dtype of ["float32", "int32", "bool"] as const) {
      const values = dtype === "float32"
        ? f
        : f.map((v) => (dtype === "bool" ? +(v > 0) : Math.round(v * 100)));
      const got: Record<string, number[]> = {};
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        const t = tf.tensor(values, shape, dtype);
        const s = tf.slice(t, begin, size);
        got[backend] = Array.from(s.dataSync());
        assert.equal(s.dtype, dtype);
        if (backend === "wasm") {
          const cpuShape = tf.backend_util.slice_util.parseSliceParams(t, begin, size)[1];
          assert.deepEqual(s.shape, cpuShape);
        }
        tf.dispose([t, s]);
      }
      assert.deepEqual(got.wasm, got.cpu, `${dtype} ${shape} ${begin} ${size}`);
    }
  }
  await tf.setBackend("wasm");
});

Deno.test("Slice on wasm: the whole tensor shares data; dispose in either order; strings", async () => {
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  const a = tf.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  const ids = tf.engine().backend.numDataIds();
  const b = tf.slice(a, [0, 0, 0], [-1, -1, -1]);
  assert.equal(tf.engine().backend.numDataIds(), ids, "the whole-tensor slice allocates nothing");
  a.dispose();
  assert.deepEqual(b.arraySync(), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  const c = tf.slice(b, [1, 0, 0], [1, 2, 2]);
  b.dispose();
  assert.deepEqual(c.arraySync(), [[[5, 6], [7, 8]]]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
  const s = tf.tensor1d(["a", "b", "c"], "string");
  const t = tf.slice(s, [1], [2]);
  assert.deepEqual(t.arraySync(), ["b", "c"]);
  tf.dispose([s, t]);
});

Deno.test("Slice on wasm: gradients through tf.slice match the cpu backend", async () => {
  const grads: Record<string, number[]> = {};
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const x = tf.tensor2d(Array.from(randomArray(30, 5)), [5, 6]);
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(tf.slice(v, [1, 2], [3, 3]), v.slice([0, 0], [3, 3])))
    )(x);
    grads[backend] = Array.from(g.dataSync());
    tf.dispose([x, g]);
  }
  assert.deepEqual(grads.wasm, grads.cpu);
  await tf.setBackend("wasm");
});

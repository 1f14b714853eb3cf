import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { type Info, wasmOps } from "../../lib/backend/wasm_ops.ts";
import { assertBitIdentical, randomArray, setupBackends } from "./helpers.ts";

await setupBackends();

/** Independent reference: out[kh-1-i][kw-1-j] = f[i][j], the last two axes swapped if asked. */
function flipReference(f: Float32Array, shape: number[], swapIO: boolean): Float32Array {
  const [kh, kw, a, c] = shape, out = new Float32Array(f.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < c; q++) {
          const src = ((i * kw + j) * a + p) * c + q;
          const t = (kh - 1 - i) * kw + (kw - 1 - j);
          out[swapIO ? (t * c + q) * a + p : (t * a + p) * c + q] = f[src];
        }
      }
    }
  }
  return out;
}

function flipOnWasm(values: Float32Array | Int32Array, shape: number[], swapIO: boolean) {
  const x = tf.tensor(values, shape);
  const b = tf.backend();
  const o = wasmOps(b);
  const out: Info = o.flipFilter({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, { swapIO });
  const t = tf.engine().makeTensorFromTensorInfo(out);
  const r = { shape: t.shape, values: t.dataSync() };
  t.dispose();
  x.dispose();
  return r;
}

for (const shape of [[3, 3, 4, 5], [1, 1, 3, 2], [2, 5, 1, 7], [3, 2, 6, 1]]) {
  for (const swapIO of [false, true]) {
    Deno.test(`wasmOps.flipFilter ${shape} swapIO ${swapIO}: equals a loop reference bit for bit`, async () => {
      await tf.setBackend("wasm");
      const n = shape.reduce((a, b) => a * b);
      const f = randomArray(n, 7);
      f[0] = -0, f[n - 1] = NaN; // signed zero and NaN are moved, never computed
      const r = flipOnWasm(f, shape, swapIO);
      const [kh, kw, a, c] = shape;
      assert.deepEqual(r.shape, swapIO ? [kh, kw, c, a] : shape);
      assertBitIdentical(
        r.values as Float32Array,
        flipReference(f, shape, swapIO),
        "flipped filter",
      );
      // ... and the tfjs ops it replaces (Reverse + Transpose on the cpu backend).
      await tf.setBackend("cpu");
      const t = tf.tidy(() => {
        const rev = tf.reverse(tf.tensor4d(f, shape as [number, number, number, number]), [0, 1]);
        return (swapIO ? tf.transpose(rev, [0, 1, 3, 2]) : rev).dataSync() as Float32Array;
      });
      assertBitIdentical(r.values as Float32Array, t, "vs tf.reverse + tf.transpose");
    });
  }
}

Deno.test("wasmOps.flipFilter on an int32 filter takes wasm's Reverse + Transpose", async () => {
  await tf.setBackend("wasm");
  const shape = [2, 3, 2, 3], n = 36;
  const v = Int32Array.from({ length: n }, (_, i) => i * 7 - 50);
  const r = flipOnWasm(v, shape, true);
  const ref = flipReference(Float32Array.from(v), shape, true);
  assert.equal(r.values.constructor, Int32Array);
  assert.deepEqual(Array.from(r.values), Array.from(ref));
});

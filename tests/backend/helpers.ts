/** Shared helpers of the backend tests: seeded data, wasm-vs-cpu runs, relative error. */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";

/** Activates wasm with the project kernels (quietly) and makes sure cpu exists too. */
export async function setupBackends(): Promise<void> {
  await initBackend({ backend: "wasm", quiet: true });
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max|a − b| / max|b| (b is the reference). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** Runs `fn` with `backend` active and returns the values of its output tensors. */
export async function runOn(
  backend: "wasm" | "cpu",
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  tf.dispose(outs);
  return res;
}

/** A conv padding: "same", "valid" or explicit NHWC pairs. */
export type ConvPad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];

/** A conv test shape: input NHWC, kernel size, output channels, strides, padding. */
export interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  strides: [number, number];
  pad: ConvPad;
}

/**
 * Runs `fn` on wasm and on cpu and asserts every output has the same shape and a relative error
 * (max |wasm − cpu| / max |cpu|) of at most `tolerance` (default 1e-4).
 */
export async function assertWasmMatchesCpu(
  fn: () => tf.Tensor | tf.Tensor[],
  tolerance = 1e-4,
): Promise<void> {
  const wasm = await runOn("wasm", fn);
  const cpu = await runOn("cpu", fn);
  wasm.forEach((r, i) => {
    assert.deepEqual(r.shape, cpu[i].shape);
    const e = relError(r.values, cpu[i].values);
    assert.ok(e <= tolerance, `output ${i}: relative error ${e}`);
  });
}

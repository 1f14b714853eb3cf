/** Shared helpers of the backend tests: seeded data, wasm-vs-cpu runs, relative error. */
import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { type KernelPath, useKernelPath } from "../../lib/backend/native_kernels.ts";
import type { NativePool } from "../../lib/backend/native_pool.ts";

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

/** The builds of the project kernels the tests run: the native library first, then wasm. */
export const KERNEL_PATHS: readonly KernelPath[] = ["native", "wasm"];

/**
 * Runs `fn` once with each build of the project kernels that can run here (the native library
 * through FFI, the wasm module) active, and makes the native build active again afterwards.
 * Returns the paths that ran (wasm always; native where its library loads).
 */
export async function forEachKernelPath(
  fn: (path: KernelPath, pool: NativePool) => Promise<void> | void,
): Promise<KernelPath[]> {
  const ran: KernelPath[] = [];
  try {
    for (const path of KERNEL_PATHS) {
      const pool = await useKernelPath(path);
      if (!pool) continue;
      ran.push(path);
      await fn(path, pool);
    }
  } finally {
    await useKernelPath("native");
  }
  assert.ok(ran.includes("wasm"), "the wasm kernels ran");
  return ran;
}

/** Asserts `a` and `b` are the same float32 values bit for bit (NaNs included). */
export function assertBitIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/**
 * Runs `fn` on wasm, with each build of the project kernels (`forEachKernelPath`), and on cpu;
 * asserts every output has the same shape and a relative error (max |wasm − cpu| / max |cpu|) of
 * at most `tolerance` (default 1e-4), and that the native and wasm builds agree bit for bit (they
 * do for the same number of threads; with different counts, only the Winograd filter gradient's
 * per-thread partial sums differ: then within 1e-6).
 */
export async function assertWasmMatchesCpu(
  fn: () => tf.Tensor | tf.Tensor[],
  tolerance = 1e-4,
): Promise<void> {
  const cpu = await runOn("cpu", fn);
  const byPath: Partial<Record<KernelPath, { shape: number[]; values: Float32Array }[]>> = {};
  const threads: Partial<Record<KernelPath, number>> = {};
  await forEachKernelPath(async (path, pool) => {
    threads[path] = pool.threads;
    const wasm = byPath[path] = await runOn("wasm", fn);
    wasm.forEach((r, i) => {
      assert.deepEqual(r.shape, cpu[i].shape);
      const e = relError(r.values, cpu[i].values);
      assert.ok(e <= tolerance, `${path} kernels, output ${i}: relative error ${e}`);
    });
  });
  byPath.native?.forEach((r, i) => {
    const w = byPath.wasm![i].values;
    if (!(r.values instanceof Float32Array)) return;
    if (threads.native === threads.wasm) {
      assertBitIdentical(r.values, w, `native vs wasm kernels, output ${i}`);
    } else {
      const e = relError(r.values, w);
      assert.ok(e <= 1e-6, `native (${threads.native} threads) vs wasm: relative error ${e}`);
    }
  });
}

/**
 * True where the aarch64 checks must run (the cross-built library, the qemu-user run): in CI
 * (`CI=true`) or under `.ci/run` (`BNN_REQUIRE_AARCH64=1`); elsewhere a machine without the Debian
 * cross packages skips them.
 */
export function aarch64Required(): boolean {
  return Deno.env.get("CI") === "true" || Deno.env.get("BNN_REQUIRE_AARCH64") === "1";
}

/** Counts the kernels `pool` runs while `fn` runs. */
export function countCalls(pool: NativePool, fn: () => void): Map<string, number> {
  const calls = new Map<string, number>();
  const run = pool.run;
  (pool as { run: NativePool["run"] }).run = (name, options) => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    run.call(pool, name, options);
  };
  try {
    fn();
  } finally {
    (pool as { run: NativePool["run"] }).run = run;
  }
  return calls;
}

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { KERNEL_EXPORTS } from "../../lib/backend/native_pool.ts";
import { useKernelPath } from "../../lib/backend/native_kernels.ts";
import { kernelWorkload } from "../fixtures/native_workload.ts";
import {
  assertBitIdentical,
  countCalls,
  forEachKernelPath,
  relError,
  runOn,
  setupBackends,
} from "./helpers.ts";

await setupBackends();
const x86Linux = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

Deno.test({
  name:
    "ffi pool: every kernel runs natively, == wasm (bit for bit at equal threads), == cpu within 1e-4",
  ignore: !x86Linux,
  async fn() {
    const cpu = await runOn("cpu", kernelWorkload);
    const results: Record<string, { shape: number[]; values: Float32Array }[]> = {};
    const threads: Record<string, number> = {};
    const ran = await forEachKernelPath(async (path, pool) => {
      threads[path] = pool.threads;
      await tf.setBackend("wasm");
      const calls = countCalls(pool, () => {
        results[path] = tf.tidy(() => kernelWorkload()).map((t) => {
          const r = { shape: t.shape, values: t.dataSync() as Float32Array };
          t.dispose();
          return r;
        });
      });
      assert.deepEqual(
        KERNEL_EXPORTS.filter((k) => !calls.has(k)),
        [],
        `${path}: kernels the workload did not run`,
      );
    });
    assert.deepEqual(ran, ["native", "wasm"]);
    results.native.forEach((r, i) => {
      assert.deepEqual(r.shape, cpu[i].shape);
      const e = relError(r.values, cpu[i].values);
      assert.ok(e <= 1e-4, `output ${i}: relative error ${e} vs cpu`);
      if (threads.native === threads.wasm) {
        assertBitIdentical(r.values, results.wasm[i].values, `output ${i}: native vs wasm`);
      } else {
        // Here the wasm pool has one thread (tfjs-wasm's heap is not shared when the native pool
        // carries the threads), and the Winograd filter gradient's per-thread partial sums differ.
        // ffi_test.ts compares the builds bit for bit at equal thread counts (child processes).
        const w = relError(r.values, results.wasm[i].values);
        assert.ok(w <= 1e-6, `output ${i}: native vs wasm (${threads.wasm} thread): ${w}`);
      }
    });
  },
});

Deno.test({
  name: "ffi pool: an unknown kernel or too many arguments is a clear error",
  ignore: !x86Linux,
  async fn() {
    const pool = await useKernelPath("native");
    assert.ok(pool);
    assert.throws(
      () => pool.run("no_such_kernel" as never, { args: [], units: 1 }),
      /no kernel no_such_kernel/,
    );
    assert.throws(
      () => pool.run("relu_grad", { args: new Array(100).fill(0), units: 1 }),
      /100 arguments, at most 56/,
    );
  },
});

Deno.test({
  name: "ffi pool: zero work units run nothing",
  ignore: !x86Linux,
  async fn() {
    const pool = await useKernelPath("native");
    assert.ok(pool);
    // Pointer arguments 0 would crash a kernel that ran: with 0 units none runs.
    pool.run("relu_grad", { args: [0, 0, 0, 16, 16], units: 0 });
  },
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { MAX_WASM_THREADS, threadsPerWorker, wasmThreadCount } from "../../lib/backend/mod.ts";
import { relError, runOn, setupBackends } from "./helpers.ts";

await setupBackends();

Deno.test("wasmThreadCount: option, BNN_THREADS, core count; capped at the pool maximum", () => {
  assert.equal(wasmThreadCount(3), 3);
  assert.equal(wasmThreadCount(100), MAX_WASM_THREADS);
  const saved = Deno.env.get("BNN_THREADS");
  try {
    Deno.env.set("BNN_THREADS", "1");
    assert.equal(wasmThreadCount(), 1);
    assert.equal(wasmThreadCount(2), 2, "the option wins over the env var");
    Deno.env.delete("BNN_THREADS");
    assert.equal(wasmThreadCount(), Math.min(navigator.hardwareConcurrency, MAX_WASM_THREADS));
  } finally {
    if (saved === undefined) Deno.env.delete("BNN_THREADS");
    else Deno.env.set("BNN_THREADS", saved);
  }
});

Deno.test("threadsPerWorker: an equal share of the cores, at least 1; BNN_THREADS wins", () => {
  const saved = Deno.env.get("BNN_THREADS");
  try {
    Deno.env.delete("BNN_THREADS");
    const cores = navigator.hardwareConcurrency;
    assert.equal(threadsPerWorker(1), cores);
    assert.equal(threadsPerWorker(cores), 1);
    assert.equal(threadsPerWorker(cores * 4), 1);
    assert.equal(threadsPerWorker(2), Math.max(1, Math.floor(cores / 2)));
    Deno.env.set("BNN_THREADS", "3");
    assert.equal(threadsPerWorker(2), 3);
  } finally {
    if (saved === undefined) Deno.env.delete("BNN_THREADS");
    else Deno.env.set("BNN_THREADS", saved);
  }
});

Deno.test("wasmThreadCount: anything but a positive integer is one clear error", () => {
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => wasmThreadCount(bad), /option threads is not a thread count; expected/);
  }
  const saved = Deno.env.get("BNN_THREADS");
  try {
    Deno.env.set("BNN_THREADS", "two");
    assert.throws(() => wasmThreadCount(), /env BNN_THREADS "two" is not a thread count/);
  } finally {
    if (saved === undefined) Deno.env.delete("BNN_THREADS");
    else Deno.env.set("BNN_THREADS", saved);
  }
});

const CHILD = new URL("../fixtures/wasm_threads_child.ts", import.meta.url).pathname;

async function child(threads: number, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, String(threads)],
    env: { BNN_THREADS: "", BNN_NATIVE_KERNELS: "", BNN_XNNPACK_THREADS: "", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `child with ${threads} thread(s) failed (or hung): ${err.slice(-600)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

Deno.test(
  "threads: with the native kernel library, its pool takes the threads and tfjs's ops run single-threaded",
  {
    ignore: Deno.build.os !== "linux" || Deno.build.arch !== "x86_64",
  },
  async () => {
    const r = await child(2);
    assert.equal(r.native, 2, "native kernel pool size");
    assert.equal(r.threads, 1, "tfjs-wasm: the single-threaded build");
    assert.equal(r.pool, 1, "XNNPACK pool size");
  },
);

// BNN_XNNPACK_THREADS=1 keeps tfjs's threaded build beside the native pool (the wasm kernels'
// pool shares it without the native library).
for (const threads of [1, 2]) {
  Deno.test(`threaded wasm: ${threads} thread(s) start, match cpu, restore globals, exit`, async () => {
    const r = await child(threads, { BNN_XNNPACK_THREADS: "1" });
    assert.equal(r.threads, threads);
    assert.equal(r.pool, threads, "XNNPACK pool size");
    assert.equal(r.native, threads, "native kernel pool size");
    assert.ok(r.workerRestored, "globalThis.Worker is Deno's again");
    assert.ok(r.cpusRestored, "os.cpus() is unpatched");
    // Reference: the same computation on the cpu backend of this process.
    const [y, dw] = await runOn("cpu", () => {
      const x = tf.tensor4d(Array.from({ length: 810 }, (_, i) => Math.sin(i)), [2, 9, 9, 5]);
      const w = tf.tensor4d(Array.from({ length: 540 }, (_, i) => Math.cos(i)), [3, 3, 5, 12]);
      const f = (a: tf.Tensor) => tf.conv2d(x, a as tf.Tensor4D, 1, "same");
      return [f(w), tf.grad((a: tf.Tensor) => tf.sum(tf.square(f(a))))(w)];
    });
    assert.ok(relError(r.y, y.values) <= 1e-5, "forward");
    assert.ok(relError(r.dw, dw.values) <= 1e-5, "filter gradient");
  });
}

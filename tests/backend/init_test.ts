import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { BACKEND_NAMES, initBackend } from "../../lib/backend/mod.ts";

Deno.test("initBackend rejects an unknown backend name (option and env var)", async () => {
  await assert.rejects(
    () => initBackend({ backend: "tpu" as "wasm", quiet: true }),
    /option backend "tpu".*"auto", "gpu", "tensorflow", "webgpu", "wasm", "cpu"/,
  );
  Deno.env.set("BNN_BACKEND", "fast");
  try {
    await assert.rejects(() => initBackend({ quiet: true }), /env BNN_BACKEND "fast"/);
  } finally {
    Deno.env.delete("BNN_BACKEND");
  }
});

Deno.test("initBackend: forcing tensorflow without tfjs-node installed is one clear error", async () => {
  let installed = true;
  try {
    Deno.statSync(
      new URL("../../node_modules/@tensorflow/tfjs-node/package.json", import.meta.url),
    );
  } catch {
    installed = false;
  }
  if (installed) return; // a machine with tfjs-node: covered by the auto test below
  await assert.rejects(
    () => initBackend({ backend: "tensorflow", quiet: true }),
    /forced by option "tensorflow" but tfjs-node is not installed/,
  );
});

Deno.test("initBackend: BNN_BACKEND forces cpu; auto then keeps the first choice", async () => {
  Deno.env.set("BNN_BACKEND", "cpu");
  try {
    const info = await initBackend({ quiet: true });
    assert.equal(info.name, "cpu");
    assert.match(info.reason, /BNN_BACKEND/);
    assert.equal(tf.getBackend(), "cpu");
  } finally {
    Deno.env.delete("BNN_BACKEND");
  }
  const again = await initBackend({ quiet: true });
  assert.equal(again.name, "cpu");
});

Deno.test("initBackend: forcing wasm registers the project kernels; logs one line", async () => {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (m: string) => lines.push(m);
  try {
    const info = await initBackend({ backend: "wasm" });
    assert.equal(info.name, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(info.kernels.includes("Conv2DBackpropFilter"));
  } finally {
    console.error = orig;
  }
  assert.deepEqual(lines.length, 1);
  assert.match(lines[0], /^backend: wasm \(forced by option/);
  assert.deepEqual([...BACKEND_NAMES], ["auto", "gpu", "tensorflow", "webgpu", "wasm", "cpu"]);
});

Deno.test('initBackend: "gpu" without tfjs-node-gpu or a hardware adapter is one clear error', async () => {
  try {
    Deno.statSync(
      new URL("../../node_modules/@tensorflow/tfjs-node-gpu/package.json", import.meta.url),
    );
    return; // a machine with tfjs-node-gpu
  } catch { /* not installed: the case tested */ }
  const { probeWebGpu } = await import("../../lib/backend/webgpu.ts");
  const probe = await probeWebGpu();
  if (typeof probe !== "string" && !probe.software) return; // a machine with a GPU
  await assert.rejects(
    () => initBackend({ backend: "gpu", quiet: true }),
    /forced by option "gpu" but tfjs-node-gpu is not installed .*, and (no WebGPU|.*the WebGPU adapter is ".*" \(software rasterizer, not a GPU\))/,
  );
});

import assert from "node:assert/strict";
import { tf } from "../../lib/tf.ts";
import { wasmPoolThreads, wasmThreadCount, wasmThreads } from "../../lib/backend/mod.ts";
import {
  heapAddress,
  nativeFlipFilter,
  nativeKernelBytes,
  nativePool,
} from "../../lib/backend/native_kernels.ts";
import { convInfo, xnnpackBackpropFilter } from "../../lib/backend/conv_backprop.ts";
import { wasmOps } from "../../lib/backend/wasm_ops.ts";
import { nativeLibraryUrl } from "../../lib/backend/ffi.ts";
import {
  aarch64Required,
  assertBitIdentical,
  forEachKernelPath,
  randomArray,
  relError,
  runOn,
  setupBackends,
} from "./helpers.ts";

await setupBackends();

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;
const CASES: { x: number[]; k: [number, number]; co: number; s: [number, number]; pad: Pad }[] = [
  { x: [4, 12, 12, 32], k: [3, 3], co: 40, s: [1, 1], pad: "same" }, // SIMD tiles + co % 8
  { x: [2, 11, 9, 3], k: [3, 3], co: 16, s: [1, 1], pad: "same" }, // RGB input: ci < 4
  { x: [1, 9, 10, 6], k: [3, 2], co: 9, s: [2, 2], pad: "same" }, // ci % 4, stride 2
  { x: [3, 8, 7, 8], k: [2, 3], co: 8, s: [2, 1], pad: "valid" }, // non-square, valid
  { x: [1, 6, 7, 5], k: [3, 3], co: 3, s: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 5, 5, 4], k: [1, 1], co: 7, s: [1, 1], pad: "valid" }, // 1×1
  { x: [1, 4, 4, 4], k: [5, 5], co: 8, s: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
];

function dyShape(c: (typeof CASES)[number]): number[] {
  const info = convInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], {
    strides: c.s,
    pad: c.pad,
    dataFormat: "NHWC",
  });
  return [c.x[0], info.outHeight, info.outWidth, c.co];
}

function bpf(c: (typeof CASES)[number], xs: Float32Array, gs: Float32Array) {
  const x = tf.tensor4d(xs, c.x as [number, number, number, number]);
  const dy = tf.tensor4d(gs, dyShape(c) as [number, number, number, number]);
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
    strides: c.s,
    pad: c.pad,
    dataFormat: "NHWC",
    filterShape: [c.k[0], c.k[1], c.x[3], c.co],
  }) as tf.Tensor;
}

Deno.test("native kernels: initBackend started the native library's pool (x86-64 Linux)", () => {
  const pool = nativePool();
  assert.ok(pool, "initBackend started a kernel pool");
  if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
    assert.match(pool.isa, /^x86-64 /);
  }
  if (pool.isa.startsWith("wasm")) {
    assert.equal(pool.threads, wasmPoolThreads());
  } else {
    // The native pool takes the requested threads; tfjs's own ops then run single-threaded.
    assert.equal(pool.threads, wasmThreadCount());
    assert.equal(wasmPoolThreads(), 1);
    assert.equal(wasmThreads(), pool.threads, "the threads the backend computes on");
  }
});

Deno.test("native kernels: heap addresses from _malloc are unsigned (≥ 2 GiB), 0 is out of memory", () => {
  assert.equal(heapAddress(16, 8), 16);
  assert.equal(heapAddress(-2147483648, 8), 2 ** 31);
  assert.equal(heapAddress(-8, 8), 2 ** 32 - 8);
  assert.throws(() => heapAddress(0, 1024), /no room for 1024 more bytes/);
});

for (const c of CASES) {
  Deno.test(`native Conv2DBackpropFilter == cpu: x ${c.x} k ${c.k} co ${c.co} s ${c.s} pad ${JSON.stringify(c.pad)}`, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 11);
    const gs = randomArray(dyShape(c).reduce((a, b) => a * b), 12);
    const [cpu] = await runOn("cpu", () => bpf(c, xs, gs));
    const byPath: Float32Array[] = [];
    await forEachKernelPath(async (path) => {
      const [wasm] = await runOn("wasm", () => bpf(c, xs, gs));
      assert.deepEqual(wasm.shape, cpu.shape);
      const e = relError(wasm.values, cpu.values);
      assert.ok(e <= 1e-5, `${path}: relative error ${e}`);
      byPath.push(wasm.values);
    });
    // The direct kernel's units are whole dW rows: bit-identical for any thread count.
    if (byPath.length === 2) assertBitIdentical(byPath[0], byPath[1], "native vs wasm");
  });
}

Deno.test("XNNPACK Conv2DBackpropFilter (the fallback without a pool) == cpu", async () => {
  for (const c of CASES.slice(0, 4)) {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 21);
    const gs = randomArray(dyShape(c).reduce((a, b) => a * b), 22);
    const [wasm] = await runOn("wasm", () => {
      const x = tf.tensor4d(xs, c.x as [number, number, number, number]);
      const dy = tf.tensor4d(gs, dyShape(c) as [number, number, number, number]);
      const info = convInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], {
        strides: c.s,
        pad: c.pad,
        dataFormat: "NHWC",
      });
      const out = xnnpackBackpropFilter(wasmOps(tf.backend()), { x, dy, info });
      return tf.engine().makeTensorFromTensorInfo(out);
    });
    const [cpu] = await runOn("cpu", () => bpf(c, xs, gs));
    assert.ok(relError(wasm.values, cpu.values) <= 1e-4, `case ${c.x}`);
  }
});

Deno.test("native flip_filter == wasmOps.flipFilter bit for bit (NaN payloads, odd sizes), both builds", async () => {
  await tf.setBackend("wasm");
  const shapes = [[3, 3, 32, 64], [3, 3, 17, 5], [1, 1, 40, 3], [5, 3, 1, 33], [3, 2, 20, 18]];
  const ran = await forEachKernelPath(() => {
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((p, d) => p * d, 1);
      const bits = new Uint32Array(randomArray(n, 50 + i).buffer);
      for (let k = 0; k < n; k += 7) bits[k] = 0x7fc00001 + k; // NaNs with payloads
      const f = tf.tensor(new Float32Array(bits.buffer), shape, "float32");
      const info = { dataId: f.dataId, shape: f.shape, dtype: f.dtype } as tf.TensorInfo;
      const got = nativeFlipFilter(tf.backend(), info);
      assert.ok(got, "the native flip ran");
      const want = wasmOps(tf.backend()).flipFilter(info, { swapIO: true });
      assert.deepEqual(got.shape, [shape[0], shape[1], shape[3], shape[2]]);
      const read = (t: tf.TensorInfo) =>
        new Uint32Array((tf.backend().readSync(t.dataId) as Float32Array).buffer);
      assert.deepEqual(read(got), read(want), `shape ${shape}`);
      tf.backend().disposeData(got.dataId);
      tf.backend().disposeData(want.dataId);
      f.dispose();
    }
  });
  assert.ok(ran.includes("wasm"));
});

Deno.test("native kernels: the committed .wasm and .so files are what tools/build_kernels.sh builds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = new URL("../../tools/build_kernels.sh", import.meta.url).pathname;
    const out = await new Deno.Command(script, { args: [dir], stderr: "piped" }).output();
    assert.ok(
      out.success,
      `build failed (needs clang + lld): ${new TextDecoder().decode(out.stderr)}`,
    );
    const committed = await Deno.readFile(nativeLibraryUrl("linux", "x86_64"));
    for (const shared of [true, false]) {
      const name = shared ? "kernels.wasm" : "kernels.single.wasm";
      assert.deepEqual(await Deno.readFile(`${dir}/${name}`), nativeKernelBytes(shared), name);
    }
    const so = nativeLibraryUrl("linux", "x86_64");
    const name = so.pathname.split("/").pop()!;
    const built = await Deno.readFile(`${dir}/${name}`);
    assert.ok(
      built.length === committed.length && built.every((b, i) => b === committed[i]),
      `${name} differs from the committed one (${built.length} vs ${committed.length} bytes)`,
    );
    // The aarch64 library is built where Debian's cross C library is installed (CI installs it).
    const armName = nativeLibraryUrl("linux", "aarch64").pathname.split("/").pop()!;
    const armBuilt = await Deno.readFile(`${dir}/${armName}`).catch(() => null);
    assert.ok(
      armBuilt !== null || !aarch64Required(),
      `no ${armName} built: ${new TextDecoder().decode(out.stderr)}`,
    );
    if (armBuilt !== null) {
      const armCommitted = await Deno.readFile(nativeLibraryUrl("linux", "aarch64"));
      assert.ok(
        armBuilt.length === armCommitted.length && armBuilt.every((b, i) => b === armCommitted[i]),
        `${armName} differs from the committed one (${armBuilt.length} vs ${armCommitted.length} bytes)`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

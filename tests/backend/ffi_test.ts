import assert from "node:assert/strict";
import { loadNativeLibrary, nativeLibraryUrl } from "../../lib/backend/ffi.ts";
import { KERNEL_EXPORTS } from "../../lib/backend/native_pool.ts";
import { DEPLOY_NATIVE_KERNELS } from "../../lib/deploy/native_kernel.ts";

const CHILD = new URL("../fixtures/native_workload_child.ts", import.meta.url).pathname;
const x86Linux = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

interface ChildResult {
  hash: string;
  path: string;
  isa: string;
  threads: number;
  stderr: string[];
}

/** Runs the workload child with `flags` and `env`; it must exit by itself, with code 0. */
async function child(flags: string[], env: Record<string, string>): Promise<ChildResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, CHILD],
    env: { NO_COLOR: "1", BNN_THREADS: "2", ...env },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(240_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).split("\n").filter(Boolean);
  assert.equal(out.code, 0, `child failed:\n${stderr.join("\n")}`);
  return { ...JSON.parse(new TextDecoder().decode(out.stdout)), stderr };
}

Deno.test("ffi: the library for this machine loads, with a kernel for every pool kernel", () => {
  const lib = loadNativeLibrary();
  if (!x86Linux) {
    // Only linux-x86_64 is committed; elsewhere the reason names the missing build.
    assert.equal(typeof lib, "string");
    return;
  }
  assert.notEqual(typeof lib, "string", String(lib));
  if (typeof lib === "string") return;
  assert.match(lib.variant, /^x86-64 (AVX-512|AVX2\+FMA)$/);
  assert.deepEqual([...lib.kernels].sort(), [...KERNEL_EXPORTS, ...DEPLOY_NATIVE_KERNELS].sort());
  assert.equal(lib.symbols.bnn_kernel_name(lib.kernels.length), null, "past the table: NULL");
});

Deno.test("ffi: library file names follow os-arch", () => {
  assert.match(nativeLibraryUrl("linux", "x86_64").href, /libbnn_kernels\.linux-x86_64\.so$/);
  assert.match(nativeLibraryUrl("linux", "aarch64").href, /libbnn_kernels\.linux-aarch64\.so$/);
});

Deno.test({
  name: "ffi: AVX-512, AVX2 and wasm kernels give bit-identical results (child processes exit)",
  ignore: !x86Linux,
  async fn() {
    const avx512 = await child(["-A"], {});
    const avx2 = await child(["-A"], { BNN_NATIVE_ISA: "avx2" });
    const wasm = await child(["-A"], { BNN_NATIVE: "0" });
    assert.equal(avx2.isa, "x86-64 AVX2+FMA");
    assert.equal(avx2.path, "native");
    assert.equal(wasm.isa, "wasm SIMD128");
    assert.equal(wasm.path, "wasm");
    assert.equal(avx512.path, "native");
    assert.equal(avx2.threads, avx512.threads);
    assert.equal(avx2.hash, avx512.hash, `${avx512.isa} vs AVX2`);
    if (wasm.threads === avx512.threads) assert.equal(wasm.hash, avx512.hash, "native vs wasm");
    // BNN_NATIVE=0 is a choice, not a failure: no notice; the log line names the kernels.
    assert.ok(!wasm.stderr.some((l) => l.startsWith("notice: native")), wasm.stderr.join("\n"));
    assert.ok(wasm.stderr.some((l) => /kernels: wasm SIMD128/.test(l)), wasm.stderr.join("\n"));
    assert.ok(avx2.stderr.some((l) => /kernels: x86-64 AVX2\+FMA native/.test(l)));
  },
});

Deno.test("ffi: without FFI permission the wasm kernels run, after exactly one notice", async () => {
  const r = await child(["--allow-read", "--allow-write", "--allow-env", "--allow-sys"], {});
  assert.equal(r.path, "wasm");
  const notices = r.stderr.filter((l) => l.startsWith("notice: native kernels unavailable"));
  assert.equal(notices.length, 1, r.stderr.join("\n"));
  assert.match(notices[0], /no FFI permission/);
});

import assert from "node:assert/strict";
import { loadNativeLibrary, nativeLibraryUrl } from "../../lib/backend/ffi.ts";
import { KERNEL_EXPORTS } from "../../lib/backend/native_pool.ts";
import { DEPLOY_NATIVE_KERNELS } from "../../lib/deploy/native_kernel.ts";
import { aarch64Required } from "./helpers.ts";

const CHILD = new URL("../fixtures/native_workload_child.ts", import.meta.url).pathname;
const x86Linux = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

interface ChildResult {
  hash: string;
  /** The deploy engine's kernel workload (integers: equal on every kernel). */
  deployHash: string;
  deployKernel: string;
  path: string;
  isa: string;
  threads: number;
  stderr: string[];
}

/**
 * Runs the workload child with `flags` and `env`; it must exit by itself, with code 0. `runner`:
 * the command before `run` (default: this deno).
 */
async function child(
  flags: string[],
  env: Record<string, string>,
  runner: string[] = [Deno.execPath()],
): Promise<ChildResult> {
  const out = await new Deno.Command(runner[0], {
    args: [...runner.slice(1), "run", "--no-prompt", ...flags, CHILD],
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
  const variants: Record<string, RegExp> = {
    "linux-x86_64": /^x86-64 (AVX-512|AVX2\+FMA)$/,
    "linux-aarch64": /^aarch64 NEON$/,
  };
  const variant = variants[`${Deno.build.os}-${Deno.build.arch}`];
  if (variant === undefined) {
    // linux-x86_64 and linux-aarch64 are committed; elsewhere the reason names the missing build.
    assert.equal(typeof lib, "string");
    return;
  }
  assert.notEqual(typeof lib, "string", String(lib));
  if (typeof lib === "string") return;
  assert.match(lib.variant, variant);
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
    assert.equal(avx512.deployKernel, "native x86-64 AVX-512");
    assert.equal(avx2.deployKernel, "native x86-64 AVX2+FMA");
    assert.equal(wasm.deployKernel, "wasm-simd");
    assert.equal(avx2.deployHash, avx512.deployHash, "deploy kernel: AVX-512 vs AVX2");
    assert.equal(wasm.deployHash, avx512.deployHash, "deploy kernel: AVX-512 vs wasm");
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

/**
 * Deno's linux-aarch64 build under qemu-user (Debian: qemu-user, libc6-arm64-cross; the binary from
 * `tools/fetch_deno_aarch64.sh`, or `BNN_DENO_AARCH64`), or why it cannot run here.
 */
function aarch64Runner(): string[] | string {
  const deno = Deno.env.get("BNN_DENO_AARCH64") ??
    new URL("../../.cache/deno-linux-aarch64/deno", import.meta.url).pathname;
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  if (!exists(deno)) return `no aarch64 deno at ${deno} (tools/fetch_deno_aarch64.sh fetches it)`;
  if (!exists("/usr/bin/qemu-aarch64")) {
    return "no /usr/bin/qemu-aarch64 (apt-get install qemu-user)";
  }
  if (!exists("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1")) {
    return "no aarch64 C library in /usr/aarch64-linux-gnu (apt-get install libc6-arm64-cross)";
  }
  return ["/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", deno];
}
const aarch64 = x86Linux ? aarch64Runner() : "not on linux-x86_64";
/** Under `.ci/run` (`BNN_REQUIRE_AARCH64=1`) or `CI=true` a missing emulator fails the test. */
const requireAarch64 = x86Linux && aarch64Required();

Deno.test({
  name:
    "ffi: the aarch64 NEON library computes the x86-64 kernels' results bit for bit (qemu-user)",
  ignore: typeof aarch64 === "string" && !requireAarch64,
  async fn() {
    if (typeof aarch64 === "string") throw new Error(`cannot run the aarch64 check: ${aarch64}`);
    const [x86, arm] = [await child(["-A"], {}), await child(["-A"], {}, aarch64)];
    assert.equal(arm.isa, "aarch64 NEON", arm.stderr.join("\n"));
    assert.equal(arm.path, "native");
    assert.equal(arm.threads, x86.threads);
    assert.equal(arm.hash, x86.hash, `aarch64 NEON vs ${x86.isa}`);
    assert.equal(arm.deployKernel, "native aarch64 NEON");
    assert.equal(arm.deployHash, x86.deployHash, "deploy kernel: aarch64 NEON vs x86-64");
    assert.ok(
      arm.stderr.some((l) => /kernels: aarch64 NEON native/.test(l)),
      arm.stderr.join("\n"),
    );
  },
});

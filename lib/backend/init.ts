/**
 * Chooses the TensorFlow.js backend once per process: tfjs-node ("tensorflow") where it is
 * installed, else WebGPU on a hardware adapter, else wasm with the project's training kernels,
 * else the pure-JS cpu backend.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { registerWasmTrainingKernels } from "./kernels.ts";
import { wasmThreadCount, withWasmThreads } from "./threads.ts";
import { loadNativeLibrary } from "./ffi.ts";
import { nativePool, startNativeKernels } from "./native_kernels.ts";
import type { NativePool } from "./native_pool.ts";
import { adapterLabel, probeWebGpu, startWebGpu, type WebGpuAdapter } from "./webgpu.ts";

/**
 * Backend names {@link initBackend} understands: "auto" picks the best that works; "gpu" takes
 * tfjs-node-gpu where installed, else WebGPU on a hardware adapter, and fails otherwise (Slurm
 * elements with `--gres gpu:N` use it, so a GPU allocation never trains on the CPU).
 */
export type BackendName = "auto" | "gpu" | "tensorflow" | "webgpu" | "wasm" | "cpu";

/** All accepted backend names. */
export const BACKEND_NAMES: readonly BackendName[] = [
  "auto",
  "gpu",
  "tensorflow",
  "webgpu",
  "wasm",
  "cpu",
];

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Forces a backend (default: `BNN_BACKEND` env var, else "auto"). */
  backend?: BackendName;
  /**
   * Threads of the wasm backend (default: `BNN_THREADS`, else the number of cores). The native
   * kernel library runs the project kernels on that many threads, and tfjs's own ops stay
   * single-threaded (see `nativeKernelsCarryThreads`); without it, more than one starts tfjs's
   * threaded SIMD build (XNNPACK on a pthreadpool, see `threads.ts`).
   */
  threads?: number;
  /** Suppresses the one-line log (notices about tfjs-node are also suppressed). */
  quiet?: boolean;
}

/** The outcome of {@link initBackend}. */
export interface BackendInfo {
  /** The active tfjs backend: "tensorflow", "webgpu", "wasm" or "cpu". */
  name: "tensorflow" | "webgpu" | "wasm" | "cpu";
  /** Why it was chosen, in one line. */
  reason: string;
  /** Kernels the project registered for this backend (wasm, webgpu). */
  kernels: string[];
  /** Threads of the wasm backend's XNNPACK pool (1 = single-threaded build); absent otherwise. */
  threads?: number;
  /** The WebGPU adapter (webgpu only). */
  adapter?: WebGpuAdapter;
}

/** The npm specifier of the optional native backend. */
export const TFJS_NODE = "npm:@tensorflow/tfjs-node@4.22.0";

/** The npm specifier of its CUDA build (`deno task install:tfjs-node --gpu`), preferred if both. */
export const TFJS_NODE_GPU = "npm:@tensorflow/tfjs-node-gpu@4.22.0";

let current: BackendInfo | undefined;

function parseName(v: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(
    `initBackend: ${source} ${JSON.stringify(v)} is not a backend; expected one of ` +
      BACKEND_NAMES.map((n) => JSON.stringify(n)).join(", "),
  );
}

/** Whether `node_modules/@tensorflow/<pkg>` exists (tfjs-node, tfjs-node-gpu). */
export function tfjsPackageInstalled(pkg: string): boolean {
  const dir = new URL(`../../node_modules/@tensorflow/${pkg}/package.json`, import.meta.url);
  try {
    Deno.statSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Which tfjs-node build loaded last ("tfjs-node-gpu" or "tfjs-node"). */
let tfjsNodeBuild: "tfjs-node" | "tfjs-node-gpu" | undefined;

/**
 * Tries to load tfjs-node-gpu (when installed), else tfjs-node; returns null on success or a
 * one-line reason for failure. `gpuOnly` refuses the CPU build.
 */
async function loadTfjsNode(gpuOnly = false): Promise<string | null> {
  const gpu = tfjsPackageInstalled("tfjs-node-gpu");
  if (!gpu && (gpuOnly || !tfjsPackageInstalled("tfjs-node"))) {
    return `${gpuOnly ? "tfjs-node-gpu" : "tfjs-node"} is not installed (\`deno task ` +
      `install:tfjs-node${gpuOnly ? " --gpu" : ""}\` needs Google storage access)`;
  }
  try {
    const spec = gpu ? TFJS_NODE_GPU : TFJS_NODE;
    await import(spec);
    tfjsNodeBuild = gpu ? "tfjs-node-gpu" : "tfjs-node";
    return (await tf.setBackend("tensorflow")) ? null : "tfjs-node loaded but failed to initialize";
  } catch (e) {
    return `tfjs-node failed to load: ${
      String((e as Error).message ?? e).split("\n")[0].slice(0, 160)
    }`;
  }
}

interface WasmStart {
  kernels: string[];
  threads: number;
  /** Set when threads were asked for but the threaded build failed to start. */
  notice?: string;
  /** Why the native kernel library is not used (it was not turned off). */
  kernelNotice?: string;
  /** Which build of the project kernels runs, e.g. "x86-64 AVX-512 native, 2 threads". */
  pool?: string;
}

function poolName(pool: NativePool): string {
  const where = pool.isa.startsWith("wasm") ? "" : " native (FFI)";
  return `${pool.isa}${where}, ${plural(pool.threads)}`;
}

/** The notice and log-line part for the project kernels of a wasm start. */
function kernelReport(w: WasmStart, log: (msg: string) => void): string {
  if (w.kernelNotice) {
    log(`notice: native kernels unavailable: ${w.kernelNotice}; using wasm kernels`);
  }
  return w.pool ? `; kernels: ${w.pool}` : "";
}

type WasmModule = typeof import("@tensorflow/tfjs-backend-wasm");

async function startWasm(wasm: WasmModule, threads: number): Promise<boolean> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", threads > 1);
  wasm.setThreadsCount(threads);
  if (threads === 1) return await tf.setBackend("wasm");
  return await withWasmThreads(threads, {
    start: () => tf.setBackend("wasm"),
    getModule: () => (tf.findBackend("wasm") as unknown as { wasm?: object } | null)?.wasm,
  });
}

async function useWasm(threads: number): Promise<WasmStart | null> {
  // Imported here, not at the top: importing registers wasm with a higher priority than cpu, and
  // code that merely imports the library must not find an uninitialized default backend.
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const kernels = registerWasmTrainingKernels();
  let notice: string | undefined;
  let started = 0;
  if (threads > 1 && !nativeKernelsCarryThreads()) {
    try {
      if (await startWasm(wasm, threads)) started = wasm.getThreadsCount();
      else notice = "the threaded wasm build failed to start";
    } catch (e) {
      notice = `the threaded wasm build failed: ${String((e as Error).message ?? e).slice(0, 160)}`;
    }
  }
  try {
    if (!started && (await startWasm(wasm, 1))) started = 1;
  } catch {
    return null;
  }
  if (!started) return null;
  const native = await startNativeKernels({ threads, wasmThreads: started });
  const pool = native.pool;
  if (pool) {
    kernels.push(
      `project kernels (convolutions, Conv2DBackpropFilter, BatchMatMul, leading-axis sums, ` +
        `MaxPoolGrad, batch norm, ReLU gradient): ${poolName(pool)}`,
    );
  }
  return {
    kernels,
    threads: started,
    notice,
    kernelNotice: native.notice,
    pool: pool ? poolName(pool) : undefined,
  };
}

/**
 * Whether the native kernel library will run the project kernels on its own threads. Then
 * tfjs-wasm runs its single-threaded build: with the project kernels native (convolutions, batch
 * norm, pooling gradients, quantizers, Adam, `BatchMatMul`), XNNPACK's thread pool only served
 * tfjs's remaining ops, mostly small elementwise ones, and each of them woke its threads (0.1–0.5
 * ms per call on the 2-core project VM) while its spinning workers took the core from the native
 * ones. Measured on 2 threads (docs/native_kernels.md): the quick VGG-small step 62 → 48 ms, the
 * bench's binary twin 59 → 53 ms, bench-vgg unchanged; AlexNet (CIFAR, batch 64) level once its
 * weight-sized `Multiply` / `Add` / `Sub` ran on the native pool too (`makeArith`).
 * `BNN_XNNPACK_THREADS=1` keeps tfjs's threaded build.
 */
function nativeKernelsCarryThreads(): boolean {
  const env = (k: string) => Deno.env.get(k);
  if (env("BNN_XNNPACK_THREADS") === "1") return false;
  if (env("BNN_NATIVE_KERNELS") === "0" || env("BNN_NATIVE") === "0") return false;
  return typeof loadNativeLibrary() !== "string";
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) throw new Error("initBackend: the cpu backend failed");
}

/**
 * Threads of the started wasm backend's XNNPACK pool: 1 for the single-threaded build, 0 when
 * wasm has not been started in this process.
 */
export function wasmPoolThreads(): number {
  const b = tf.findBackend("wasm") as unknown as
    | { wasm?: { tfjs?: { getThreadsCount?: () => number } } }
    | null;
  const n = b?.wasm?.tfjs?.getThreadsCount?.();
  return n === undefined ? 0 : Math.max(1, n);
}

/**
 * Threads the started wasm backend computes on: the project kernel pool's (the convolutions, their
 * gradients, matrix products, batch norm: where a step spends its time), else XNNPACK's; 0 when
 * wasm has not been started in this process. With the native library this is `BNN_THREADS` while
 * {@link wasmPoolThreads} is 1 (see `nativeKernelsCarryThreads`).
 */
export function wasmThreads(): number {
  const xnnpack = wasmPoolThreads();
  return xnnpack === 0 ? 0 : Math.max(xnnpack, nativePool()?.threads ?? 0);
}

function plural(threads: number): string {
  return threads === 1 ? "1 thread" : `${threads} threads`;
}

/** "gpu": tfjs-node-gpu, else WebGPU on a hardware adapter; throws naming both reasons. */
async function useGpu(why: string): Promise<BackendInfo> {
  const err = await loadTfjsNode(true);
  if (err === null) {
    return { name: "tensorflow", reason: `${why} "gpu": tfjs-node-gpu`, kernels: [] };
  }
  const probe = await probeWebGpu();
  let gpuErr: string;
  if (typeof probe === "string") gpuErr = probe;
  else if (probe.software) gpuErr = `the WebGPU adapter is ${adapterLabel(probe)}`;
  else {
    try {
      const { adapter, kernels } = await startWebGpu();
      return {
        name: "webgpu",
        reason: `${why} "gpu": webgpu on adapter ${adapterLabel(adapter)}`,
        kernels,
        adapter,
      };
    } catch (e) {
      gpuErr = (e as Error).message;
    }
  }
  throw new Error(`initBackend: ${why} "gpu" but ${err}, and ${gpuErr}`);
}

/**
 * The "auto" step for WebGPU: starts it on a hardware adapter. A software/fallback adapter or none
 * is `skipped` (said in the wasm reason); a hardware adapter that fails to start is a `notice`.
 */
async function autoWebGpu(): Promise<{ info?: BackendInfo; skipped?: string; notice?: string }> {
  const probe = await probeWebGpu();
  if (typeof probe === "string") return {};
  if (probe.software) {
    return {
      skipped: `webgpu adapter ${adapterLabel(probe)} not used unless asked (BNN_BACKEND=webgpu)`,
    };
  }
  try {
    const { adapter, kernels } = await startWebGpu();
    return {
      info: {
        name: "webgpu",
        reason: `auto: webgpu on adapter ${adapterLabel(adapter)}`,
        kernels,
        adapter,
      },
    };
  } catch (e) {
    return { notice: `${(e as Error).message}; using wasm` };
  }
}

/** The cpu backend prints a banner recommending tfjs-node on first use; our notice covers it. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/**
 * Picks and activates the backend. Await it before creating any tensor. The choice comes from
 * `options.backend`, else the `BNN_BACKEND` environment variable, else "auto"
 * (tensorflow → webgpu on a hardware adapter → wasm → cpu; a software or fallback WebGPU adapter,
 * such as Mesa's llvmpipe, is used only when "webgpu" is asked for; "gpu" asks for tfjs-node-gpu
 * or WebGPU on a hardware adapter). A forced backend that cannot start throws; in "auto" mode a
 * missing tfjs-node is a one-line notice. Logs `backend: NAME (reason)` to stderr unless `quiet`.
 * Calling it again returns the first result (when the request is compatible).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = Deno.env.get("BNN_BACKEND");
  const requested = options.backend !== undefined
    ? parseName(options.backend, "option backend")
    : env
    ? parseName(env, "env BNN_BACKEND")
    : "auto";
  if (current && (requested === "auto" || requested === current.name)) return current;
  const threads = wasmThreadCount(options.threads);
  const log = (msg: string) => {
    if (!options.quiet) console.error(msg);
  };
  const why = options.backend !== undefined ? "forced by option" : "forced by BNN_BACKEND";
  let info: BackendInfo;
  if (requested === "gpu") {
    info = await useGpu(why);
  } else if (requested === "tensorflow") {
    const err = await loadTfjsNode();
    if (err) throw new Error(`initBackend: ${why} "tensorflow" but ${err}`);
    info = { name: "tensorflow", reason: `${why}; ${tfjsNodeBuild}`, kernels: [] };
  } else if (requested === "webgpu") {
    const probe = await probeWebGpu();
    if (typeof probe === "string") throw new Error(`initBackend: ${why} "webgpu" but ${probe}`);
    let started;
    try {
      started = await startWebGpu();
    } catch (e) {
      throw new Error(`initBackend: ${why} "webgpu" but ${(e as Error).message}`);
    }
    info = {
      name: "webgpu",
      reason: `${why}; adapter ${adapterLabel(started.adapter)}`,
      kernels: started.kernels,
      adapter: started.adapter,
    };
  } else if (requested === "wasm") {
    const w = await useWasm(threads);
    if (!w) throw new Error(`initBackend: ${why} "wasm" but the wasm backend failed`);
    if (w.notice) log(`notice: ${w.notice}; using 1 thread`);
    info = {
      name: "wasm",
      reason: `${why}; project training kernels registered; ${plural(w.threads)}` +
        kernelReport(w, log),
      kernels: w.kernels,
      threads: w.threads,
    };
  } else if (requested === "cpu") {
    await useCpu();
    info = { name: "cpu", reason: why, kernels: [] };
  } else {
    const err = await loadTfjsNode();
    if (err === null) {
      info = { name: "tensorflow", reason: `auto: ${tfjsNodeBuild} loaded`, kernels: [] };
    } else {
      const gpu = await autoWebGpu();
      log(`notice: ${err}; using ${gpu.info ? "webgpu" : "wasm"}`);
      if (gpu.notice) log(`notice: ${gpu.notice}`);
      const w = gpu.info ? null : await useWasm(threads);
      if (gpu.info) {
        info = gpu.info;
      } else if (w) {
        if (w.notice) log(`notice: ${w.notice}; using 1 thread`);
        info = {
          name: "wasm",
          reason: `auto: wasm (XNNPACK, SIMD, ${plural(w.threads)}) + project training kernels` +
            kernelReport(w, log) + (gpu.skipped ? `; ${gpu.skipped}` : ""),
          kernels: w.kernels,
          threads: w.threads,
        };
      } else {
        await useCpu();
        info = {
          name: "cpu",
          reason: "auto: wasm failed to start; pure-JS cpu (slow)",
          kernels: [],
        };
      }
    }
  }
  current = info;
  silenceCpuBanner();
  log(`backend: ${info.name} (${info.reason})`);
  return info;
}

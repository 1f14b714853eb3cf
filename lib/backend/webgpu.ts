/**
 * The WebGPU backend (`@tensorflow/tfjs-backend-webgpu` on Deno's built-in `navigator.gpu`):
 * probing the adapter, telling hardware from software rasterizers, starting the backend.
 *
 * The tfjs package is imported only by {@link startWebGpu}, so processes that never use WebGPU
 * (wasm, cpu) do not load it; importing it registers "webgpu" with a higher priority than wasm.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { installSyncReads } from "./webgpu_read.ts";
import { registerWebGpuKernels } from "./webgpu_kernels.ts";

/** What {@link probeWebGpu} learned about the adapter tfjs-webgpu would use. */
export interface WebGpuAdapter {
  /** The driver's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or a GPU's name. */
  description: string;
  /** Vendor (a name or a PCI/Khronos id as a string; "65541" = 0x10005 = Mesa). */
  vendor: string;
  /** Architecture, when the driver reports one. */
  architecture: string;
  /** The adapter says it is a fallback adapter (WebGPU's `isFallbackAdapter`). */
  fallback: boolean;
  /** A fallback adapter or a known CPU rasterizer (llvmpipe, lavapipe, SwiftShader …). */
  software: boolean;
}

/** Description patterns of CPU rasterizers that present themselves as adapters. */
const SOFTWARE_RASTERIZERS = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

/**
 * Whether an adapter (GPUAdapterInfo-like) is a software rasterizer: `isFallbackAdapter`, or a
 * description naming llvmpipe, lavapipe, softpipe, SwiftShader or "software".
 */
export function isSoftwareAdapter(
  info: { description?: string; vendor?: string; isFallbackAdapter?: boolean },
): boolean {
  return info.isFallbackAdapter === true ||
    SOFTWARE_RASTERIZERS.test(`${info.description ?? ""} ${info.vendor ?? ""}`);
}

/** One line naming the adapter, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits)" (software rasterizer)`. */
export function adapterLabel(a: WebGpuAdapter): string {
  const name = a.description || a.architecture || (a.vendor ? `vendor ${a.vendor}` : "unnamed");
  return `${JSON.stringify(name)}${a.software ? " (software rasterizer, not a GPU)" : ""}`;
}

function toAdapter(info: GPUAdapterInfo | undefined): WebGpuAdapter {
  const i = (info ?? {}) as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  return {
    description: i.description ?? "",
    vendor: i.vendor ?? "",
    architecture: i.architecture ?? "",
    fallback: i.isFallbackAdapter === true,
    software: isSoftwareAdapter(i),
  };
}

/**
 * Runs `fn` with `XDG_RUNTIME_DIR` set (to a fresh private temp folder) when it is not: Mesa's
 * Vulkan driver otherwise prints "error: XDG_RUNTIME_DIR is invalid or not set" four times while
 * the WebGPU instance enumerates adapters (a headless machine has no Wayland session). Restored
 * afterwards; the folder is removed.
 */
async function withRuntimeDir<T>(fn: () => Promise<T>): Promise<T> {
  if (Deno.env.get("XDG_RUNTIME_DIR")) return await fn();
  const dir = Deno.makeTempDirSync({ prefix: "bnn-xdg-" });
  Deno.env.set("XDG_RUNTIME_DIR", dir);
  try {
    return await fn();
  } finally {
    Deno.env.delete("XDG_RUNTIME_DIR");
    Deno.removeSync(dir, { recursive: true });
  }
}

/**
 * Asks `navigator.gpu` for the high-performance adapter (the one tfjs-webgpu requests) without
 * creating a device. Resolves to the adapter, or to a one-line reason when there is none
 * (no `navigator.gpu`, no adapter, or no answer within `timeoutMs`, default 10 s), and without
 * asking when `BNN_WEBGPU=0` (for machines whose GPU driver misbehaves).
 */
export async function probeWebGpu(timeoutMs = 10_000): Promise<WebGpuAdapter | string> {
  if (Deno.env.get("BNN_WEBGPU") === "0") return "WebGPU is disabled (BNN_WEBGPU=0)";
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return "this runtime has no navigator.gpu";
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const adapter = await Promise.race([
      withRuntimeDir(() => gpu.requestAdapter({ powerPreference: "high-performance" })),
      new Promise<"timeout">((res) => {
        timer = setTimeout(() => res("timeout"), timeoutMs);
      }),
    ]);
    if (adapter === "timeout") return `no WebGPU adapter answered within ${timeoutMs} ms`;
    if (!adapter) {
      return "no WebGPU adapter (on Debian: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri)";
    }
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    const a = toAdapter(info);
    const fb = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    if (fb === true) a.fallback = a.software = true;
    return a;
  } catch (e) {
    return `requesting a WebGPU adapter failed: ${String((e as Error).message ?? e).slice(0, 160)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome of {@link startWebGpu}. */
export interface WebGpuStart {
  /** The adapter of the started backend's device. */
  adapter: WebGpuAdapter;
  /** Kernels the project registered for webgpu (`webgpu_kernels.ts`). */
  kernels: string[];
}

/**
 * Imports tfjs-backend-webgpu, activates "webgpu" and makes `dataSync()` work on it
 * (`webgpu_read.ts`). Throws one error naming the step that failed; the caller then falls back
 * or reports it.
 */
export async function startWebGpu(): Promise<WebGpuStart> {
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    throw new Error(
      `tfjs-backend-webgpu failed to load: ${String((e as Error).message ?? e).slice(0, 160)}`,
    );
  }
  if (tf.findBackendFactory("webgpu") == null) {
    throw new Error("tfjs-backend-webgpu did not register (no navigator.gpu in this runtime)");
  }
  let ok = false;
  const warn = console.warn;
  try {
    // tfjs logs "Initialization of backend webgpu failed" plus a stack; our error says it once.
    console.warn = () => {};
    ok = await withRuntimeDir(() => tf.setBackend("webgpu"));
  } finally {
    console.warn = warn;
  }
  if (!ok) throw new Error("the webgpu backend failed to initialize (no adapter or device)");
  const backend = tf.backend() as unknown as {
    device?: GPUDevice & { adapterInfo?: GPUAdapterInfo };
    adapterInfo?: GPUAdapterInfo;
  };
  const adapter = toAdapter(backend.device?.adapterInfo ?? backend.adapterInfo);
  const err = await installSyncReads(tf.backend());
  if (err) throw new Error(`webgpu started on ${adapterLabel(adapter)} but ${err}`);
  return { adapter, kernels: registerWebGpuKernels() };
}

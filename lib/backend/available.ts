/**
 * Which backends this machine could run, without starting any: for `reproduce --dry-run`, which
 * measures step times on one backend and lists the others.
 *
 * @module
 */
import { adapterLabel, probeWebGpu } from "./webgpu.ts";
import { tfjsPackageInstalled as installed } from "./init.ts";

/** One backend's availability. */
export interface BackendAvailability {
  /** A name `initBackend`/`--backend` accepts. */
  name: "tensorflow" | "webgpu" | "wasm" | "cpu";
  /** Whether "auto" would consider it usable (webgpu: a hardware adapter). */
  available: boolean;
  /** One line: what was found. */
  detail: string;
}

/**
 * Lists tensorflow (tfjs-node-gpu / tfjs-node installed?), webgpu (the adapter, hardware or
 * software), wasm and cpu. Starts nothing: tfjs-node is only looked for, the WebGPU adapter only
 * requested (no device).
 */
export async function availableBackends(): Promise<BackendAvailability[]> {
  const gpuBuild = installed("tfjs-node-gpu"), cpuBuild = installed("tfjs-node");
  const probe = await probeWebGpu();
  return [
    {
      name: "tensorflow",
      available: gpuBuild || cpuBuild,
      detail: gpuBuild
        ? "tfjs-node-gpu installed (CUDA)"
        : cpuBuild
        ? "tfjs-node installed"
        : "not installed (deno task install:tfjs-node [--gpu])",
    },
    {
      name: "webgpu",
      available: typeof probe !== "string" && !probe.software,
      detail: typeof probe === "string"
        ? probe
        : probe.software
        ? `adapter ${adapterLabel(probe)}: only with --backend webgpu`
        : `adapter ${adapterLabel(probe)}`,
    },
    { name: "wasm", available: true, detail: "XNNPACK + project kernels" },
    { name: "cpu", available: true, detail: "pure JS, last resort" },
  ];
}

/**
 * One line per backend, "  name  yes|no  detail", under a heading naming the backend the step
 * times were measured on (`measured`; null: none were).
 */
export function formatBackends(list: BackendAvailability[], measured: string | null): string {
  const w = Math.max(...list.map((b) => b.name.length));
  return [
    `backends on this machine${measured ? ` (step times above measured on ${measured})` : ""}:`,
    ...list.map((b) => `  ${b.name.padEnd(w)}  ${b.available ? "yes" : "no "}  ${b.detail}`),
  ].join("\n");
}

/**
 * The project's Jupyter kernelspec ("bnn-lab"): the running deno binary as a Jupyter kernel with
 * `NO_COLOR=1`, written where `jupyter lab`, `jupyter notebook` and VS Code look for user kernels.
 * (`deno jupyter --install` ignores JUPYTER_DATA_DIR / JUPYTER_PATH; this honours both conventions.)
 *
 * @module
 */
import { writeJsonAtomic } from "../util/atomic.ts";

/** The kernel.json contents. */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/** Default kernel name used by the notebooks' metadata. */
export const KERNEL_NAME = "bnn-lab";

/** The kernelspec running `deno` (default: the deno running this code) as a Jupyter kernel. */
export function kernelSpec(
  deno: string = Deno.execPath(),
  options: { displayName?: string } = {},
): KernelSpec {
  if (!deno) throw new Error("kernelSpec: deno path must be a non-empty string");
  return {
    argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: options.displayName ?? "BNN+ Lab (Deno)",
    language: "typescript",
    env: { NO_COLOR: "1" },
    metadata: { debugger: false },
  };
}

/**
 * Jupyter's user data directory, as jupyter_core computes it: `$JUPYTER_DATA_DIR`, else
 * `$XDG_DATA_HOME/jupyter` or `~/.local/share/jupyter` (Linux), `~/Library/Jupyter` (macOS),
 * `%APPDATA%\jupyter` (Windows).
 */
export function jupyterDataDir(env: (k: string) => string | undefined = Deno.env.get): string {
  const explicit = env("JUPYTER_DATA_DIR");
  if (explicit) return explicit;
  if (Deno.build.os === "windows") {
    const appdata = env("APPDATA");
    if (!appdata) throw new Error("jupyterDataDir: APPDATA is not set");
    return `${appdata}\\jupyter`;
  }
  const home = env("HOME");
  if (Deno.build.os === "darwin") {
    if (!home) throw new Error("jupyterDataDir: HOME is not set");
    return `${home}/Library/Jupyter`;
  }
  const xdg = env("XDG_DATA_HOME");
  if (xdg) return `${xdg}/jupyter`;
  if (!home) throw new Error("jupyterDataDir: neither XDG_DATA_HOME nor HOME is set");
  return `${home}/.local/share/jupyter`;
}

/**
 * Writes `<dataDir>/kernels/<name>/kernel.json` (atomically, replacing an older one) and returns
 * its path.
 */
export async function installKernelSpec(
  spec: KernelSpec,
  options: { name?: string; dataDir?: string } = {},
): Promise<string> {
  const name = options.name ?? KERNEL_NAME;
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(`installKernelSpec: name ${JSON.stringify(name)} must match [a-zA-Z0-9._-]+`);
  }
  const dir = `${options.dataDir ?? jupyterDataDir()}/kernels/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/kernel.json`;
  await writeJsonAtomic(path, spec);
  return path;
}

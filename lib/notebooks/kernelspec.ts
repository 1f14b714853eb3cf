/**
 * The project's Jupyter kernelspec ("bnn-lab"): a deno binary as a Jupyter kernel with
 * `NO_COLOR=1`, written where `jupyter lab`, `jupyter notebook` and VS Code look for user kernels.
 * (`deno jupyter --install` ignores JUPYTER_DATA_DIR / JUPYTER_PATH; this honours both conventions.)
 *
 * The deno it names must outlive the command that installed it: `npx -y deno@2.9.6` runs a binary
 * from npm's cache (`~/.npm/_npx/…`), which `npm cache clean` or npx's pruning deletes.
 * {@link stableDeno} picks a lasting one: the running deno when it lives outside such caches, else
 * a `deno` of the same version on PATH, else a copy of the running binary kept inside the
 * kernelspec folder (removed with it by `jupyter kernelspec remove bnn-lab`).
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

/** True for paths inside package-manager caches or temp folders (they may vanish any time). */
export function isEphemeralPath(path: string, tmpDirs: string[] = ["/tmp/", "/var/tmp/"]): boolean {
  return /\/(_npx|\.npm|npm-cache|\.cache|\.deno\/npm|node_modules)\//.test(path) ||
    tmpDirs.some((t) => path.startsWith(t));
}

/** The first executable `name` on `PATH`, or null. */
export function onPath(name: string, path: string = Deno.env.get("PATH") ?? ""): string | null {
  for (const dir of path.split(":").filter(Boolean)) {
    try {
      const st = Deno.statSync(`${dir}/${name}`);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111)) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}

/** What {@link stableDeno} chose and why. */
export interface StableDeno {
  /** The deno for the kernelspec. */
  path: string;
  /** When set: copy the running binary here first (the caller does, see {@link installDeno}). */
  copyFrom?: string;
  reason: string;
}

/**
 * Chooses the deno binary a kernelspec should name (see the module doc): `running` (default
 * `Deno.execPath()`) when outside caches; else `deno` on PATH when it is the same version
 * (`sameVersion` decides); else `<kernelDir>/deno`, copied from `running`.
 */
export function stableDeno(
  kernelDir: string,
  options: {
    running?: string;
    path?: string;
    sameVersion?: (deno: string) => boolean;
  } = {},
): StableDeno {
  const running = options.running ?? Deno.execPath();
  if (!isEphemeralPath(running)) return { path: running, reason: "the running deno" };
  const found = onPath("deno", options.path);
  const same = options.sameVersion ?? ((d: string) => denoVersion(d) === Deno.version.deno);
  if (found && !isEphemeralPath(found) && same(found)) {
    return { path: found, reason: "deno on PATH (same version)" };
  }
  return {
    path: `${kernelDir}/deno`,
    copyFrom: running,
    reason: `a copy of the running deno (${running} is in a cache that may be cleaned)`,
  };
}

/** `deno --version`'s version of the binary at `deno`, or null when it does not run. */
export function denoVersion(deno: string): string | null {
  try {
    const out = new Deno.Command(deno, { args: ["--version"], stdout: "piped", stderr: "null" })
      .outputSync();
    return /deno (\S+)/.exec(new TextDecoder().decode(out.stdout))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Copies `from` to `to` (atomically: temp file + rename) as an executable. */
export async function installDeno(from: string, to: string): Promise<void> {
  await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  const tmp = `${to}.${Deno.pid}.tmp`;
  await Deno.copyFile(from, tmp);
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, to);
}

/**
 * The Jupyter UIs found on PATH, best first: `["lab", "notebook"]`, one of them, or none; what the
 * install's closing hint names.
 */
export function jupyterUis(path?: string): ("lab" | "notebook")[] {
  const out: ("lab" | "notebook")[] = [];
  if (onPath("jupyter-lab", path)) out.push("lab");
  if (onPath("jupyter-notebook", path)) out.push("notebook");
  return out;
}

/** The closing hint of `jupyter:install`: how to open the notebooks with what is installed. */
export function openHint(uis: ("lab" | "notebook")[]): string {
  if (uis.length === 0) {
    return "no Jupyter UI found on PATH: install one (Debian: apt-get install jupyter-notebook; " +
      "or pip install jupyterlab), or open notebooks/ in VS Code and pick the kernel";
  }
  const cmds = uis.map((u) => `jupyter ${u} notebooks/`);
  return `open the notebooks with: ${cmds.join("  or  ")}  (or VS Code, kernel picker)`;
}

/** The folder of kernelspec `name` under a Jupyter data dir. */
export function kernelDir(name: string = KERNEL_NAME, dataDir: string = jupyterDataDir()): string {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(`kernelspec: name ${JSON.stringify(name)} must match [a-zA-Z0-9._-]+`);
  }
  return `${dataDir}/kernels/${name}`;
}

/**
 * Writes `<dataDir>/kernels/<name>/kernel.json` (atomically, replacing an older one) and returns
 * its path.
 */
export async function installKernelSpec(
  spec: KernelSpec,
  options: { name?: string; dataDir?: string } = {},
): Promise<string> {
  const dir = kernelDir(options.name ?? KERNEL_NAME, options.dataDir ?? jupyterDataDir());
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/kernel.json`;
  await writeJsonAtomic(path, spec);
  return path;
}

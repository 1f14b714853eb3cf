/**
 * `deno task jupyter:install [--name N] [--display D] [--data-dir DIR] [--deno PATH]`: installs
 * the project's Jupyter kernelspec (NO_COLOR=1) for JupyterLab, Notebook and VS Code, naming a
 * deno that lasts (see `stableDeno`: not one inside npx's cache), and says how to open the
 * notebooks with the Jupyter UI that is actually installed.
 *
 * @module
 */
import { parseArgs, usage } from "./args.ts";
import {
  installDeno,
  installKernelSpec,
  jupyterDataDir,
  jupyterUis,
  KERNEL_NAME,
  kernelDir,
  kernelSpec,
  openHint,
  stableDeno,
} from "../notebooks/kernelspec.ts";

const SPEC = {
  name: { type: "string", default: KERNEL_NAME, description: "kernel name" },
  display: { type: "string", default: "BNN+ Lab (Deno)", description: "display name" },
  "data-dir": { type: "string", description: "Jupyter data dir (default: the user's)" },
  deno: { type: "string", description: "deno binary for the kernel (default: a lasting one)" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

/** Entry point of the `jupyter:install` task. */
export async function main(argv: string[]): Promise<void> {
  const { flags } = parseArgs(argv, SPEC);
  if (flags.help) {
    console.log(usage("deno task jupyter:install", SPEC));
    return;
  }
  const dataDir = (flags["data-dir"] as string | undefined) ?? jupyterDataDir();
  const dir = kernelDir(String(flags.name), dataDir);
  const chosen = flags.deno
    ? { path: String(flags.deno), reason: "--deno", copyFrom: undefined }
    : stableDeno(dir);
  if (chosen.copyFrom) await installDeno(chosen.copyFrom, chosen.path);
  const spec = kernelSpec(chosen.path, { displayName: String(flags.display) });
  const path = await installKernelSpec(spec, { name: String(flags.name), dataDir });
  console.log(`installed kernel "${flags.name}" → ${path}\n  argv: ${spec.argv.join(" ")}`);
  console.log(`  deno: ${chosen.reason}`);
  console.log(openHint(jupyterUis()));
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(`jupyter:install: ${(e as Error).message}`);
    Deno.exit(2);
  }
}

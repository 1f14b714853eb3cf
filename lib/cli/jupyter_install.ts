/**
 * `deno task jupyter:install [--name N] [--display D] [--data-dir DIR]`: installs the project's
 * Jupyter kernelspec (the running deno, NO_COLOR=1) for JupyterLab, Notebook and VS Code.
 *
 * @module
 */
import { parseArgs, usage } from "./args.ts";
import { installKernelSpec, KERNEL_NAME, kernelSpec } from "../notebooks/kernelspec.ts";

const SPEC = {
  name: { type: "string", default: KERNEL_NAME, description: "kernel name" },
  display: { type: "string", default: "BNN+ Lab (Deno)", description: "display name" },
  "data-dir": { type: "string", description: "Jupyter data dir (default: the user's)" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

/** Entry point of the `jupyter:install` task. */
export async function main(argv: string[]): Promise<void> {
  const { flags } = parseArgs(argv, SPEC);
  if (flags.help) {
    console.log(usage("deno task jupyter:install", SPEC));
    return;
  }
  const spec = kernelSpec(Deno.execPath(), { displayName: String(flags.display) });
  const path = await installKernelSpec(spec, {
    name: String(flags.name),
    dataDir: flags["data-dir"] as string | undefined,
  });
  console.log(`installed kernel "${flags.name}" → ${path}\n  argv: ${spec.argv.join(" ")}`);
  console.log("open the notebooks with: jupyter lab notebooks/  (or VS Code, kernel picker)");
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(`jupyter:install: ${(e as Error).message}`);
    Deno.exit(2);
  }
}

/**
 * `deno task install:tfjs-node [--gpu] [--dry-run]`: installs the optional native backend,
 * tfjs-node (`@tensorflow/tfjs-node@4.22.0`), or with `--gpu` its CUDA build
 * (`@tensorflow/tfjs-node-gpu@4.22.0`, preferred by `initBackend` when both are installed). Both
 * install scripts download libtensorflow from storage.googleapis.com, so this needs internet
 * access; the GPU build also needs CUDA and cuDNN versions matching libtensorflow 2.9 on the
 * machine. `--dry-run` prints the command instead.
 *
 * @module
 */
import { type FlagSpec, parseArgs, usage } from "./args.ts";
import { TFJS_NODE, TFJS_NODE_GPU } from "../backend/mod.ts";

const SPEC: Record<string, FlagSpec> = {
  gpu: { type: "boolean", description: "install tfjs-node-gpu (CUDA) instead of tfjs-node" },
  "dry-run": { type: "boolean", description: "print the deno install command only" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** The `deno install` arguments for tfjs-node (or tfjs-node-gpu with `gpu`). */
export function installArgs(gpu: boolean): string[] {
  const spec = gpu ? TFJS_NODE_GPU : TFJS_NODE;
  return ["install", `--allow-scripts=${spec.replace(/@[^@]+$/, "")}`, spec];
}

/** Entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs(argv, SPEC).flags;
  } catch (e) {
    console.error(`install:tfjs-node: ${(e as Error).message}\n${usage(CMD, SPEC)}`);
    return 2;
  }
  if (flags.help) {
    console.log(usage(CMD, SPEC));
    return 0;
  }
  const args = installArgs(flags.gpu === true);
  if (flags["dry-run"]) {
    console.log(["deno", ...args].join(" "));
    return 0;
  }
  const { code } = await new Deno.Command(Deno.execPath(), { args }).spawn().status;
  if (code !== 0) {
    console.error(
      "install:tfjs-node: the install failed (its script downloads libtensorflow from " +
        "storage.googleapis.com: it needs internet access)",
    );
  }
  return code;
}

const CMD = "deno task install:tfjs-node";

if (import.meta.main) Deno.exit(await main(Deno.args));

/**
 * `deno task bench [--quick] [--backends wasm,cpu] [--only training,memory] [--out DIR]`:
 * the speed benchmark of issue 3 (see `lib/bench/`). `--worker` is internal: one training
 * measurement printed as a JSON line (used by the "parallel" section).
 *
 * @module
 */
import { parseArgs, usage } from "./args.ts";
import { initBackend } from "../backend/mod.ts";
import { measureNet, runBench } from "../bench/mod.ts";

const SPEC = {
  quick: { type: "boolean", default: false, description: "fewer steps (smoke run)" },
  backends: { type: "string", description: "comma list (default: the auto-chosen backend)" },
  only: { type: "string", description: "comma list of sections (default all)" },
  out: { type: "string", default: "results/bench", description: "output directory" },
  worker: { type: "boolean", default: false, description: "internal: one measurement as JSON" },
  steps: { type: "string", default: "5", description: "worker: timed steps" },
  warmup: { type: "string", default: "2", description: "worker: warm-up steps" },
  help: { type: "boolean", short: "h", default: false, description: "show this help" },
} as const;

if (import.meta.main) {
  const { flags } = parseArgs(Deno.args, SPEC);
  if (flags.help) {
    console.log(usage("deno task bench", SPEC));
    Deno.exit(0);
  }
  const info = await initBackend({ quiet: !!flags.worker });
  if (flags.worker) {
    const s = measureNet({ steps: Number(flags.steps), warmup: Number(flags.warmup) });
    console.log(JSON.stringify(s));
  } else {
    const list = (v: unknown) => typeof v === "string" ? v.split(",").filter(Boolean) : undefined;
    const { markdown } = await runBench({
      quick: !!flags.quick,
      backends: list(flags.backends) ?? [info.name],
      only: list(flags.only),
      outDir: String(flags.out),
    });
    console.log(markdown);
  }
}

/**
 * `deno task bench [--quick] [--backends wasm,cpu] [--only training,memory] [--save | --out DIR]
 * [--webgpu]`: the speed benchmark of issue 3 (see `lib/bench/`). The report goes to the
 * git-ignored `results/local/bench/` unless asked otherwise: `--save` writes the shared
 * `results/bench/{latest,bench-<date>}.{md,json}` that the docs cite, `--out DIR` any folder.
 * `--webgpu` runs the "webgpu" section on a software adapter too (it runs by itself on a hardware
 * one). `--worker` is internal: one training measurement printed as a JSON line (used by the
 * "parallel" and "webgpu" sections); `--deploy-worker` too: the deploy section's tfjs binary layers
 * in ms per image (the section runs it with `BNN_NATIVE_KERNELS=0`, stock tfjs-wasm, and with
 * `BNN_NATIVE=0`, the lab's portable wasm kernels).
 *
 * @module
 */
import { parseArgs, usage } from "./args.ts";
import { initBackend } from "../backend/mod.ts";
import { measureNet, runBench } from "../bench/mod.ts";
import { measureVggSmall, WEBGPU_BENCH_NETS } from "../bench/webgpu.ts";
import { measureTfjsSection } from "../bench/deploy.ts";

const SPEC = {
  quick: { type: "boolean", default: false, description: "fewer steps (smoke run)" },
  backends: { type: "string", description: "comma list (default: the auto-chosen backend)" },
  only: { type: "string", description: "comma list of sections (default all)" },
  out: { type: "string", description: "output directory (default results/local/bench/)" },
  save: {
    type: "boolean",
    default: false,
    description: "write the shared results/bench/latest.* (what the docs cite)",
  },
  webgpu: {
    type: "boolean",
    default: false,
    description: "run the webgpu section even on a software adapter (e.g. llvmpipe)",
  },
  worker: { type: "boolean", default: false, description: "internal: one measurement as JSON" },
  "deploy-worker": {
    type: "boolean",
    default: false,
    description: "internal: the deploy section's tfjs binary layers, ms per image, as JSON",
  },
  width: { type: "string", default: "1", description: "deploy worker: width multiplier" },
  net: { type: "string", default: "bench-vgg", description: `worker: ${WEBGPU_BENCH_NETS}` },
  batch: { type: "string", default: "64", description: "worker: batch size" },
  steps: { type: "string", default: "5", description: "worker: timed steps" },
  warmup: { type: "string", default: "2", description: "worker: warm-up steps" },
  help: { type: "boolean", short: "h", default: false, description: "show this help" },
} as const;

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Where the report goes: `--out`, else `results/bench/` with `--save`, else the git-ignored
 * `results/local/bench/`. `--out` with `--save` is an error.
 */
export function benchOutDir(flags: { out?: unknown; save?: unknown }, root = ROOT): string {
  if (flags.out !== undefined && flags.save) {
    throw new Error("--save and --out exclude each other (--save means results/bench/)");
  }
  if (flags.out !== undefined) return String(flags.out);
  return flags.save ? `${root}results/bench` : `${root}results/local/bench`;
}

if (import.meta.main) {
  const { flags } = parseArgs(Deno.args, SPEC);
  if (flags.help) {
    console.log(usage("deno task bench", SPEC));
    Deno.exit(0);
  }
  let outDir: string;
  try {
    outDir = benchOutDir(flags);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const info = await initBackend({ quiet: !!flags.worker || !!flags["deploy-worker"] });
  if (flags.webgpu) Deno.env.set("BNN_BENCH_WEBGPU", "1");
  if (flags["deploy-worker"]) {
    const o = {
      width: Number(flags.width),
      batch: Number(flags.batch),
      rounds: Number(flags.steps),
    };
    console.log(JSON.stringify(measureTfjsSection(o)));
  } else if (flags.worker) {
    const o = {
      steps: Number(flags.steps),
      warmup: Number(flags.warmup),
      batch: Number(flags.batch),
    };
    const net = String(flags.net);
    if (!(WEBGPU_BENCH_NETS as readonly string[]).includes(net)) {
      console.error(`bench: --net ${JSON.stringify(net)}: expected one of ${WEBGPU_BENCH_NETS}`);
      Deno.exit(2);
    }
    const s = net === "vgg-small"
      ? measureVggSmall(o)
      : measureNet({ ...o, binary: net === "bench-vgg-binary" });
    console.log(JSON.stringify(s));
  } else {
    const list = (v: unknown) => typeof v === "string" ? v.split(",").filter(Boolean) : undefined;
    const { markdown } = await runBench({
      quick: !!flags.quick,
      backends: list(flags.backends) ?? [info.name],
      only: list(flags.only),
      outDir,
    });
    console.log(markdown);
    console.error(
      `report: ${outDir}/latest.md${flags.save ? "" : " (not shared; --save to share)"}`,
    );
  }
}

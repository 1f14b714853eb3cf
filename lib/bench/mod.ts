/**
 * `deno task bench`: runs the registered bench sections (see `registry.ts` for how to add one)
 * and writes `results/bench/bench-<date>.{json,md}` plus `latest.{json,md}`.
 *
 * @module
 */
import { tf } from "../tf.ts";
import "./sections.ts";
import { type BenchSectionResult, benchSections } from "./registry.ts";
import { benchMachine, renderMarkdown } from "./report.ts";
import { writeTextFileAtomic } from "../util/atomic.ts";

export {
  type BenchContext,
  type BenchRow,
  type BenchSection,
  type BenchSectionResult,
  benchSections,
  registerBenchSection,
} from "./registry.ts";
export { measureNet, type MeasureOptions, type NetSpeed } from "./measure.ts";
export { benchTrainStep, benchVgg, benchVggFlops, binaryTwinAvailable } from "./nets.ts";
export { profileKernels } from "./profile.ts";

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  quick?: boolean;
  /** Backends to measure; each must be registered. Default: the active one. */
  backends?: string[];
  /** Only these sections (default: all but the opt-in ones). */
  only?: string[];
  /** Output directory (default `results/bench`); null writes nothing. */
  outDir?: string | null;
  log?: (message: string) => void;
}

/** Runs the sections and writes the report; returns the Markdown and the raw results. */
export async function runBench(options: RunBenchOptions = {}): Promise<{
  markdown: string;
  results: Record<string, BenchSectionResult | { error: string }>;
}> {
  const log = options.log ?? ((m: string) => console.error(m));
  const backends = options.backends ?? [tf.getBackend()];
  for (const b of backends) {
    if (!tf.findBackend(b) && !(await tf.setBackend(b).catch(() => false))) {
      throw new Error(`runBench: backend "${b}" is not available`);
    }
  }
  const machine = benchMachine();
  const sections = benchSections().filter((s) =>
    options.only ? options.only.includes(s.name) : !s.optIn
  );
  const results: Record<string, BenchSectionResult | { error: string }> = {};
  const previous: Record<string, BenchSectionResult> = {};
  for (const s of sections) {
    try {
      const r = await s.run({ quick: !!options.quick, backends, log, previous });
      results[s.name] = previous[s.name] = r;
    } catch (e) {
      results[s.name] = { error: String((e as Error).message ?? e).split("\n")[0] };
      log(`bench section ${s.name} failed: ${(e as Error).stack ?? e}`);
    }
  }
  const markdown = renderMarkdown(machine, { sections, results });
  const outDir = options.outDir === undefined ? "results/bench" : options.outDir;
  if (outDir !== null) {
    await Deno.mkdir(outDir, { recursive: true });
    const stamp = machine.date.slice(0, 19).replaceAll(":", "-");
    const json = JSON.stringify({ machine, quick: !!options.quick, backends, results }, null, 2);
    for (const base of [`bench-${stamp}`, "latest"]) {
      await writeTextFileAtomic(`${outDir}/${base}.json`, json + "\n");
      await writeTextFileAtomic(`${outDir}/${base}.md`, markdown);
    }
  }
  return { markdown, results };
}

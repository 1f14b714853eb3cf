/**
 * `deno task report [--preset quick] [--results-dir DIR]`: writes the self-contained
 * `results/<preset>/report.html` (tables + figures as PNG) from the runs on disk.
 *
 * @module
 */
import { parseArgsOrExit, usage } from "./args.ts";
import { writeReportAndClose } from "../results/report.ts";

const SPEC = {
  preset: { type: "string", default: "quick", description: "preset whose results to report" },
  "results-dir": { type: "string", description: "results folder (default results/)" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

/** Entry point of the `report` task. */
export async function main(argv: string[]): Promise<void> {
  const { flags } = parseArgsOrExit(argv, SPEC, "report");
  if (flags.help) {
    console.log(usage("deno task report", SPEC));
    return;
  }
  const path = await writeReportAndClose(String(flags.preset), {
    resultsDir: flags["results-dir"] as string | undefined,
  });
  console.log(`wrote ${path}`);
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(`report: ${(e as Error).message}`);
    Deno.exit(2);
  }
}

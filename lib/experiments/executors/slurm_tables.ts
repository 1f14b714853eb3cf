/**
 * Marks the runs that did not finish on Slurm in a preset's tables: `table.json` gains a
 * `slurm` block (and each affected row a `slurmFailures` list), `table.md` a section listing each
 * failed element with its reason and log. `table.csv` already carries each row's status.
 *
 * @module
 */
import type { SlurmFailure } from "./slurm_status.ts";
import { writeJsonAtomic, writeTextFileAtomic } from "../../util/atomic.ts";

/** Paths of a preset's tables. */
export interface TablePaths {
  md: string;
  csv: string;
  json: string;
}

interface JsonRow {
  label: string;
  runIds: string[];
  slurmFailures?: { runId: string; element: string; reason: string; log: string }[];
}

/** The Markdown section listing `failures` (empty string when there are none). */
export function failuresSection(failures: SlurmFailure[], labelOf: (id: string) => string): string {
  if (failures.length === 0) return "";
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    "",
    "## Runs that did not finish on Slurm",
    "",
    "| row | run | element | reason | log |",
    "|---|---|---|---|---|",
    ...failures.map((f) =>
      `| ${esc(labelOf(f.runId))} | ${f.runId} | ${f.element} | ${esc(f.reason)} | ${esc(f.log)} |`
    ),
    "",
  ];
  return lines.join("\n");
}

/** Adds the Slurm failures to freshly written tables (no-op when there are none). */
export async function markSlurmFailures(
  paths: TablePaths,
  failures: SlurmFailure[],
): Promise<void> {
  if (failures.length === 0) return;
  const table = JSON.parse(await Deno.readTextFile(paths.json));
  const rows: JsonRow[] = table.rows ?? [];
  const labelOf = (id: string) => rows.find((r) => r.runIds.includes(id))?.label ?? "?";
  for (const row of rows) {
    const mine = failures.filter((f) => row.runIds.includes(f.runId));
    if (mine.length > 0) {
      row.slurmFailures = mine.map(({ runId, element, reason, log }) => ({
        runId,
        element,
        reason,
        log,
      }));
    }
  }
  table.slurm = { failures };
  await writeJsonAtomic(paths.json, table);
  const md = await Deno.readTextFile(paths.md);
  await writeTextFileAtomic(paths.md, md.trimEnd() + "\n" + failuresSection(failures, labelOf));
}

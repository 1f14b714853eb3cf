/**
 * Machine description and the JSON / Markdown files of a bench run (atomic writes).
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { BenchSection, BenchSectionResult } from "./registry.ts";
import { machineInfo } from "../util/machine.ts";

/** Where the bench ran. */
export interface BenchMachine {
  cpu: string;
  cores: number;
  os: string;
  deno: string;
  v8: string;
  tfjs: string;
  date: string;
  /** 1-minute load average at the start (Linux), or null. */
  load: number | null;
}

/** The CPU model and core count ({@link machineInfo}), load and the software versions. */
export function benchMachine(): BenchMachine {
  const { cpu, cores } = machineInfo();
  let load: number | null = null;
  try {
    load = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch { /* not Linux */ }
  return {
    load,
    cpu,
    cores,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    date: new Date().toISOString(),
  };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "–";
  return typeof v === "number" ? String(Math.round(v * 100) / 100) : String(v);
}

/** Renders a full bench report as Markdown. */
export function renderMarkdown(
  machine: BenchMachine,
  report: {
    sections: readonly BenchSection[];
    results: Record<string, BenchSectionResult | { error: string }>;
  },
): string {
  const { sections, results } = report;
  const out = [
    `# Bench ${machine.date.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `Machine: ${machine.cpu}, ${machine.cores} cores (${machine.os}), load average ` +
    `${machine.load ?? "unknown"} at the start. On a shared machine absolute numbers are noisy ` +
    "(compare ratios measured in the same run), and a loaded machine hurts the 2-thread PyTorch " +
    "peer more than 1-thread wasm, so ratios measured under load favour wasm.",
    `Versions: Deno ${machine.deno}, V8 ${machine.v8}, TensorFlow.js ${machine.tfjs}.`,
    "",
  ];
  for (const s of sections) {
    const r = results[s.name];
    if (!r) continue;
    out.push(`## ${s.name}`, "", s.description, "");
    if ("error" in r) {
      out.push(`FAILED: ${r.error}`, "");
      continue;
    }
    if (r.rows.length > 0) {
      const cols = Object.keys(r.rows[0]);
      out.push(`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`);
      for (const row of r.rows) out.push(`| ${cols.map((c) => cell(row[c])).join(" | ")} |`);
      out.push("");
    }
    for (const n of r.notes ?? []) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n");
}

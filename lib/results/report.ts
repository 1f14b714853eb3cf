/**
 * `results/<preset>/report.html`: one self-contained page (no external files) with the paper
 * comparison, every ablation table and its figures: interactive plotly.js charts (plotly.js
 * inlined once, ≈4.8 MB) drawn over embedded PNGs, which stay visible where scripts do not run.
 *
 * @module
 */
import type { Figure } from "../plots/figure.ts";
import { closeRenderer, renderFigure } from "../plots/render.ts";
import { figureHtmlFragment, plotlyScript, toBase64 } from "../plots/show.ts";
import { axesOf, displayPath } from "./runs.ts";
import { defaultResultsDir, readRuns, type StoredRun } from "../experiments/store/store.ts";
import {
  ablationBars,
  ablationCurves,
  ablationTable,
  AXIS_TITLES,
  paperTable,
  presetAgreementTable,
  rankingStabilityFigure,
  rankingStabilityTable,
} from "./views.ts";
import { writeTextFileAtomic } from "../util/atomic.ts";

/** Options of {@link reportHtml} / {@link writeReport}. */
export interface ReportOptions {
  resultsDir?: string;
  /** Runs to report (default: read from the results folder). */
  runs?: StoredRun[];
  /** Extra lines shown under the title (e.g. what the numbers are and are not). */
  notes?: string[];
}

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

async function img(fig: Figure, alt: string): Promise<string> {
  const png = await renderFigure(fig, { format: "png" });
  const fallback = `<img alt="${esc(alt)}" src="data:image/png;base64,${toBase64(png)}">`;
  return `<div class="fig">${figureHtmlFragment(fig, fallback)}</div>`;
}

function presetNotes(resultsDir: string, preset: string): string[] {
  try {
    const table = JSON.parse(Deno.readTextFileSync(`${resultsDir}/${preset}/table.json`));
    const notes = table?.notes ?? table?.header?.notes;
    return Array.isArray(notes) ? notes.map(String) : [];
  } catch {
    return [];
  }
}

/** The report page of `preset` as an HTML string (figures rendered by headless Chromium). */
export async function reportHtml(preset: string, options: ReportOptions = {}): Promise<string> {
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  const runs = options.runs ?? readRuns(resultsDir, preset);
  if (runs.length === 0) {
    throw new Error(
      `report: no runs for preset "${preset}" in ${resultsDir}/${preset}/runs ` +
        `(run \`deno task reproduce --preset ${preset}\` first)`,
    );
  }
  const done = runs.filter((r) => r.summary?.status === "done").length;
  const failed = runs.filter((r) => r.summary?.status === "failed");
  const notes = [...(options.notes ?? presetNotes(resultsDir, preset))];
  const parts: string[] = [
    `<h1>BNN+ Lab: results of preset <code>${esc(preset)}</code></h1>`,
    `<p>${runs.length} runs, ${done} finished, ${failed.length} failed. Generated ` +
    `${new Date().toISOString()} from <code>results/${
      esc(preset)
    }/runs/</code>. Accuracy = final ` +
    `test accuracy, mean ± sample std over seeds.</p>`,
    ...notes.map((n) => `<p class="note">${esc(n)}</p>`),
    `<h2>Against the paper</h2>`,
    paperTable(runs).html,
  ];
  for (const axis of axesOf(runs)) {
    const title = AXIS_TITLES[axis] ?? axis;
    parts.push(`<h2>${esc(title)}</h2>`, ablationTable(runs, axis).html);
    try {
      parts.push(
        `<div class="figs">${await img(ablationBars(runs, axis), `${title}: accuracy`)}${await img(
          ablationCurves(runs, axis),
          `${title}: learning curves`,
        )}</div>`,
      );
    } catch (e) {
      parts.push(`<p class="note">No figure: ${esc((e as Error).message)}</p>`);
    }
  }
  parts.push(...await rankingSection(preset, runs, resultsDir));
  if (failed.length) {
    parts.push(
      `<h2>Failed runs</h2><ul>${
        failed.map((r) =>
          `<li><code>${esc(r.record.runId)}</code> ${esc(r.record.labels.join(", "))}: ${
            esc(String(r.summary?.reason ?? "?"))
          }</li>`
        ).join("")
      }</ul>`,
    );
  }
  const css = "body{font-family:sans-serif;max-width:1320px;margin:2em auto;padding:0 1em}" +
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;" +
    "text-align:left}caption{font-weight:bold;text-align:left}.note{color:#a15c00}" +
    ".figs{display:flex;flex-wrap:wrap;gap:1em}";
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>BNN+ Lab: ${esc(preset)}` +
    `</title><style>${css}</style>\n${await plotlyScript()}\n</head><body>\n${
      parts.join("\n")
    }\n</body></html>\n`;
}

/** Presets whose rankings the report compares with the reported one, when they have results. */
const COMPARED_PRESETS = ["quick", "standard", "long", "paper"];

async function rankingSection(
  preset: string,
  runs: StoredRun[],
  resultsDir: string,
): Promise<string[]> {
  const out = [
    `<h2>Ranking stability</h2>`,
    `<p>Kendall τ-b between the ranking of rows (mean test accuracy over seeds) at each epoch and ` +
    `at the last epoch: how early the table's order is settled. See docs/statistics.md.</p>`,
    rankingStabilityTable(runs).html,
  ];
  try {
    out.push(
      `<div class="figs">${await img(rankingStabilityFigure(runs), "ranking stability")}</div>`,
    );
  } catch (e) {
    out.push(`<p class="note">No figure: ${esc((e as Error).message)}</p>`);
  }
  for (const other of COMPARED_PRESETS.filter((p) => p !== preset)) {
    let theirs: StoredRun[];
    try {
      theirs = readRuns(resultsDir, other).filter((r) => r.summary?.status === "done");
    } catch {
      continue;
    }
    if (theirs.length === 0) continue;
    out.push(presetAgreementTable({ preset: other, runs: theirs }, { preset, runs }).html);
  }
  return out;
}

/** Writes `<resultsDir>/<preset>/report.html` atomically and returns its path. */
export async function writeReport(preset: string, options: ReportOptions = {}): Promise<string> {
  const resultsDir = options.resultsDir ?? defaultResultsDir();
  const html = await reportHtml(preset, { ...options, resultsDir });
  const path = `${resultsDir}/${preset}/report.html`;
  await writeTextFileAtomic(path, html);
  return path;
}

/** {@link writeReport}, then closes the renderer (for scripts). */
export async function writeReportAndClose(
  preset: string,
  options: ReportOptions = {},
): Promise<string> {
  try {
    return await writeReport(preset, options);
  } finally {
    await closeRenderer();
  }
}

/**
 * Writes the report of opened results (see `openResults`) and returns a displayable Markdown line
 * naming the file relative to the repository (or absolute when outside it) and its size.
 */
export async function exportReport(
  res: { preset: string; resultsDir: string; runs: StoredRun[] },
): Promise<{ path: string; markdown: string }> {
  const path = await writeReport(res.preset, { resultsDir: res.resultsDir, runs: res.runs });
  const shown = displayPath(path);
  const kb = Math.round((await Deno.stat(path)).size / 1024);
  const markdown = `Report written to \`${shown}\` (${kb} KiB, self-contained: open it in any ` +
    `browser or send it as is).`;
  const out = { path, markdown };
  Object.defineProperty(out, Symbol.for("Jupyter.display"), {
    value: () => ({ "text/markdown": markdown, "text/plain": markdown }),
  });
  return out;
}

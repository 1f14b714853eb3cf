/**
 * Tables for notebooks and reports: an array of row objects shown as Markdown (Jupyter), HTML
 * (reports, nbconvert) and plain text.
 *
 * @module
 */

/** A table row: column name → value (objects and arrays are shown as JSON). */
export type Row = Record<string, unknown>;

/** Options of {@link dataTable}. */
export interface TableOptions {
  /** Column order (default: keys of the first row, then any others). */
  columns?: string[];
  /** Significant decimals of non-integer numbers; default 4. */
  digits?: number;
  caption?: string;
}

/** A displayable table (last expression of a cell → rendered as Markdown/HTML). */
export interface DataTable {
  rows: Row[];
  columns: string[];
  markdown: string;
  html: string;
}

function cell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Number.isFinite(v) ? v.toFixed(digits) : String(v);
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Builds a {@link DataTable} from rows; displayed by the Deno kernel when it ends a cell. */
export function dataTable(rows: Row[], options: TableOptions = {}): DataTable {
  if (!Array.isArray(rows)) throw new Error("dataTable: rows must be an array of objects");
  const digits = options.digits ?? 4;
  const columns = options.columns ??
    [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = rows.map((r) => columns.map((c) => cell(r[c], digits)));
  const md = [
    ...(options.caption ? [`**${options.caption}**`, ""] : []),
    `| ${columns.join(" | ")} |`,
    `|${columns.map(() => "---").join("|")}|`,
    ...text.map((t) => `| ${t.map((s) => s.replaceAll("|", "\\|")).join(" | ")} |`),
  ].join("\n");
  const html = `<table>${
    options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : ""
  }<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${
    text.map((t) => `<tr>${t.map((s) => `<td>${escapeHtml(s)}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
  const table = { rows, columns, markdown: md, html };
  Object.defineProperty(table, Symbol.for("Jupyter.display"), {
    value: () => ({ "text/markdown": md, "text/html": html, "text/plain": md }),
    enumerable: false,
  });
  return table;
}

/** Several tables (or other `{markdown, html}` items) displayed as one output, in order. */
export function stackTables(...tables: { markdown: string; html: string }[]): {
  markdown: string;
  html: string;
} {
  const markdown = tables.map((t) => t.markdown).join("\n\n");
  const html = tables.map((t) => t.html).join("\n");
  const out = { markdown, html };
  Object.defineProperty(out, Symbol.for("Jupyter.display"), {
    value: () => ({ "text/markdown": markdown, "text/html": html, "text/plain": markdown }),
  });
  return out;
}

/**
 * A bit-aware model summary (the `summary(model)` data of lib/summary.ts: per-layer rows and
 * totals) as two tables: layers, then totals.
 */
export function summaryTables(
  s: { name?: string; layers: Row[]; totals: Row },
): { markdown: string; html: string } {
  const layers = s.layers.map((l) => ({
    ...l,
    outputShape: Array.isArray(l.outputShape)
      ? `[${l.outputShape.map((d) => d ?? "N").join(", ")}]`
      : l.outputShape,
  }));
  return stackTables(
    dataTable(layers, { caption: `Layers of ${s.name ?? "the model"}`, digits: 2 }),
    dataTable([s.totals], { caption: "Totals", digits: 3 }),
  );
}

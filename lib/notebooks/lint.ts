/**
 * Notebook hygiene: code cells orchestrate `lib/` and stay short. A cell may import only from
 * `../lib/`, must not define functions or classes, must not loop (no epoch loops) and must not
 * call training primitives directly. Committed notebooks must carry their figure outputs as PNG
 * without inlined plotly.js.
 *
 * @module
 */

/** The parts of an .ipynb file the linter reads. */
export interface NotebookJson {
  cells: {
    cell_type: string;
    source: string | string[];
    outputs?: { output_type: string; data?: Record<string, unknown> }[];
  }[];
}

/** Options of {@link lintNotebook}. */
export interface LintOptions {
  /** Maximum non-blank lines of a code cell; default 12. */
  maxLines?: number;
  /** Also require stored outputs: a PNG for every `show(` cell, no inlined plotly.js. */
  requireOutputs?: boolean;
}

/** Joined source text of a cell. */
export function cellSource(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

const RULES: [RegExp, string][] = [
  [/\bfunction\b|\bclass\s+\w/, "defines a function or class (put it in lib/)"],
  [/=>\s*\{/, "defines a block-bodied arrow function (put it in lib/)"],
  [/\b(for|while)\s*\(|\bdo\s*\{/, "contains a loop (training loops belong in lib/)"],
  [
    /\b(trainStep|variableGrads|minimize|applyGradients)\s*\(|\.fit\s*\(/,
    "calls a training primitive directly (use a lib/ function)",
  ],
];

/** Problems of one notebook, each "cell N: message"; empty when clean. */
export function lintNotebook(nb: NotebookJson, options: LintOptions = {}): string[] {
  if (!nb || !Array.isArray(nb.cells)) {
    throw new Error("lintNotebook: expected a notebook object with a cells array");
  }
  const maxLines = options.maxLines ?? 12;
  const problems: string[] = [];
  let importsLib = false;
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const src = cellSource(cell);
    const lines = src.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > maxLines) {
      problems.push(`cell ${i}: ${lines.length} lines (max ${maxLines})`);
    }
    const code = src.replace(/\/\/.*$/gm, "").replace(/`[^`]*`|"[^"\n]*"|'[^'\n]*'/g, '""');
    for (const [re, msg] of RULES) if (re.test(code)) problems.push(`cell ${i}: ${msg}`);
    for (const m of src.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith("../lib/")) importsLib = true;
      else problems.push(`cell ${i}: imports ${JSON.stringify(spec)} (import from ../lib/ only)`);
    }
    if (options.requireOutputs) {
      const outs = cell.outputs ?? [];
      if (/\bshow\s*\(/.test(code) && !outs.some((o) => o.data && "image/png" in o.data)) {
        problems.push(`cell ${i}: shows a figure but has no stored image/png output`);
      }
      for (const o of outs) {
        const html = o.data?.["text/html"];
        const text = Array.isArray(html) ? html.join("") : String(html ?? "");
        if (/plotly\.js v\d/.test(text)) problems.push(`cell ${i}: output inlines plotly.js`);
      }
    }
  });
  if (!importsLib) problems.push("notebook: no cell imports from ../lib/");
  return problems;
}

/**
 * Notebook hygiene: code cells orchestrate `lib/` and stay short. A cell may import only from
 * `../lib/`, must not define functions or classes, must not call low-level optimizer primitives
 * (a visible loop of `trainStep` is fine), and must end with `await display(...)` / `await
 * show(...)` or a statement, never a bare value: Deno 2.9's kernel can send a cell's
 * `execute_result` after the cell is reported idle, and Jupyter UIs then show it under the next
 * cell. Committed notebooks must carry their figure outputs as PNG, no `execute_result` and no
 * inlined plotly.js.
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
  [
    /\b(variableGrads|minimize|applyGradients)\s*\(|\.fit\s*\(/,
    "calls an optimizer primitive directly (use trainStep or a lib/ function)",
  ],
];

const STATEMENT =
  /^(await\s+(display|show)\s*\(|(const|let|var|import|export|for|while|if|do|try|function|class|type|interface)\b)/;

/**
 * True when the last top-level statement of `code` (comments and strings already blanked) is a
 * bare expression, i.e. the cell would produce an `execute_result`.
 */
export function endsWithValue(code: string): boolean {
  const tops = code.split("\n").filter((l) => /^\S/.test(l) && !/^[}\])]/.test(l));
  const last = tops.at(-1);
  return last !== undefined && !STATEMENT.test(last);
}

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
    if (endsWithValue(code)) {
      problems.push(`cell ${i}: ends with a value (end it with \`await display(...)\`)`);
    }
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
      if (outs.some((o) => o.output_type === "execute_result")) {
        problems.push(
          `cell ${i}: has an execute_result output (end it with \`await display(...)\`)`,
        );
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

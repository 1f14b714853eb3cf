/**
 * `await display(x)`: the one way notebooks output things. Every item is sent at once as an
 * awaited `display_data` while the cell runs, so outputs always land under their own cell; a cell
 * should end with `await display(...)` (or a declaration), never with a bare value: Deno 2.9's
 * kernel may send a cell's `execute_result` after reporting the cell idle, and a Jupyter UI then
 * shows it under the next cell.
 *
 * @module
 */
import type { Figure } from "../plots/figure.ts";
import { inKernel, publish } from "../plots/jupyter.ts";
import { show } from "../plots/show.ts";

/** A Jupyter MIME bundle, e.g. `{ "text/markdown": "…", "text/plain": "…" }`. */
export type Bundle = Record<string, unknown>;

const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

function isFigure(x: unknown): x is Figure {
  return typeof x === "object" && x !== null && Array.isArray((x as Figure).data) &&
    typeof (x as Figure).layout === "object" && (x as Figure).layout !== null;
}

/**
 * The bundle of a non-figure item: an object's `[Symbol.for("Jupyter.display")]()` (tables,
 * banners, the setup line), a string as Markdown, anything else as `text/plain` (JSON for plain
 * objects).
 */
export function bundleOf(x: unknown): Bundle {
  if (typeof x === "object" && x !== null && JUPYTER_DISPLAY in x) {
    const fn = (x as Record<symbol, unknown>)[JUPYTER_DISPLAY];
    if (typeof fn === "function") return fn.call(x) as Bundle;
  }
  if (typeof x === "string") return { "text/markdown": x, "text/plain": x };
  let text: string;
  try {
    text = typeof x === "object" && x !== null ? JSON.stringify(x, null, 2) : String(x);
  } catch {
    text = String(x);
  }
  return { "text/plain": text ?? String(x) };
}

/**
 * Displays each item in order, awaited: figures through {@link show} (interactive HTML, Plotly
 * JSON, PNG), everything else through {@link bundleOf}. Outside a kernel it prints the text.
 *
 * @example
 * ```ts
 * await display(dataTable(rows, { caption: "Results" }), accuracyBarsFigure(bars));
 * ```
 */
export async function display(...items: unknown[]): Promise<void> {
  for (const x of items) {
    if (isFigure(x)) {
      await show(x);
      continue;
    }
    const bundle = bundleOf(x);
    if (!inKernel()) console.log(String(bundle["text/plain"] ?? bundle["text/markdown"] ?? ""));
    else await publish("display_data", { data: bundle });
  }
}

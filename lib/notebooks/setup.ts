/**
 * The first cell of every notebook: choose the TensorFlow.js backend (before any tensor exists, so
 * the cpu banner never prints) and show one line saying what runs.
 *
 * @module
 */
import { type BackendInfo, type BackendName, initBackend } from "../backend/mod.ts";
import { tf } from "../tf.ts";

/** The preset notebooks show: `$BNN_PRESET`, else `quick`. */
export function notebookPreset(): string {
  return Deno.env.get("BNN_PRESET") ?? "quick";
}

/** What {@link setupNotebook} returns; displayed as one Markdown line when it ends a cell. */
export interface NotebookSetup {
  backend: BackendInfo;
  preset: string;
  markdown: string;
}

/**
 * Initialises the backend (`BNN_BACKEND` or `options.backend`, else the best available) quietly
 * and returns a displayable summary: backend, reason, the preset notebooks read, versions.
 */
export async function setupNotebook(
  options: { backend?: BackendName } = {},
): Promise<NotebookSetup> {
  const backend = await initBackend({ backend: options.backend, quiet: true });
  const preset = notebookPreset();
  const markdown =
    `TensorFlow.js ${tf.version.tfjs} on **${backend.name}** (${backend.reason}) · ` +
    `results preset \`${preset}\` · Deno ${Deno.version.deno}`;
  const out = { backend, preset, markdown };
  Object.defineProperty(out, Symbol.for("Jupyter.display"), {
    value: () => ({ "text/markdown": markdown, "text/plain": markdown }),
  });
  return out;
}

/**
 * Showing and saving figures: a Jupyter MIME bundle (`application/vnd.plotly.v1+json` for
 * interactive viewers, `image/png` rendered headlessly for every other viewer, `text/plain`) and
 * files (PNG, SVG, or self-contained HTML with plotly.js inlined).
 *
 * @module
 */
import { type Figure, figureSize } from "./figure.ts";
import { inKernel, plotlyPath, renderFigure } from "./render.ts";
import { writeFileAtomic } from "../util/atomic.ts";

/** A Jupyter MIME bundle. */
export type MimeBundle = Record<string, unknown>;

/** Base64 of bytes (chunked, so large PNGs do not overflow the argument list). */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** A one-line text description of a figure (the `text/plain` fallback). */
export function describeFigure(fig: Figure): string {
  const layout = fig.layout as { title?: { text?: string } };
  const title = layout.title?.text ?? "untitled";
  const traces = fig.data.map((t) => `${t.type ?? "scatter"}:${t.name ?? "?"}`).join(", ");
  return `Figure "${title}" with ${fig.data.length} trace(s): ${traces}`;
}

/**
 * The MIME bundle of `fig`: Plotly JSON, a PNG rendered by headless Chromium and text. When the
 * PNG cannot be rendered (no Chromium), the bundle carries the reason in `text/plain` instead.
 */
export async function figureBundle(fig: Figure): Promise<MimeBundle> {
  const { width, height } = figureSize(fig);
  const bundle: MimeBundle = {
    "application/vnd.plotly.v1+json": {
      data: fig.data,
      layout: fig.layout,
      config: { displaylogo: false },
    },
    "text/plain": describeFigure(fig),
  };
  try {
    bundle["image/png"] = toBase64(await renderFigure(fig, { format: "png", width, height }));
  } catch (e) {
    bundle["text/plain"] += `\n(no PNG: ${(e as Error).message})`;
  }
  return bundle;
}

/**
 * Shows `fig` in a Jupyter kernel: displays its bundle at once (PNG + interactive Plotly JSON +
 * text), like IPython's `display`. Outside a kernel it prints the `text/plain` line instead.
 * Use {@link figureBundle} to get the bundle itself.
 */
export async function show(fig: Figure): Promise<void> {
  if (!inKernel()) {
    console.log(describeFigure(fig));
    return;
  }
  await Deno.jupyter.display(await figureBundle(fig), { raw: true });
}

/**
 * A standalone HTML page showing `fig` interactively, with plotly.js inlined (≈4.8 MB) so it works
 * offline. The AMD `define` is hidden while plotly loads so that requirejs pages don't swallow it.
 */
export async function figureHtml(fig: Figure): Promise<string> {
  const plotly = await Deno.readTextFile(plotlyPath());
  const { width, height } = figureSize(fig);
  const json = JSON.stringify({ data: fig.data, layout: fig.layout }).replaceAll("</", "<\\/");
  const title = describeFigure(fig).replaceAll("<", "&lt;");
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><div id="fig" style="width:${width}px;height:${height}px"></div>\n` +
    `<script>window.__pd=window.define;window.define=undefined</script>\n` +
    `<script>${plotly.replaceAll("</script", "<\\/script")}</script>\n` +
    `<script>window.define=window.__pd;const f=${json};` +
    `Plotly.newPlot("fig",f.data,f.layout,{displaylogo:false});</script></body></html>\n`;
}

/**
 * Saves `fig` to `path`; the extension picks the format: `.png`, `.svg` or `.html`
 * (self-contained, plotly.js inlined). The write is atomic.
 */
export async function saveFigure(fig: Figure, path: string): Promise<void> {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "png") await writeFileAtomic(path, await renderFigure(fig, { format: "png" }));
  else if (ext === "svg") await writeFileAtomic(path, await renderFigure(fig, { format: "svg" }));
  else if (ext === "html") await writeFileAtomic(path, await figureHtml(fig));
  else {
    throw new Error(
      `saveFigure: path ${JSON.stringify(path)} must end in .png, .svg or .html`,
    );
  }
}

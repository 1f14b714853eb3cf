/**
 * Showing and saving figures: a Jupyter MIME bundle and files (PNG, SVG, or self-contained HTML
 * with plotly.js inlined).
 *
 * The bundle carries `text/html` (an interactive plotly.js chart, like plotly.py's offline
 * notebook renderer, with the PNG inside as the fallback until plotly.js is there),
 * `application/vnd.plotly.v1+json` (for viewers with a Plotly renderer), `image/png` (rendered by
 * headless Chromium, for GitHub and plain viewers) and `text/plain`. plotly.js itself (≈4.8 MB,
 * the pinned npm copy, no CDN) is sent once per kernel session by {@link ensurePlotly}, as its
 * own output before the first figure. Every output is an awaited `display_data` sent while the
 * cell runs: nothing relies on a cell's `execute_result`, which Deno 2.9's kernel may send after
 * the cell is reported idle (then it lands under the next cell).
 *
 * @module
 */
import { type Figure, figureSize } from "./figure.ts";
import { plotlyPath, renderFigure } from "./render.ts";
import { inKernel, publish } from "./jupyter.ts";
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

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );

/** The event {@link plotlyScript} fires on `window` once plotly.js is loaded. */
export const PLOTLY_READY_EVENT = "bnn-plotly-ready";

/**
 * `<script>` tags that load the pinned plotly.js inline (≈4.8 MB) and then fire
 * {@link PLOTLY_READY_EVENT}. AMD's `define` (requirejs in the classic Notebook) is hidden while it
 * loads, so the UMD bundle sets `window.Plotly` instead of registering an anonymous module.
 */
export async function plotlyScript(): Promise<string> {
  const plotly = await Deno.readTextFile(plotlyPath());
  return `<script>window.__bnnDefine=window.define;window.define=undefined;</script>\n` +
    `<script>${plotly.replaceAll("</script", "<\\/script")}</script>\n` +
    `<script>window.define=window.__bnnDefine;` +
    `window.dispatchEvent(new Event("${PLOTLY_READY_EVENT}"));</script>`;
}

/**
 * An HTML fragment drawing `fig` with plotly.js: a fixed-size box holding `fallback` (e.g. the
 * PNG) that a script replaces with the interactive chart as soon as `window.Plotly` exists (now,
 * or when {@link PLOTLY_READY_EVENT} fires). Without scripts (untrusted notebooks, GitHub) the
 * fallback stays.
 */
export function figureHtmlFragment(fig: Figure, fallback = ""): string {
  const { width, height } = figureSize(fig);
  const id = `bnn-fig-${crypto.randomUUID().slice(0, 13)}`;
  const spec = JSON.stringify({
    data: fig.data,
    layout: fig.layout,
    config: { displaylogo: false },
  }).replaceAll("</", "<\\/");
  return `<div id="${id}" class="bnn-figure" style="width:${width}px;height:${height}px">` +
    `${fallback}</div>\n<script>(function(){var s=${spec};function draw(){` +
    `var el=document.getElementById("${id}");if(!el||!window.Plotly||el.dataset.drawn)return !!el;` +
    `el.dataset.drawn="1";el.innerHTML="";window.Plotly.newPlot(el,s.data,s.layout,s.config);` +
    `return true;}if(!draw())window.addEventListener("${PLOTLY_READY_EVENT}",draw);})();</script>`;
}

/** Options of {@link figureBundle}. */
export interface FigureBundleOptions {
  /** Render the PNG (default true; live updates skip it between epochs for speed). */
  png?: boolean;
  /** Add the interactive `text/html` (default true). */
  html?: boolean;
}

/**
 * The MIME bundle of `fig`: interactive `text/html`, Plotly JSON, a PNG rendered by headless
 * Chromium and text. When the PNG cannot be rendered (no Chromium), `text/plain` says why.
 */
export async function figureBundle(
  fig: Figure,
  options: FigureBundleOptions = {},
): Promise<MimeBundle> {
  const { width, height } = figureSize(fig);
  const text = describeFigure(fig);
  const bundle: MimeBundle = {
    "application/vnd.plotly.v1+json": {
      data: fig.data,
      layout: fig.layout,
      config: { displaylogo: false },
    },
    "text/plain": text,
  };
  let img = "";
  if (options.png ?? true) {
    try {
      const png = toBase64(await renderFigure(fig, { format: "png", width, height }));
      bundle["image/png"] = png;
      img = `<img alt="${esc(text)}" width="${width}" height="${height}" ` +
        `src="data:image/png;base64,${png}">`;
    } catch (e) {
      bundle["text/plain"] += `\n(no PNG: ${(e as Error).message})`;
    }
  }
  if (options.html ?? true) bundle["text/html"] = figureHtmlFragment(fig, img);
  return bundle;
}

/** Output metadata marking the one-per-session plotly.js output (`deno task notebooks --write`
 * drops it from committed notebooks: 4.8 MB each). */
export const PLOTLY_LOADER_METADATA = { bnn: { plotlyLoader: true } } as const;

let plotlySent = false;

/**
 * In a Jupyter kernel, sends plotly.js once per kernel session (a restart starts a new one) as a
 * `display_data` output of the current cell, so that the interactive figures after it can draw.
 * Does nothing on later calls or outside a kernel. Returns whether it sent it now.
 */
export async function ensurePlotly(): Promise<boolean> {
  if (plotlySent || !inKernel()) return false;
  const version = JSON.parse(
    await Deno.readTextFile(plotlyPath().replace(/plotly(\.min)?\.js$/, "package.json")),
  ).version;
  await publish("display_data", {
    data: {
      "text/html": await plotlyScript(),
      "text/plain": `plotly.js ${version} loaded for the interactive figures of this notebook`,
    },
    metadata: PLOTLY_LOADER_METADATA,
  });
  plotlySent = true;
  return true;
}

/**
 * Shows `fig` in a Jupyter kernel: sends its bundle at once as `display_data` (interactive HTML +
 * Plotly JSON + PNG + text), after plotly.js the first time. Outside a kernel it prints the
 * `text/plain` line instead. Use {@link figureBundle} to get the bundle itself.
 */
export async function show(fig: Figure): Promise<void> {
  if (!inKernel()) {
    console.log(describeFigure(fig));
    return;
  }
  await ensurePlotly();
  await publish("display_data", { data: await figureBundle(fig) });
}

/**
 * A standalone HTML page showing `fig` interactively, with plotly.js inlined (≈4.8 MB) so it works
 * offline.
 */
export async function figureHtml(fig: Figure): Promise<string> {
  const title = esc(describeFigure(fig));
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body>\n${await plotlyScript()}\n${figureHtmlFragment(fig)}\n</body></html>\n`;
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

/**
 * Headless rendering of {@link Figure}s to PNG / SVG with Chromium + plotly.js (no network: plotly.js
 * is loaded from the pinned `plotly.js-dist-min` in node_modules through `file://`).
 *
 * One browser and one page are reused for every figure of a process. Outside a Jupyter kernel the
 * browser closes itself after a short idle time so scripts exit; call {@link closeRenderer} to close
 * it at once (tests do). Chromium is found at `$BNN_CHROMIUM`, else `/usr/bin/chromium`,
 * `/usr/bin/chromium-browser`, `/usr/bin/google-chrome`.
 *
 * @module
 */
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { type Figure, figureSize } from "./figure.ts";
import { inKernel } from "./jupyter.ts";

export { inKernel };

/** Options of {@link renderFigure}. */
export interface RenderOptions {
  format?: "png" | "svg";
  /** Pixel size; defaults to the figure's layout width/height. */
  width?: number;
  height?: number;
  /** Device pixel ratio of PNGs. Default 1. */
  scale?: number;
}

interface State {
  browser: Browser;
  page: Page;
  dir: string;
}

let state: Promise<State> | null = null;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let pending = 0;

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium executable used for rendering, or null when none is installed. */
export function chromiumPath(): string | null {
  const env = Deno.env.get("BNN_CHROMIUM");
  const list = env ? [env] : CANDIDATES;
  for (const p of list) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not there */ }
  }
  return null;
}

/** Absolute path of the pinned `plotly.min.js` in node_modules. */
export function plotlyPath(): string {
  const req = createRequire(new URL("../../deno.json", import.meta.url).href);
  try {
    return req.resolve("plotly.js-dist-min");
  } catch (e) {
    throw new Error(
      `plots: cannot find plotly.js-dist-min in node_modules (run \`deno install\`): ${e}`,
    );
  }
}

let liveBrowser: Browser | null = null;
const START_TIMEOUT_MS = 120_000;

async function start(): Promise<State> {
  const exe = chromiumPath();
  if (!exe) {
    throw new Error(
      "plots: no Chromium found (install Debian `chromium` or set BNN_CHROMIUM to its path)",
    );
  }
  const { chromium } = await import("playwright-core");
  // Generous timeouts: on a loaded machine Chromium's start and plotly.js's first parse can take
  // longer than playwright's 30 s defaults, and a figure would then lose its PNG.
  const browser = await chromium.launch({
    executablePath: exe,
    headless: true,
    timeout: START_TIMEOUT_MS,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const dir = await Deno.makeTempDir({ prefix: "bnn_plots_" });
    const html = `<!doctype html><html><head><meta charset="utf-8"></head><body>` +
      `<script src="${new URL(`file://${plotlyPath()}`).href}"></script></body></html>`;
    await Deno.writeTextFile(`${dir}/render.html`, html);
    page.setDefaultTimeout(START_TIMEOUT_MS);
    await page.goto(`file://${dir}/render.html`);
    await page.waitForFunction(() => "Plotly" in globalThis);
    // Loaded: the page needs the file no more, so no bnn_plots_* folder outlives a kernel.
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    // A crashed or killed browser is relaunched by the next render.
    browser.on("disconnected", () => {
      if (liveBrowser === browser) {
        liveBrowser = null;
        state = null;
      }
    });
    liveBrowser = browser;
    return { browser, page, dir };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

function scheduleIdleClose(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (inKernel()) return; // a kernel keeps its page warm; the browser dies with the kernel
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (pending === 0) closeRenderer();
  }, 1000);
}

async function toImage(spec: unknown, opts: Record<string, unknown>): Promise<string> {
  if (!state) {
    state = start();
    state.catch(() => (state = null));
  }
  const { page } = await state;
  return await page.evaluate(
    ({ spec, opts }) =>
      // deno-lint-ignore no-explicit-any
      (globalThis as any).Plotly.toImage(spec, opts) as Promise<string>,
    { spec, opts },
  );
}

/** Closes the shared browser (if open). Safe to call any time; the next render relaunches it. */
export async function closeRenderer(): Promise<void> {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  const s = state;
  state = null;
  liveBrowser = null;
  if (!s) return;
  try {
    const st = await s;
    await st.browser.close();
    await Deno.remove(st.dir, { recursive: true }).catch(() => {});
  } catch { /* launch had failed: nothing to close */ }
}

/**
 * Renders `fig` to PNG bytes or an SVG string with plotly.js in headless Chromium.
 * The first call of a process launches the browser (≈2–4 s); later calls take ≈0.1 s.
 */
export async function renderFigure(
  fig: Figure,
  options: RenderOptions & { format: "svg" },
): Promise<string>;
/** Renders `fig` to PNG bytes (the default format). */
export async function renderFigure(fig: Figure, options?: RenderOptions): Promise<Uint8Array>;
export async function renderFigure(
  fig: Figure,
  options: RenderOptions = {},
): Promise<Uint8Array | string> {
  const format = options.format ?? "png";
  if (format !== "png" && format !== "svg") {
    throw new Error(`renderFigure: format must be "png" or "svg", got ${JSON.stringify(format)}`);
  }
  const size = figureSize(fig);
  const width = options.width ?? size.width;
  const height = options.height ?? size.height;
  pending++;
  try {
    const spec = JSON.parse(JSON.stringify(fig));
    const opts = { format, width, height, scale: options.scale ?? 1 };
    let url: string;
    try {
      url = await toImage(spec, opts);
    } catch (e) {
      // Plotly rejected the spec: report it. Otherwise the browser or page died: relaunch once.
      if (!/closed|crash|disconnected/i.test(String(e))) throw e;
      await closeRenderer();
      url = await toImage(spec, opts);
    }
    const comma = url.indexOf(",");
    const head = url.slice(0, comma);
    const body = url.slice(comma + 1);
    if (format === "svg") return head.endsWith(";base64") ? atob(body) : decodeURIComponent(body);
    return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } finally {
    pending--;
    scheduleIdleClose();
  }
}

/**
 * Runs the deploy engine inside headless Chromium (via playwright-core) to check that it works in
 * a browser: bundles `runtime.ts` with `deno bundle`, loads it as an ES module in a blank page,
 * decodes the `.bnn` bytes and predicts. Deno-side tooling only (the engine itself is plain TS).
 *
 * @module
 */
import { chromium } from "playwright-core";

/** Bundles the tfjs-free engine (`lib/deploy/runtime.ts`) into one ES module source string. */
export async function bundleRuntime(): Promise<string> {
  const entry = new URL("./runtime.ts", import.meta.url).pathname;
  const out = await Deno.makeTempFile({ suffix: ".js" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", entry, "-o", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) throw new Error(`deno bundle failed: ${new TextDecoder().decode(r.stderr)}`);
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

/** Options of {@link predictInBrowser}. */
export interface BrowserOptions {
  /** Chromium binary; default `/usr/bin/chromium` (or `$CHROMIUM`). */
  executablePath?: string;
}

/**
 * Predicts `batch.n` images (back to back in `batch.inputs`) with the engine running in headless Chromium.
 * Returns the outputs and the kernel the browser used ("wasm-simd" or "js").
 */
export async function predictInBrowser(
  bnn: Uint8Array,
  batch: { inputs: Float32Array; n: number },
  options: BrowserOptions = {},
): Promise<{ outputs: Float32Array; kernel: string; userAgent: string }> {
  const { inputs, n } = batch;
  const code = await bundleRuntime();
  const executablePath = options.executablePath ?? Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const result = await page.evaluate(async ({ code, bnn, inputs, n }) => {
      const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      const rt = await import(url);
      const engine = rt.createEngine(rt.decodeModel(new Uint8Array(bnn)));
      const out = engine.predictBatch(new Float32Array(inputs), n);
      return {
        outputs: Array.from(out as Float32Array),
        kernel: engine.kernel as string,
        ua: navigator.userAgent,
      };
    }, { code, bnn: Array.from(bnn), inputs: Array.from(inputs), n });
    return {
      outputs: Float32Array.from(result.outputs),
      kernel: result.kernel,
      userAgent: result.ua,
    };
  } finally {
    await browser.close();
  }
}

/**
 * Executes every notebook through the real Jupyter protocol with BNN_PRESET=smoke (executed copies
 * go to a temp folder; results to a temp results folder), checks the outputs, then converts one
 * executed notebook to HTML with nbconvert and screenshots it in headless Chromium.
 */
import assert from "node:assert/strict";
import { runNotebooks } from "../../lib/cli/notebooks.ts";
import { cellSource, type NotebookJson } from "../../lib/notebooks/lint.ts";
import { countForeground, decodePng, pngSize } from "../../lib/plots/png.ts";
import { chromiumPath } from "../../lib/plots/render.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const NOTEBOOKS = [...Deno.readDirSync(`${REPO}notebooks`)]
  .filter((e) => e.name.endsWith(".ipynb") && !e.name.startsWith(".")).map((e) => e.name).sort();

type Output = { output_type: string; data?: Record<string, unknown>; ename?: string };
type Trace = { x: unknown[]; name?: string };

function b64(s: unknown): Uint8Array {
  const text = Array.isArray(s) ? s.join("") : String(s);
  return Uint8Array.from(atob(text.replace(/\s/g, "")), (c) => c.charCodeAt(0));
}

Deno.test({
  name: "every notebook executes with BNN_PRESET=smoke; figure cells carry plotly JSON + PNG",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "bnn_nbtest_" });
    try {
      const t0 = performance.now();
      const { code, output } = await runNotebooks(["--out", `${tmp}/out`, `${REPO}notebooks`], {
        env: { BNN_PRESET: "smoke", BNN_RESULTS_DIR: `${tmp}/results` },
        capture: true,
      });
      console.log(
        output.trim(),
        `\n(notebook run: ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      assert.equal(code, 0, `executor failed:\n${output}`);
      for (const name of NOTEBOOKS) {
        await t.step(name, async () => {
          const nb = JSON.parse(await Deno.readTextFile(`${tmp}/out/${name}`)) as NotebookJson;
          let figures = 0;
          nb.cells.forEach((cell, i) => {
            if (cell.cell_type !== "code") return;
            const outs = (cell.outputs ?? []) as Output[];
            assert.ok(!outs.some((o) => o.output_type === "error"), `cell ${i} has an error`);
            if (!/\b(show|showLive|live\w*)\s*\(/.test(cellSource(cell))) return;
            const figs = outs.filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data);
            assert.ok(figs.length > 0, `cell ${i} shows a figure but has no plotly output`);
            if (/\bliveCurves\s*\(/.test(cellSource(cell))) {
              // One output, redrawn in place (update_display_data): it ends with every epoch.
              assert.equal(figs.length, 1, `cell ${i}: live figure must be a single output`);
              const live = figs[0].data!["application/vnd.plotly.v1+json"] as { data: Trace[] };
              const test = live.data.find((t) => t.name === "test");
              assert.ok(test && test.x.length >= 2, `cell ${i}: live figure was not updated`);
            }
            for (const o of figs) {
              assert.ok(o.data && "image/png" in o.data, `cell ${i}: figure without PNG`);
              const png = b64(o.data["image/png"]);
              const { width, height } = pngSize(png);
              assert.ok(width >= 200 && height >= 150, `cell ${i}: PNG ${width}×${height}`);
              const plotly = o.data["application/vnd.plotly.v1+json"] as { data: unknown[] };
              assert.ok(Array.isArray(plotly.data) && plotly.data.length > 0);
              figures++;
            }
          });
          assert.ok(figures > 0, `${name} shows no figure`);
        });
      }
      await t.step(
        "nbconvert HTML of an executed notebook shows a live chart in Chromium",
        async () => {
          const src = `${tmp}/out/${NOTEBOOKS[0]}`;
          const conv = await new Deno.Command("/usr/bin/jupyter", {
            args: ["nbconvert", "--to", "html", "--output-dir", `${tmp}/html`, src],
            env: { PYDEVD_DISABLE_FILE_VALIDATION: "1" },
            stdout: "null",
            stderr: "piped",
          }).output();
          assert.equal(conv.code, 0, new TextDecoder().decode(conv.stderr));
          const html = `${tmp}/html/${NOTEBOOKS[0].replace(/\.ipynb$/, ".html")}`;
          const { chromium } = await import("playwright-core");
          const browser = await chromium.launch({
            executablePath: chromiumPath() ?? undefined,
            args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
          });
          try {
            const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
            await page.goto(`file://${html}`);
            // plotly.js (sent once in the executed copy) replaced the PNG fallback by a chart.
            await page.waitForSelector(".js-plotly-plot .main-svg", { timeout: 30_000 });
            const img = page.locator(".js-plotly-plot").first();
            await img.scrollIntoViewIfNeeded();
            const box = await img.boundingBox();
            assert.ok(
              box && box.width > 200 && box.height > 150,
              `figure box ${JSON.stringify(box)}`,
            );
            const shotPng = await page.screenshot({ clip: box });
            if (Deno.env.get("BNN_KEEP_SHOT")) {
              await Deno.writeFile(Deno.env.get("BNN_KEEP_SHOT")!, shotPng);
            }
            const shot = await decodePng(shotPng);
            const ink = countForeground(shot, { background: [255, 255, 255] });
            const share = ink / (shot.width * shot.height);
            assert.ok(share > 0.01 && share < 0.9, `non-background share ${share.toFixed(3)}`);
            // A blank area of the page next to it is (nearly) all background: the check can fail.
            const blank = await decodePng(
              await page.screenshot({ clip: { x: 0, y: 0, width: 40, height: 40 } }),
            );
            assert.ok(countForeground(blank, { background: [255, 255, 255] }) < 80);
          } finally {
            await browser.close();
          }
        },
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("resolveUserPaths rewrites existing relative paths against INIT_CWD only", async () => {
  const { resolveUserPaths } = await import("../../lib/cli/notebooks.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.ipynb`, "{}");
    assert.deepEqual(resolveUserPaths(["--write", "a.ipynb", "600", "/abs.ipynb"], dir), [
      "--write",
      `${dir}/a.ipynb`,
      "600",
      "/abs.ipynb",
    ]);
    assert.deepEqual(resolveUserPaths(["a.ipynb"], undefined), ["a.ipynb"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

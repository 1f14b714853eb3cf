import assert from "node:assert/strict";
import { exportReport, reportHtml, writeReport } from "../../lib/results/report.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { chromiumPath, closeRenderer } from "../../lib/plots/render.ts";
import { decodePng, pngSize } from "../../lib/plots/png.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test({
  name: "writeReport: self-contained HTML, every table, interactive charts (zoom) over PNG figures",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
    writeFakeStore(dir, "quick", standardRuns()); // another preset: its ranking is compared
    try {
      const path = await writeReport("p", { resultsDir: dir, notes: ["Reduced <scale>."] });
      assert.equal(path, `${dir}/p/report.html`);
      const html = await Deno.readTextFile(path);
      const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "");
      assert.doesNotMatch(markup, /<script src=|<link|src="(?!data:)/, "no external files");
      assert.equal(html.split("window.__bnnDefine=window.define").length - 1, 1, "plotly.js once");
      assert.match(html, /Reduced &lt;scale&gt;\./);
      for (
        const h of ["Against the paper", "baselines", "regularizer type", "scale factor", "network"]
      ) {
        assert.ok(html.includes(h), `section ${h}`);
      }
      assert.match(html, /reg=manhattan.*loss is NaN/s);
      const imgs = [...markup.matchAll(/src="data:image\/png;base64,([^"]+)"/g)];
      assert.equal(imgs.length, 9, "bars + curves for each of the 4 axes, ranking stability");
      assert.match(html, /<h2>Ranking stability<\/h2>/);
      assert.match(html, /Does quick predict p\?/);
      assert.match(html, /Δ vs BNN\+ default \[95 % CI\]/);
      const png = Uint8Array.from(atob(imgs[0][1]), (c) => c.charCodeAt(0));
      assert.deepEqual(pngSize(png), { width: 640, height: 300 }); // bars of the 1-row baseline axis
      assert.ok((await decodePng(png)).rgba.length > 0);
      await assert.rejects(
        () => reportHtml("none", { resultsDir: dir }),
        /no runs for preset "none"/,
      );
      // In Chromium every figure becomes a plotly chart with a size, and hovering shows a label.
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: chromiumPath()!,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`file://${path}`);
        await page.waitForFunction(
          `document.querySelectorAll(".js-plotly-plot .main-svg").length >= 9`,
        );
        const sizes = await page.evaluate(
          `[...document.querySelectorAll(".js-plotly-plot")].map((e) => e.getBoundingClientRect().width * e.getBoundingClientRect().height)`,
        ) as number[];
        assert.equal(sizes.length, 9);
        assert.ok(sizes.every((a) => a > 10_000), `chart areas ${sizes}`);
        const curves = page.locator(".js-plotly-plot").nth(1).locator(".nsewdrag").first();
        await curves.scrollIntoViewIfNeeded();
        const box = (await curves.boundingBox())!;
        // Drag-zoom on the learning curves changes the x range (the chart is live, not a picture).
        const RANGE =
          `document.querySelectorAll(".js-plotly-plot")[1]._fullLayout.xaxis.range.join(",")`;
        const before = await page.evaluate(RANGE);
        await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 6 });
        await page.mouse.up();
        await page.waitForFunction(`${RANGE} !== ${JSON.stringify(before)}`, null, {
          timeout: 5000,
        });
      } finally {
        await browser.close();
      }
    } finally {
      await closeRenderer();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("exportReport: writes report.html for the runs it is given and says where", async () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const runs = readRuns(dir, "p");
    const out = await exportReport({ preset: "p", resultsDir: dir, runs });
    assert.equal(out.path, `${dir}/p/report.html`);
    const size = (await Deno.stat(out.path)).size;
    assert.ok(size > 0);
    assert.match(out.markdown, new RegExp(`\\(${Math.round(size / 1024)} KiB, self-contained`));
    const bundle = (out as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]();
    assert.equal(bundle["text/markdown"], out.markdown);
  } finally {
    await closeRenderer();
    Deno.removeSync(dir, { recursive: true });
  }
});

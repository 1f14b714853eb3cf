import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { lineFigure } from "../../lib/plots/figure.ts";
import { chromiumPath, closeRenderer } from "../../lib/plots/render.ts";
import { decodePng, pngSize } from "../../lib/plots/png.ts";
import {
  describeFigure,
  figureBundle,
  figureHtml,
  saveFigure,
  show,
  toBase64,
} from "../../lib/plots/show.ts";

const fig = lineFigure([{ name: "a", x: [1, 2, 3], y: [2, 1, 3] }], {
  title: "T",
  width: 300,
  height: 220,
});

Deno.test("toBase64 matches Node's Buffer encoding, also across chunk boundaries", () => {
  for (const n of [0, 1, 2, 3, 0x8000 - 1, 0x8000, 0x8000 * 2 + 5]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
    assert.equal(toBase64(bytes), Buffer.from(bytes).toString("base64"));
  }
});

Deno.test("figureBundle: plotly JSON, text and a real PNG of the figure's size", async () => {
  try {
    const b = await figureBundle(fig);
    assert.deepEqual(Object.keys(b).sort(), [
      "application/vnd.plotly.v1+json",
      "image/png",
      "text/html",
      "text/plain",
    ]);
    // The HTML draws with plotly.js when present and shows the same PNG until then.
    const html = b["text/html"] as string;
    assert.ok(html.includes(`src="data:image/png;base64,${b["image/png"]}"`));
    assert.ok(html.includes(JSON.stringify(fig.data)));
    assert.match(html, /window\.Plotly\.newPlot\(/);
    assert.doesNotMatch(html, /plotly\.js v\d/, "plotly.js is not inlined per figure");
    const noPng = await figureBundle(fig, { png: false });
    assert.equal(noPng["image/png"], undefined);
    assert.doesNotMatch(noPng["text/html"] as string, /<img/);
    const plotly = b["application/vnd.plotly.v1+json"] as { data: unknown; layout: unknown };
    assert.deepEqual(plotly.data, fig.data);
    assert.deepEqual(plotly.layout, fig.layout);
    assert.equal(b["text/plain"], describeFigure(fig));
    const png = Uint8Array.from(atob(b["image/png"] as string), (c) => c.charCodeAt(0));
    assert.deepEqual(pngSize(png), { width: 300, height: 220 });
    assert.equal((await decodePng(png)).rgba.length, 300 * 220 * 4);
  } finally {
    await closeRenderer();
  }
});

Deno.test("saveFigure writes PNG, SVG and self-contained HTML; rejects other extensions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveFigure(fig, `${dir}/f.png`);
    await saveFigure(fig, `${dir}/f.svg`);
    await saveFigure(fig, `${dir}/f.html`);
    assert.deepEqual(pngSize(await Deno.readFile(`${dir}/f.png`)), { width: 300, height: 220 });
    assert.match(await Deno.readTextFile(`${dir}/f.svg`), /^<svg[^>]*width="300"/);
    const html = await Deno.readTextFile(`${dir}/f.html`);
    assert.ok(html.length > 4_000_000, "plotly.js is inlined");
    assert.doesNotMatch(html, /<script src=/);
    assert.ok(html.includes(JSON.stringify(fig.data)));
    await assert.rejects(
      () => saveFigure(fig, `${dir}/f.jpg`),
      /must end in \.png, \.svg or \.html/,
    );
    // Only the three files: no temp files left behind.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["f.html", "f.png", "f.svg"]);
  } finally {
    await closeRenderer();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "figureHtml is interactive in Chromium: hover adds a label, drag-zoom changes the axis",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: chromiumPath()!,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    try {
      await Deno.writeTextFile(`${dir}/f.html`, await figureHtml(fig));
      const page = await browser.newPage();
      await page.goto(`file://${dir}/f.html`);
      await page.waitForSelector(".js-plotly-plot .main-svg");
      const box = (await page.locator(".nsewdrag").first().boundingBox())!;
      assert.ok(box.width > 100 && box.height > 100, "the plot area has a size");
      assert.equal(await page.locator(".hoverlayer .hovertext").count(), 0);
      // Hover over the middle point (x = 2, y = 1): Plotly adds a hover label to the DOM.
      await page.mouse.move(box.x + box.width / 2, box.y + box.height - 12);
      await page.waitForSelector(".hoverlayer .hovertext", { timeout: 5000 });
      const RANGE = `document.querySelector(".js-plotly-plot")._fullLayout.xaxis.range.join(",")`;
      const range = () => page.evaluate(RANGE) as Promise<string>;
      const before = await range();
      await page.mouse.move(box.x + 20, box.y + 20);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await page.waitForFunction(`${RANGE} !== ${JSON.stringify(before)}`, null, { timeout: 5000 });
      assert.notEqual(await range(), before, "zoom changed the x range");
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("figureHtml escapes </script> inside the spec", async () => {
  const evil = lineFigure([{ name: "</script><b>", x: [0], y: [0] }]);
  const html = await figureHtml(evil);
  assert.ok(!html.includes("</script><b>"));
});

Deno.test("show outside a kernel prints the text description", async () => {
  const logged: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => logged.push(a.join(" "));
  try {
    await show(fig);
  } finally {
    console.log = orig;
  }
  assert.deepEqual(logged, [describeFigure(fig)]);
});

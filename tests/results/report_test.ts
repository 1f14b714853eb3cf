import assert from "node:assert/strict";
import { exportReport, reportHtml, writeReport } from "../../lib/results/report.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { closeRenderer } from "../../lib/plots/render.ts";
import { decodePng, pngSize } from "../../lib/plots/png.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("writeReport: self-contained HTML with every table and PNG figures", async () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  writeFakeStore(dir, "quick", standardRuns()); // another preset: its ranking is compared
  try {
    const path = await writeReport("p", { resultsDir: dir, notes: ["Reduced <scale>."] });
    assert.equal(path, `${dir}/p/report.html`);
    const html = await Deno.readTextFile(path);
    assert.doesNotMatch(html, /<script|<link|src="(?!data:)/, "no scripts or external files");
    assert.match(html, /Reduced &lt;scale&gt;\./);
    for (
      const h of ["Against the paper", "baselines", "regularizer type", "scale factor", "network"]
    ) {
      assert.ok(html.includes(h), `section ${h}`);
    }
    assert.match(html, /reg=manhattan.*loss is NaN/s);
    const imgs = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)];
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
  } finally {
    await closeRenderer();
    Deno.removeSync(dir, { recursive: true });
  }
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

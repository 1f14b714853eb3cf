import assert from "node:assert/strict";
import { lineFigure } from "../../lib/plots/figure.ts";
import { closeRenderer, plotlyPath, renderFigure } from "../../lib/plots/render.ts";
import { countForeground, decodePng } from "../../lib/plots/png.ts";

const red = () =>
  lineFigure([{ name: "r", x: [0, 1, 2], y: [0, 1, 0.5], color: "rgb(255,0,0)" }], {
    width: 320,
    height: 200,
    layout: { showlegend: false },
  });

function redPixels(img: { width: number; height: number; rgba: Uint8Array }): number {
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    const [r, g, b] = img.rgba.subarray(i * 4, i * 4 + 3);
    if (r > 200 && g < 90 && b < 90) n++;
  }
  return n;
}

Deno.test("plotlyPath points at the pinned plotly.min.js", async () => {
  const p = plotlyPath();
  assert.match(p, /plotly\.js-dist-min.*plotly\.min\.js$/);
  const head = (await Deno.readTextFile(p)).slice(0, 200);
  assert.match(head, /plotly\.js v4\.1\.2/);
});

Deno.test("renderFigure: PNG of the requested size with the trace drawn, SVG text", async () => {
  try {
    const png = await renderFigure(red(), { format: "png" });
    const img = await decodePng(png);
    assert.deepEqual([img.width, img.height], [320, 200]);
    assert.ok(redPixels(img) > 100, `red line drawn (${redPixels(img)} red pixels)`);
    // Same figure without the trace: no red at all, but axes still drawn.
    const empty = await decodePng(
      await renderFigure({ data: [], layout: red().layout }, {
        format: "png",
        width: 160,
        height: 100,
      }),
    );
    assert.deepEqual([empty.width, empty.height], [160, 100]);
    assert.equal(redPixels(empty), 0);
    assert.ok(countForeground(img) > countForeground(empty));
    const svg = await renderFigure(red(), { format: "svg" });
    assert.match(svg, /^<svg/);
    assert.match(svg, /rgb\(255, 0, 0\)/);
    await assert.rejects(
      () => renderFigure(red(), { format: "gif" as "png" }),
      /format must be "png" or "svg"/,
    );
  } finally {
    await closeRenderer();
  }
});

Deno.test("renderFigure relaunches Chromium after the browser process dies", async () => {
  try {
    await renderFigure(red(), { format: "png" });
    const out = await new Deno.Command("pgrep", { args: ["-P", String(Deno.pid)] }).output();
    const pids = new TextDecoder().decode(out.stdout).trim().split("\n").filter(Boolean);
    assert.ok(pids.length > 0, "the browser runs as a child process");
    for (const pid of pids) Deno.kill(Number(pid), "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const img = await decodePng(await renderFigure(red(), { format: "png" }));
    assert.ok(redPixels(img) > 100);
  } finally {
    await closeRenderer();
  }
});

Deno.test("renderFigure leaves no bnn_plots_* folder behind, even while the browser stays open", async () => {
  const tmp = await Deno.makeTempDir();
  const old = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    await closeRenderer();
    await renderFigure(red());
    const left = [...Deno.readDirSync(tmp)].map((e) => e.name).filter((n) => n.startsWith("bnn_"));
    assert.deepEqual(left, []);
  } finally {
    await closeRenderer();
    if (old === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", old);
    await Deno.remove(tmp, { recursive: true });
  }
});

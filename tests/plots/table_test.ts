import assert from "node:assert/strict";
import { dataTable, stackTables, summaryTables } from "../../lib/plots/table.ts";

Deno.test("dataTable renders Markdown, HTML and a Jupyter display bundle", () => {
  const t = dataTable([{ a: 1, b: 0.123456, c: "x|y" }, { a: 2, d: "<i>" }], {
    digits: 2,
    caption: "Cap",
  });
  assert.deepEqual(t.columns, ["a", "b", "c", "d"]);
  const lines = t.markdown.split("\n");
  assert.equal(lines[0], "**Cap**");
  assert.equal(lines[2], "| a | b | c | d |");
  assert.equal(lines[4], "| 1 | 0.12 | x\\|y |  |");
  assert.equal(lines[5], "| 2 |  |  | <i> |");
  assert.ok(t.html.includes("<td>&lt;i&gt;</td>"));
  const display = (t as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(Object.keys(display).sort(), ["text/html", "text/markdown", "text/plain"]);
  assert.equal(display["text/markdown"], t.markdown);
  assert.throws(() => dataTable("x" as unknown as []), /rows must be an array/);
});

Deno.test("summaryTables shows layer rows and totals, in order", () => {
  const out = summaryTables({
    name: "m",
    layers: [
      { name: "conv", kernelPrecision: "1-bit", outputShape: [null, 8, 8, 4], params1bit: 108 },
      { name: "fc", kernelPrecision: "float32", outputShape: [null, 10], params1bit: 0 },
    ],
    totals: { params1bit: 108, compressionRatio: 12.3456 },
  });
  const md = out.markdown;
  assert.ok(md.indexOf("Layers of m") < md.indexOf("Totals"));
  assert.ok(md.includes("| conv | 1-bit | [N, 8, 8, 4] | 108 |"));
  assert.ok(md.includes("| 108 | 12.346 |"));
  const both = stackTables(dataTable([{ a: 1 }]), dataTable([{ b: 2 }]));
  assert.equal(both.html.split("<table>").length - 1, 2);
});

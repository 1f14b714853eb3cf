import assert from "node:assert/strict";
import { bundleOf, display } from "../../lib/notebooks/display.ts";
import { dataTable } from "../../lib/plots/table.ts";
import { lineFigure } from "../../lib/plots/figure.ts";
import { describeFigure } from "../../lib/plots/show.ts";

Deno.test("bundleOf: the Jupyter.display bundle, strings as Markdown, values as text", () => {
  const t = dataTable([{ a: 1, b: 0.5 }]);
  const b = bundleOf(t);
  assert.equal(b["text/markdown"], t.markdown);
  assert.equal(b["text/html"], t.html);
  assert.deepEqual(bundleOf("**x**"), { "text/markdown": "**x**", "text/plain": "**x**" });
  assert.deepEqual(bundleOf({ a: [1, 2] }), { "text/plain": '{\n  "a": [\n    1,\n    2\n  ]\n}' });
  assert.deepEqual(bundleOf(42), { "text/plain": "42" });
  assert.deepEqual(bundleOf(undefined), { "text/plain": "undefined" });
});

Deno.test("display outside a kernel prints each item's text, figures by their description", async () => {
  const fig = lineFigure([{ name: "a", x: [0, 1], y: [1, 0] }], { title: "F" });
  const logged: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => logged.push(a.join(" "));
  try {
    await display("hello", fig, 3);
  } finally {
    console.log = orig;
  }
  assert.deepEqual(logged, ["hello", describeFigure(fig), "3"]);
});

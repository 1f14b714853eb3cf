import assert from "node:assert/strict";
import { lintNotebook, type NotebookJson } from "../../lib/notebooks/lint.ts";

const nb = (...sources: string[]): NotebookJson => ({
  cells: sources.map((s) => ({ cell_type: "code", source: s, outputs: [] })),
});
const IMPORT = `import { show } from "../lib/mod.ts";`;

Deno.test("lintNotebook accepts short orchestration cells importing from lib/", () => {
  assert.deepEqual(
    lintNotebook(
      nb(IMPORT, `const runs = loadRuns("quick");\nawait show(bars(runs.map((r) => r.x)));`),
    ),
    [],
  );
});

Deno.test("lintNotebook flags functions, classes, loops, training calls, foreign imports", () => {
  const problems = lintNotebook(nb(
    IMPORT,
    "function train(m) { return m; }",
    "class Trainer {}",
    "const f = (x) => { return x; };",
    "for (let epoch = 0; epoch < 3; epoch++) step();",
    "while (true) {}",
    "await model.fit(x, y);",
    "trainStep(model, batch, {});",
    `import * as tf from "npm:@tensorflow/tfjs";`,
    Array.from({ length: 13 }, (_, i) => `const a${i} = ${i};`).join("\n"),
  ));
  const cells = problems.map((p) => Number(/^cell (\d+)/.exec(p)?.[1]));
  assert.deepEqual(cells, [1, 2, 3, 4, 5, 6, 7, 8, 9], problems.join("\n"));
  assert.match(problems[7], /imports "npm:@tensorflow\/tfjs"/);
  assert.match(problems[8], /13 lines \(max 12\)/);
});

Deno.test("lintNotebook ignores keywords inside strings and comments; needs a lib import", () => {
  assert.deepEqual(lintNotebook(nb(IMPORT, `// for (each) function\nmd\`a for (b) class X\``)), []);
  assert.deepEqual(lintNotebook(nb("1 + 1")), ["notebook: no cell imports from ../lib/"]);
});

Deno.test("lintNotebook requireOutputs: figures need a PNG, no inlined plotly.js", () => {
  const cellNb: NotebookJson = {
    cells: [
      { cell_type: "code", source: IMPORT },
      { cell_type: "code", source: "await show(fig);", outputs: [] },
      {
        cell_type: "code",
        source: "await show(fig2);",
        outputs: [{ output_type: "display_data", data: { "image/png": "iVBOR" } }],
      },
      {
        cell_type: "code",
        source: "x",
        outputs: [{
          output_type: "display_data",
          data: { "text/html": ["/** plotly.js v4.1.2 */"] },
        }],
      },
    ],
  };
  assert.deepEqual(lintNotebook(cellNb), []);
  assert.deepEqual(lintNotebook(cellNb, { requireOutputs: true }), [
    "cell 1: shows a figure but has no stored image/png output",
    "cell 3: output inlines plotly.js",
  ]);
});

Deno.test("every committed notebook is clean and carries its figure outputs (PNG, no plotly.js)", () => {
  const dir = new URL("../../notebooks/", import.meta.url).pathname;
  const names = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".ipynb"));
  assert.ok(names.length >= 7, `expected the 7 notebooks, found ${names.length}`);
  for (const e of names) {
    const nb = JSON.parse(Deno.readTextFileSync(`${dir}${e.name}`)) as NotebookJson;
    assert.deepEqual(lintNotebook(nb, { requireOutputs: true }), [], e.name);
    const size = Deno.statSync(`${dir}${e.name}`).size;
    assert.ok(size < 2_000_000, `${e.name} is ${size} bytes`);
  }
});

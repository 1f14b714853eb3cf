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

Deno.test("lintNotebook flags functions, classes, optimizer calls, foreign imports, length", () => {
  const problems = lintNotebook(nb(
    IMPORT,
    "function train(m) { return m; }",
    "class Trainer {}",
    "const f = (x) => { return x; };",
    "await model.fit(x, y);",
    "tf.variableGrads(f);",
    `import * as tf from "npm:@tensorflow/tfjs";`,
    Array.from({ length: 13 }, (_, i) => `const a${i} = ${i};`).join("\n"),
  ));
  const cells = problems.map((p) => Number(/^cell (\d+)/.exec(p)?.[1]));
  // fit/variableGrads cells also end with a value (their own problem line).
  assert.deepEqual(cells, [1, 2, 3, 4, 4, 5, 5, 6, 7], problems.join("\n"));
  assert.match(problems[7], /imports "npm:@tensorflow\/tfjs"/);
  assert.match(problems[8], /13 lines \(max 12\)/);
});

Deno.test("lintNotebook: a visible trainStep loop is fine; a cell must not end with a value", () => {
  const loop = "for (let epoch = 1; epoch <= 2; epoch++) {\n" +
    "  for (const batch of data.trainBatches(epoch)) {\n" +
    "    await live.onStep(trainStep(model, batch, { optimizer }));\n  }\n}";
  assert.deepEqual(lintNotebook(nb(IMPORT, loop)), []);
  assert.deepEqual(lintNotebook(nb(IMPORT, "const x = 1;\nawait display(\n  x,\n);")), []);
  assert.deepEqual(lintNotebook(nb(IMPORT, "const r = await openResults();\nr.banner")), [
    "cell 1: ends with a value (end it with `await display(...)`)",
  ]);
  assert.deepEqual(lintNotebook(nb(IMPORT, "await setupNotebook();")), [
    "cell 1: ends with a value (end it with `await display(...)`)",
  ]);
  assert.deepEqual(lintNotebook(nb(IMPORT, "dataTable(rows) // a table")), [
    "cell 1: ends with a value (end it with `await display(...)`)",
  ]);
});

Deno.test("lintNotebook ignores keywords inside strings and comments; needs a lib import", () => {
  assert.deepEqual(
    lintNotebook(nb(IMPORT, `// for (each) function\nconst m = md\`a for (b) class X\`;`)),
    [],
  );
  assert.deepEqual(lintNotebook(nb("const a = 1 + 1;")), [
    "notebook: no cell imports from ../lib/",
  ]);
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
        source: "await display(x);",
        outputs: [{
          output_type: "display_data",
          data: { "text/html": ["/** plotly.js v4.1.2 */"] },
        }],
      },
      {
        cell_type: "code",
        source: "await display(y);",
        outputs: [{ output_type: "execute_result", data: { "text/plain": "1" } }],
      },
    ],
  };
  assert.deepEqual(lintNotebook(cellNb), []);
  assert.deepEqual(lintNotebook(cellNb, { requireOutputs: true }), [
    "cell 1: shows a figure but has no stored image/png output",
    "cell 3: output inlines plotly.js",
    "cell 4: has an execute_result output (end it with `await display(...)`)",
  ]);
});

Deno.test("every committed notebook is clean and carries its figure outputs (PNG, no plotly.js)", () => {
  const dir = new URL("../../notebooks/", import.meta.url).pathname;
  const names = [...Deno.readDirSync(dir)].filter((e) =>
    e.name.endsWith(".ipynb") && !e.name.startsWith(".")
  );
  assert.ok(names.length >= 7, `expected the 7 notebooks, found ${names.length}`);
  for (const e of names) {
    const nb = JSON.parse(Deno.readTextFileSync(`${dir}${e.name}`)) as NotebookJson;
    assert.deepEqual(lintNotebook(nb, { requireOutputs: true }), [], e.name);
    const size = Deno.statSync(`${dir}${e.name}`).size;
    assert.ok(size < 2_000_000, `${e.name} is ${size} bytes`);
  }
});

import assert from "node:assert/strict";
import { ablationGrid, expandGrid, filterRuns } from "../../../lib/experiments/config/grid.ts";
import { makeConfig } from "../../../lib/experiments/config/config.ts";

Deno.test("ablationGrid: baselines and every axis of issue 5, one factor at a time", () => {
  const g = ablationGrid();
  const labels = g.map((e) => e.label);
  for (
    const l of [
      "BNN+ (default)",
      "full precision",
      "BNN (ste, no α, no R)",
      "XNOR-style (ste, fixed mean|W| α)",
      "reg=none",
      "reg=manhattan",
      "reg=euclidean",
      "α=none",
      "α=fixed/channel",
      "α=fixed/layer",
      "α=trainable/channel",
      "α=trainable/layer",
      "act=ste_sign",
      "act=approx_sign",
      "act=swish_sign β=1",
      "act=swish_sign β=2",
      "act=swish_sign β=5",
      "act=swish_sign β=10",
      "act=swish_sign β trainable",
      "λ=1e-6",
      "λ=1e-5",
      "λ=1e-4",
      "λ=1e-3",
    ]
  ) assert.ok(labels.includes(l), l);
  // One factor at a time: each non-baseline entry overrides fields of a single concept.
  const def = makeConfig();
  for (const e of g.filter((e) => e.axis !== "baseline")) {
    const c = makeConfig(e.overrides);
    const changed = Object.keys(c).filter((k) => (c as never)[k] !== (def as never)[k]);
    const allowed: Record<string, string[]> = {
      regularizer: ["regularizer", "lambda"],
      scale: ["scale", "scaleShape"],
      backward: ["inputQuantizer", "kernelQuantizer", "beta", "trainableBeta"],
      lambda: ["lambda"],
    };
    for (const k of changed) assert.ok(allowed[e.axis].includes(k), `${e.label} changes ${k}`);
  }
});

Deno.test("expandGrid: identical configs are merged (labels kept), seeds multiply rows", async () => {
  const runs = await expandGrid(ablationGrid(), { seeds: [0, 1] });
  const keys = new Set(runs.map((r) => r.configKey));
  assert.equal(runs.length, keys.size * 2);
  assert.equal(new Set(runs.map((r) => r.runId)).size, runs.length);
  const def = runs.find((r) => r.labels[0] === "BNN+ (default)")!;
  for (const alias of ["reg=euclidean", "α=trainable/channel", "act=swish_sign β=5", "λ=1e-5"]) {
    assert.ok(def.labels.includes(alias), alias);
  }
  // No two rows have the same config.
  const seen = new Set(
    runs.filter((r) => r.config.seed === 0).map((r) => JSON.stringify(r.config)),
  );
  assert.equal(seen.size, keys.size);
  await assert.rejects(() => expandGrid(ablationGrid(), { seeds: [] }), /at least one seed/);
  await assert.rejects(
    () => expandGrid([{ axis: "x", label: "bad", overrides: { width: -1 } }], { seeds: [0] }),
    /grid entry 'bad': config: field 'width'/,
  );
});

Deno.test("filterRuns: substring (case-insensitive) or /regex/ over ids, labels and axes", async () => {
  const runs = await expandGrid(ablationGrid(), { seeds: [0] });
  assert.equal(filterRuns(runs, undefined).length, runs.length);
  const sw = filterRuns(runs, "SWISH_SIGN β=1");
  assert.deepEqual(sw.map((r) => r.labels[0]), ["act=swish_sign β=1", "act=swish_sign β=10"]);
  assert.deepEqual(filterRuns(runs, "/β=1$/").map((r) => r.labels[0]), ["act=swish_sign β=1"]);
  // The λ axis: three sweep rows plus the default row (which is λ=1e-5).
  assert.equal(filterRuns(runs, "lambda").length, 4);
  assert.deepEqual(filterRuns(runs, runs[3].runId), [runs[3]]);
  assert.throws(
    () => filterRuns(runs, "/(/"),
    /--only: '\/\(\/' is not a valid regular expression/,
  );
});

Deno.test("expandGrid: an entry's seeds cap its row; merged entries take the largest", async () => {
  const entries = [
    { axis: "baseline", label: "default", overrides: {} },
    { axis: "lambda", label: "λ=1e-5", overrides: { lambda: 1e-5 }, seeds: 1 }, // = default
    {
      axis: "regularizer",
      label: "reg=none",
      overrides: { regularizer: "none" as const },
      seeds: 2,
    },
  ];
  const runs = await expandGrid(entries, { seeds: [0, 1, 2] });
  const seedsOf = (label: string) =>
    runs.filter((r) => r.labels[0] === label).map((r) => r.config.seed);
  assert.deepEqual(seedsOf("default"), [0, 1, 2]);
  assert.deepEqual(seedsOf("reg=none"), [0, 1]);
  assert.equal(runs.length, 5);
  await assert.rejects(
    () => expandGrid([{ axis: "x", label: "bad", overrides: {}, seeds: 0 }], { seeds: [0] }),
    /grid entry 'bad': seeds is 0; expected at least 1/,
  );
});

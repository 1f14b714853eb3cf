import assert from "node:assert/strict";
import {
  ablationBars,
  ablationCurves,
  ablationTable,
  ablationTelemetry,
  fullTable,
  loadResults,
  NoResultsError,
  paperTable,
  presetAgreementTable,
  rankingStabilityTable,
  telemetryValue,
} from "../../lib/results/views.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("loadResults returns the preset's runs with a banner naming it", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "quick", standardRuns());
  try {
    const res = loadResults("quick", { resultsDir: dir });
    assert.equal(res.preset, "quick");
    assert.equal(res.fallback, false);
    assert.equal(res.runs.length, standardRuns().length);
    assert.match(res.banner.markdown, /preset \*\*quick\*\*: 8 runs \(7 finished\)/);
    const display = (res.banner as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]();
    assert.equal(display["text/markdown"], res.banner.markdown);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadResults falls back to existing smoke results with a warning banner", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "smoke", standardRuns());
  try {
    const res = loadResults("quick", { resultsDir: dir });
    assert.equal(res.preset, "smoke");
    assert.equal(res.fallback, true);
    assert.match(
      res.banner.markdown,
      /No results for preset `quick`: showing the `smoke` grid\*\* \(7 finished runs, tiny synthetic data, 2 epochs\)/,
    );
    assert.match(res.banner.markdown, /mean nothing/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadResults without any results names both presets (typed error, runs nothing)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.throws(
      () => loadResults("quick", { resultsDir: dir }),
      /no finished runs for preset "quick" nor "smoke"/,
    );
    assert.throws(() => loadResults("smoke", { resultsDir: dir }), NoResultsError);
    assert.deepEqual([...Deno.readDirSync(dir)], []); // nothing was run or written
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ablation table, bars and curves agree with the runs, in grid order", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const runs = readRuns(dir, "p");
    const t = ablationTable(runs, "regularizer");
    assert.deepEqual(t.rows.map((r) => r["regularizer type"]), [
      "reg=none",
      "reg=manhattan",
      "reg=euclidean",
    ]);
    assert.deepEqual(t.rows.map((r) => r["test acc %"]), ["52.00 ± 2.83", "–", "61.00 ± 1.41"]);
    const bars = ablationBars(runs, "regularizer");
    assert.deepEqual(bars.data[0].y, ["reg=none", "reg=euclidean"]); // failed-only row: no bar
    const err = (bars.data[0].error_x as { array: number[] }).array;
    assert.deepEqual(err.map((v) => v.toFixed(2)), ["2.83", "1.41"]);
    assert.deepEqual((bars.data[0].x as number[]).map((v) => v.toFixed(2)), ["52.00", "61.00"]);
    const curves = ablationCurves(runs, "regularizer");
    assert.deepEqual(curves.data.map((d) => d.name), [
      "reg=none",
      "reg=manhattan",
      "reg=euclidean",
    ]);
    assert.deepEqual((curves.data[0].y as number[]).map((v) => v.toFixed(2)), ["40.00", "52.00"]);
    const loss = ablationCurves(runs, "regularizer", { metric: "loss" });
    assert.deepEqual((loss.data[0].y as number[]).map((v) => v.toFixed(2)), ["1.60", "1.48"]);
    assert.throws(() => ablationBars(runs, "nope"), /no finished runs on axis "nope"/);
    const full = fullTable(runs);
    assert.deepEqual(full.rows.map((r) => r.row), [
      "BNN+ (default)",
      "reg=none",
      "reg=manhattan",
      "reg=euclidean",
      "α=none",
      "AlexNet: BNN+ (default)",
    ]);
    assert.equal(full.rows[1]["test acc %"], "52.00 ± 2.83");
    const p = paperTable(runs);
    assert.equal(p.rows.find((r) => r.network === "VGG")!["ours %"], "61.00 ± 1.41");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("telemetry per epoch: size-weighted over layers, mean over seeds", () => {
  const line = {
    epoch: 2,
    telemetry: {
      flipRatio: 0.05,
      layers: [{ size: 10, nearAlpha: 0.8, alpha: { mean: 0.1 } }, {
        size: 30,
        nearAlpha: 0.4,
        alpha: { mean: 0.3 },
      }],
    },
  };
  assert.equal(telemetryValue(line, "flips"), 0.05);
  assert.ok(Math.abs(telemetryValue(line, "nearAlpha") - 0.5) < 1e-12);
  assert.ok(Math.abs(telemetryValue(line, "alpha") - 0.25) < 1e-12);
  assert.ok(Number.isNaN(telemetryValue({ epoch: 1 }, "flips")));
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const runs = readRuns(dir, "p");
    const near = ablationTelemetry(runs, "regularizer", { kind: "nearAlpha" });
    const none = near.data.find((d) => d.name === "reg=none")!;
    // reg=none: testAcc per epoch 0.4 and mean(0.5, 0.54) = 0.52; near share = 0.625·acc.
    assert.deepEqual((none.y as number[]).map((v) => v.toFixed(4)), ["0.2500", "0.3250"]);
    const flips = ablationTelemetry(runs, "regularizer", { kind: "flips" });
    assert.deepEqual(flips.data.find((d) => d.name === "reg=none")!.x, [2]); // epoch 1: null
    assert.throws(() => ablationTelemetry(runs, "nope"), /no runs on axis "nope"/);
    // Runs without telemetry: an explanatory empty figure, not an error.
    for (const r of runs) r.metrics.forEach((m) => delete m.telemetry);
    const empty = ablationTelemetry(runs, "regularizer");
    assert.equal(empty.data.length, 0);
    assert.match(JSON.stringify(empty.layout.annotations), /No telemetry/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ablationTable/fullTable: n, CI and paired differences vs the BNN+ default", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "quick", standardRuns());
  try {
    const runs = readRuns(dir, "quick");
    const t = ablationTable(runs, "regularizer");
    const none = t.rows[0];
    // reg=none − default at seeds 0, 1: d = [−10, −8] → mean −9, sem 1, t = −9 with 1 dof:
    // p = 1 − (2/π)·atan 9 = 0.0704, CI −9 ± 12.7062.
    assert.equal(none.n, 2);
    assert.equal(none["Δ vs BNN+ default [95 % CI]"], "-9.00 [-21.71, 3.71] p=0.070 n.s.");
    assert.equal(none["Δ vs BNN [95 % CI]"], "—"); // no BNN row in this store
    assert.equal(t.rows[2]["Δ vs BNN+ default [95 % CI]"], "—"); // the default itself
    assert.match(t.markdown, /seeds per row resolve a 1-point difference/);
    const full = fullTable(runs);
    assert.equal(full.rows[1]["95 % CI"], "[26.59, 77.41]"); // 52 ± 12.7062·2
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rankingStabilityTable / presetAgreementTable: τ per epoch and across presets", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "quick", standardRuns());
  try {
    const runs = readRuns(dir, "quick");
    // vgg rows: default (0.5 → 0.61), reg=none (0.4 → 0.52), α=none (0.3 → 0.45): same order at
    // both epochs (reg=manhattan failed, AlexNet is another model).
    const t = rankingStabilityTable(runs);
    assert.deepEqual(t.rows.map((r) => r["Kendall τ-b vs last epoch"]), ["1.000", "1.000"]);
    assert.deepEqual(t.rows.map((r) => r.rows), [3, 3]);
    const a = presetAgreementTable({ preset: "quick", runs }, { preset: "standard", runs });
    assert.equal(a.rows[0]["Kendall τ-b"], "1.000");
    assert.equal(a.rows[0]["pairs flipped"], "0 of 3");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/**
 * Comparing local runs with shared ones: bit-identical numbers give "identical", any changed value
 * (even one ulp) is listed with both values, missing and unfinished runs are counted apart.
 */
import assert from "node:assert/strict";
import { type ComparableRun, compareRuns, formatComparison } from "../../lib/results/compare.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { comparisonText } from "../../lib/cli/reproduce.ts";
import { writeFakeStore } from "./_fixture.ts";

function run(id: string, testAcc: number[], status: string | null = "done"): ComparableRun {
  return {
    record: { runId: id, labels: ["BNN+ default"], config: { seed: 1 } },
    summary: status ? { status, finalTestAcc: testAcc.at(-1) } : null,
    metrics: testAcc.map((a, i) => ({ epoch: i + 1, testAcc: a, loss: 1.5, seconds: 10 + i })),
  };
}

Deno.test("compareRuns: identical, one ulp different, missing shared, unfinished", () => {
  const x = 0.3166;
  const ulp = x + Number.EPSILON * x; // next representable double above x (or close to it)
  assert.notEqual(ulp, x);
  const local = [
    run("a", [0.2, x]),
    run("b", [0.2, ulp]),
    run("c", [0.1]),
    run("d", [0.2], null),
  ];
  // Timings differ between machines and are not compared.
  const shared = [run("a", [0.2, x]), run("b", [0.2, x]), run("d", [0.2])];
  shared[0].metrics[1].seconds = 99;
  const rep = compareRuns(local, shared);
  assert.deepEqual(rep.runs.map((r) => r.status), [
    "identical",
    "different",
    "no-shared",
    "unfinished",
  ]);
  assert.equal(rep.identical, 1);
  assert.equal(rep.compared, 2);
  assert.deepEqual(rep.runs[1].differences, [
    { epoch: 2, field: "testAcc", local: ulp, shared: x },
  ]);
  const text = formatComparison(rep, "results/quick");
  assert.match(text, /^1\/2 runs identical to the shared results in results\/quick\/; 1 differ:/);
  assert.match(text, /b \(BNN\+ default s1\): 1 value\(s\) differ/);
  assert.match(text, new RegExp(`epoch 2 testAcc: ${ulp} here, ${x} shared`));
  assert.match(text, /1 of 4 run\(s\) have no finished shared counterpart/);
  assert.match(text, /1 of 4 run\(s\) did not finish here/);
});

Deno.test("compareRuns: a difference between thread counts is named with its reason", () => {
  const [a, b] = [run("a", [0.2, 0.3]), run("a", [0.2, 0.31])];
  a.summary!.backend = "wasm×2";
  b.summary!.backend = "wasm×1";
  const rep = compareRuns([a], [b]);
  assert.deepEqual(rep.runs[0].backends, { local: "wasm×2", shared: "wasm×1" });
  const text = formatComparison(rep, "results/quick");
  assert.match(
    text,
    /1 differing run\(s\) ran on another backend or thread count \(wasm×2 here, wasm×1 shared\)/,
  );
  // Same numbers on another backend: identical, and nothing to explain.
  const same = compareRuns([a], [{ ...a, summary: { ...a.summary!, backend: "wasm×1" } }]);
  assert.equal(same.runs[0].status, "identical");
  assert.equal(same.runs[0].backends, undefined);
  assert.doesNotMatch(formatComparison(same, "results/quick"), /thread count/);
});

Deno.test("compareRuns: a different number of epochs is a difference, not a crash", () => {
  const rep = compareRuns([run("a", [0.1, 0.2, 0.3])], [run("a", [0.1, 0.2])]);
  assert.equal(rep.runs[0].status, "different");
  assert.deepEqual(rep.runs[0].differences[0], { epoch: 0, field: "epochs", local: 3, shared: 2 });
});

Deno.test("comparisonText: reads both stores; all identical, then one changed value", () => {
  const shared = Deno.makeTempDirSync({ prefix: "bnn-shared-" });
  const local = Deno.makeTempDirSync({ prefix: "bnn-local-" });
  const runs = [
    { labels: ["BNN+ default"], axes: ["baseline"], seed: 0, accs: [0.2, 0.31] },
    { labels: ["BNN+ default"], axes: ["baseline"], seed: 1, accs: [0.22, 0.33] },
  ];
  writeFakeStore(shared, "quick", runs);
  writeFakeStore(local, "quick", runs);
  assert.equal(
    comparisonText(local, "quick", shared),
    `2/2 runs identical to the shared results in ${shared}/quick/`,
  );
  const id = readRuns(local, "quick")[1].record.runId;
  const path = `${local}/quick/runs/${id}/metrics.jsonl`;
  Deno.writeTextFileSync(
    path,
    Deno.readTextFileSync(path).replace('"testAcc":0.33', '"testAcc":0.3301'),
  );
  const text = comparisonText(local, "quick", shared)!;
  assert.match(text, /^1\/2 runs identical .*; 1 differ:/);
  assert.match(text, /epoch 2 testAcc: 0\.3301 here, 0\.33 shared \(Δ 1\.00e-4\)/);
  assert.equal(comparisonText(shared, "quick", shared), null, "same folder: nothing to compare");
  Deno.removeSync(shared, { recursive: true });
  Deno.removeSync(local, { recursive: true });
});

import assert from "node:assert/strict";
import { axesOf } from "../../lib/results/runs.ts";
import { defaultResultsDir, readRuns } from "../../lib/experiments/store/store.ts";
import { notebookPreset } from "../../lib/notebooks/setup.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("readRuns reads config, summary and metrics of every run, sorted", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const runs = readRuns(dir, "p");
    assert.equal(runs.length, standardRuns().length);
    assert.deepEqual(runs.map((r) => r.record.runId), [...runs.map((r) => r.record.runId)].sort());
    assert.deepEqual(runs[0].metrics.map((m) => m.testAcc), [0.5, 0.6]);
    assert.equal(runs[0].summary?.status, "done");
    assert.deepEqual(axesOf(runs), ["baseline", "regularizer", "scale", "model"]);
    assert.deepEqual(axesOf([...runs].reverse()), ["baseline", "regularizer", "scale", "model"]);
    assert.deepEqual(readRuns(dir, "absent"), []);
    // A run folder without config.json is not a run; a broken metrics line is an error.
    Deno.mkdirSync(`${dir}/p/runs/zzz-empty`);
    assert.equal(readRuns(dir, "p").length, standardRuns().length);
    Deno.writeTextFileSync(`${dir}/p/runs/run000/metrics.jsonl`, "{bad\n");
    assert.throws(() => readRuns(dir, "p"), /run000\/metrics.jsonl line 1/);
    assert.throws(() => readRuns(dir, "../x"), /plain folder name/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("defaultResultsDir and notebookPreset follow the environment", () => {
  const old = [Deno.env.get("BNN_RESULTS_DIR"), Deno.env.get("BNN_PRESET")];
  try {
    Deno.env.set("BNN_RESULTS_DIR", "/x/r");
    Deno.env.set("BNN_PRESET", "smoke");
    assert.equal(defaultResultsDir(), "/x/r");
    assert.equal(notebookPreset(), "smoke");
    Deno.env.delete("BNN_RESULTS_DIR");
    Deno.env.delete("BNN_PRESET");
    assert.match(defaultResultsDir(), /\/results$/);
    assert.equal(notebookPreset(), "quick");
  } finally {
    old[0] === undefined
      ? Deno.env.delete("BNN_RESULTS_DIR")
      : Deno.env.set("BNN_RESULTS_DIR", old[0]);
    old[1] === undefined ? Deno.env.delete("BNN_PRESET") : Deno.env.set("BNN_PRESET", old[1]);
  }
});

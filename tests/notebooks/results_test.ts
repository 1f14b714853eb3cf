import assert from "node:assert/strict";
import { openResults } from "../../lib/notebooks/results.ts";
import { NoResultsError } from "../../lib/results/views.ts";
import { standardRuns, writeFakeStore } from "../results/_fixture.ts";

Deno.test("openResults shows existing results without running anything", async () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "smoke", standardRuns());
  try {
    const res = await openResults("quick", { resultsDir: dir });
    assert.equal(res.preset, "smoke");
    assert.equal(res.fallback, true);
    assert.equal(res.runs.length, standardRuns().length);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["smoke"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openResults without any results (and not allowed to run) names both presets", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await assert.rejects(
      () => openResults("quick", { resultsDir: dir, run: false }),
      /no finished runs for preset "quick" nor "smoke"/,
    );
    await assert.rejects(
      () => openResults("quick", { resultsDir: dir, run: false }),
      NoResultsError,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { PAPER_NUMBERS, paperComparison } from "../../lib/results/paper.ts";
import { readRuns } from "../../lib/results/runs.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("paperComparison pairs each published number with our default row of that network", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const rows = paperComparison(readRuns("p", { resultsDir: dir }));
    assert.equal(rows.length, PAPER_NUMBERS.length);
    const vgg = rows.find((r) => r.network === "VGG")!;
    assert.equal(vgg.paper, 0.913);
    assert.ok(Math.abs(vgg.ours! - 0.61) < 1e-12);
    assert.equal(vgg.seeds, 2);
    assert.ok(Math.abs(vgg.gap! - (0.61 - 0.913)) < 1e-12);
    const alex = rows.filter((r) => r.network === "AlexNet");
    assert.deepEqual(alex.map((r) => [r.paper, r.ours, r.seeds]), [[0.865, 0.7, 1], [
      0.874,
      0.7,
      1,
    ]]);
    const dorefa = rows.find((r) => r.network === "DoReFa-Net")!;
    assert.equal(dorefa.ours, null);
    assert.match(dorefa.note, /not run/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { PAPER_NUMBERS, paperComparison } from "../../lib/results/paper.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { standardRuns, writeFakeStore } from "./_fixture.ts";

Deno.test("paperComparison pairs each published number with our default row of that network", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "p", standardRuns());
  try {
    const rows = paperComparison(readRuns(dir, "p"));
    assert.equal(rows.length, PAPER_NUMBERS.length);
    const vgg = rows.find((r) => r.network === "VGG")!;
    // Percent, like every accuracy in the tables.
    assert.equal(vgg.paper, 91.3);
    assert.ok(Math.abs(vgg.ours! - 61) < 1e-9);
    assert.equal(vgg.seeds, 2);
    assert.ok(Math.abs(vgg.gap! - (61 - 91.3)) < 1e-9);
    const alex = rows.filter((r) => r.network === "AlexNet");
    assert.deepEqual(alex.map((r) => [r.paper, r.ours, r.seeds]), [[86.5, 70, 1], [
      87.4,
      70,
      1,
    ]]);
    const dorefa = rows.find((r) => r.network === "DoReFa-Net")!;
    assert.equal(dorefa.ours, null);
    assert.match(dorefa.note, /not run/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

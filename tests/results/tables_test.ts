import assert from "node:assert/strict";
import {
  materializeRuns,
  runDir,
  type RunSummary,
  writeMetrics,
} from "../../lib/experiments/store/store.ts";
import { writeJsonAtomicSync } from "../../lib/util/atomic.ts";
import { planPreset } from "../../lib/experiments/config/presets.ts";
import { writeTables } from "../../lib/results/tables.ts";
import { PAPER_NUMBERS } from "../../lib/results/paper.ts";

function summary(
  runId: string,
  configKey: string,
  acc: number,
  status: "done" | "failed" = "done",
): RunSummary {
  return {
    runId,
    configKey,
    status,
    ...(status === "failed" ? { reason: "non-finite loss (NaN)" } : {}),
    epochs: 2,
    epochsPlanned: 2,
    finalTestAcc: status === "done" ? acc : null,
    finalTrainAcc: acc,
    bestTestAcc: acc,
    trainSeconds: 10,
    backend: "cpu",
    backends: ["cpu"],
    host: "h",
    cpu: "CPU X",
    cores: 2,
    params: 1,
    resumedFrom: 0,
    resumes: 0,
    finishedAt: new Date().toISOString(),
  };
}

Deno.test("writeTables: one row per config, mean ± std over seeds, failures and pending marked", async () => {
  const dir = Deno.makeTempDirSync();
  const runs = await planPreset("smoke", { seeds: 3 });
  materializeRuns(dir, "smoke", runs);
  const rows = [...new Set(runs.map((r) => r.configKey))];
  const accs = [0.5, 0.6, 0.8];
  // Row 0: three seeds done; row 1: one seed failed; others: nothing (pending).
  runs.filter((r) => r.configKey === rows[0]).forEach((r, i) =>
    writeJsonAtomicSync(
      `${runDir(dir, "smoke", r.runId)}/summary.json`,
      summary(r.runId, r.configKey, accs[i]),
    )
  );
  const r1 = runs.filter((r) => r.configKey === rows[1]);
  writeJsonAtomicSync(
    `${runDir(dir, "smoke", r1[0].runId)}/summary.json`,
    summary(r1[0].runId, r1[0].configKey, 0, "failed"),
  );
  const paths = await writeTables(dir, "smoke");
  const table = JSON.parse(Deno.readTextFileSync(paths.json));
  assert.equal(table.rows.length, rows.length);
  const row0 = table.rows[0];
  assert.equal(row0.label, "BNN+ (default)");
  assert.equal(row0.seedsDone, 3);
  const m = (50 + 60 + 80) / 3;
  assert.ok(Math.abs(row0.testAccMean - m) < 1e-9);
  const sd = Math.sqrt(((50 - m) ** 2 + (60 - m) ** 2 + (80 - m) ** 2) / 2);
  assert.ok(Math.abs(row0.testAccStd - sd) < 1e-9);
  assert.equal(row0.status, "ok");
  assert.equal(table.rows[1].status, "failed");
  assert.deepEqual(table.rows[1].failed.map((f: { reason: string }) => f.reason), [
    "non-finite loss (NaN)",
  ]);
  assert.ok(table.rows.slice(2).every((r: { status: string }) => r.status === "pending"));
  const md = Deno.readTextFileSync(paths.md);
  assert.match(md, new RegExp(`${m.toFixed(2)} ± ${sd.toFixed(2)}`));
  assert.match(md, /FAILED/);
  assert.match(md, /CPU X \(2 cores, h\)/);
  for (const p of PAPER_NUMBERS) assert.ok(md.includes(`| ${p.network} | ${p.top1} |`), p.network);
  assert.match(md, /v1 arXiv listing says 86\.7/);
  const csv = Deno.readTextFileSync(paths.csv).trim().split("\n");
  assert.equal(csv.length, rows.length + 1);
  assert.match(csv[1], new RegExp(`,3,3,3,${m.toFixed(4)},${sd.toFixed(4)},`));
  assert.deepEqual([...Deno.readDirSync(`${dir}/smoke`)].map((e) => e.name).sort(), [
    "runs",
    "table.csv",
    "table.json",
    "table.md",
  ]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("writeTables: CI, paired differences vs BNN+ default and BNN, chance runs excluded", async () => {
  const dir = Deno.makeTempDirSync();
  const runs = await planPreset("quick", { seeds: 3 });
  materializeRuns(dir, "quick", runs);
  const byLabel = (l: string) => runs.filter((r) => r.labels[0] === l);
  const write = (l: string, accs: number[], trainAcc1: number[] = [0.6, 0.6, 0.6]) =>
    byLabel(l).forEach((r, i) => {
      const d = runDir(dir, "quick", r.runId);
      writeJsonAtomicSync(`${d}/summary.json`, summary(r.runId, r.configKey, accs[i]));
      writeMetrics(d, [{
        epoch: 1,
        loss: 1,
        ce: 1,
        penalty: 0,
        trainAcc: trainAcc1[i],
        testLoss: 1,
        testAcc: accs[i],
        lr: 1e-3,
        seconds: 1,
        imagesPerSec: 1,
        backend: "cpu",
      }]);
    });
  write("BNN+ (default)", [0.30, 0.31, 0.295]);
  write("BNN (ste, no α, no R)", [0.38, 0.395, 0.38]);
  // reg=none: seed 1 never left chance (quick: 10 classes, 9 000 images: threshold 0.1 + 3σ
  // = 0.1095), so its accuracy is listed, not averaged.
  write("reg=none", [0.31, 0.10, 0.30], [0.6, 0.109, 0.6]);
  const paths = await writeTables(dir, "quick");
  const table = JSON.parse(Deno.readTextFileSync(paths.json));
  const row = (l: string) => table.rows.find((r: { label: string }) => r.label === l);
  const def = row("BNN+ (default)"), bnn = row("BNN (ste, no α, no R)"), reg = row("reg=none");
  // default − BNN at seeds 0,1,2: d = [−8, −8.5, −8.5]: t = −50 with 2 dof (statistics_test).
  assert.ok(Math.abs(def.stats.vsBaseline.meanDiff + 25 / 3) < 1e-9);
  assert.ok(Math.abs(def.stats.vsBaseline.t + 50) < 1e-6);
  assert.equal(bnn.stats.vsBaseline, null);
  assert.equal(def.stats.vsDefault, null);
  assert.deepEqual(reg.flagged.map((f: { seed: number }) => f.seed), [1]);
  assert.ok(Math.abs(reg.testAccMean - 30.5) < 1e-9, "seed 1 not averaged in");
  assert.deepEqual(reg.stats.vsDefault.seeds, [0, 2]);
  assert.equal(reg.stats.vsDefault.significant, false);
  assert.equal(reg.seedsDone, 3);
  assert.ok(table.statistics.seedsToResolve >= 2);
  const md = Deno.readTextFileSync(paths.md);
  assert.match(md, /\| n \| test acc % \(mean ± std\) \| 95 % CI \| Δ vs BNN\+ default/);
  assert.match(md, /\| -8\.33 \[-9\.05, -7\.62\] p<0\.001 \|/);
  assert.match(md, /n\.s\./);
  assert.match(md, /1 run\(s\) at chance after epoch 1, not averaged: seed 1 \(test 10\.00 %\)/);
  assert.match(md, /seeds per row resolve a 1-point difference/);
  const csv = Deno.readTextFileSync(paths.csv).trim().split("\n");
  // CSV fields: quoted ones may hold commas ("" = a quote).
  const fields = (line: string) =>
    [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]).slice(0, -1);
  const cols = fields(csv[0]);
  const defCsv = fields(csv[1]);
  assert.equal(defCsv.length, cols.length);
  assert.equal(defCsv[cols.indexOf("significant_vs_bnn")], "true");
  assert.equal(Number(defCsv[cols.indexOf("p_vs_bnn")]), Number(def.stats.vsBaseline.p.toFixed(6)));
  Deno.removeSync(dir, { recursive: true });
});

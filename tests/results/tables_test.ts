import assert from "node:assert/strict";
import { materializeRuns, runDir, type RunSummary } from "../../lib/experiments/store/store.ts";
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
  assert.match(csv[1], new RegExp(`,3,3,${m.toFixed(4)},${sd.toFixed(4)},`));
  assert.deepEqual([...Deno.readDirSync(`${dir}/smoke`)].map((e) => e.name).sort(), [
    "runs",
    "table.csv",
    "table.json",
    "table.md",
  ]);
  Deno.removeSync(dir, { recursive: true });
});

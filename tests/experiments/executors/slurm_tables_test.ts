import assert from "node:assert/strict";
import {
  failuresSection,
  markSlurmFailures,
} from "../../../lib/experiments/executors/slurm_tables.ts";

const failure = {
  runId: "r2",
  index: 1,
  element: "12_1",
  log: "/res/smoke/slurm/logs/12_1.out",
  reason: "Slurm state TIMEOUT | log: x",
};

Deno.test("markSlurmFailures: rows and the md table name each failed element", async () => {
  const dir = await Deno.makeTempDir();
  const paths = { md: `${dir}/table.md`, csv: `${dir}/table.csv`, json: `${dir}/table.json` };
  const rows = [
    { label: "full precision", runIds: ["r1"], status: "ok" },
    { label: "BNN", runIds: ["r2", "r3"], status: "partial" },
  ];
  await Deno.writeTextFile(paths.json, JSON.stringify({ preset: "smoke", rows }));
  await Deno.writeTextFile(paths.md, "# Results\n\n| row |\n|---|\n");
  await Deno.writeTextFile(paths.csv, "label\n");

  await markSlurmFailures(paths, []);
  assert.equal(await Deno.readTextFile(paths.md), "# Results\n\n| row |\n|---|\n");

  await markSlurmFailures(paths, [failure]);
  const t = JSON.parse(await Deno.readTextFile(paths.json));
  assert.equal(t.rows[0].slurmFailures, undefined);
  assert.deepEqual(t.rows[1].slurmFailures, [
    { runId: "r2", element: "12_1", reason: failure.reason, log: failure.log },
  ]);
  assert.deepEqual(t.slurm.failures, [failure]);
  const md = await Deno.readTextFile(paths.md);
  assert.ok(md.startsWith("# Results\n\n| row |\n|---|\n\n## Runs that did not finish on Slurm"));
  assert.ok(
    md.includes(
      "| BNN | r2 | 12_1 | Slurm state TIMEOUT \\| log: x | /res/smoke/slurm/logs/12_1.out |",
    ),
    md,
  );
  assert.equal(await Deno.readTextFile(paths.csv), "label\n");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "table.csv",
    "table.json",
    "table.md",
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("failuresSection: empty without failures; unknown rows are marked '?'", () => {
  assert.equal(failuresSection([], () => "x"), "");
  const s = failuresSection([{ ...failure, reason: "a\nb" }], () => "?");
  assert.match(s, /\| \? \| r2 \| 12_1 \| a b \|/);
});

import assert from "node:assert/strict";
import { parseArgs } from "../../lib/cli/args.ts";
import { DATA_FLAGS, dataOptionsFromFlags, slurmExecutor } from "../../lib/cli/flags.ts";

Deno.test("--data-dir flag maps to the dataDir option", () => {
  const { flags } = parseArgs(["--data-dir", "/x/y"], DATA_FLAGS);
  assert.deepEqual(dataOptionsFromFlags(flags), { dataDir: "/x/y" });
  assert.deepEqual(dataOptionsFromFlags(parseArgs([], DATA_FLAGS).flags), {});
});

Deno.test("slurmExecutor: local gives null; Slurm-only flags or an unknown executor are errors", async () => {
  assert.equal(await slurmExecutor({ preset: "smoke", executor: "local" }), null);
  assert.equal(await slurmExecutor({ preset: "smoke", submit: false }), null);
  await assert.rejects(
    () => slurmExecutor({ preset: "smoke", executor: "local", submit: true, time: "10" }),
    /^ArgsError: --time, --submit: only with --executor slurm$/,
  );
  await assert.rejects(
    () => slurmExecutor({ preset: "smoke", executor: "pbs" }),
    /^ArgsError: --executor: unknown value 'pbs'.*expected one of local, slurm$/,
  );
  await assert.rejects(
    () => slurmExecutor({ preset: "smoke", executor: "slurm", "cpus-per-task": "0" }),
    /^ArgsError: --cpus-per-task: expected a positive integer, got '0'$/,
  );
  await assert.rejects(
    () => slurmExecutor({ preset: "smoke", executor: "slurm", time: "1h" }),
    /--time: '1h' is not a Slurm time/,
  );
});

import assert from "node:assert/strict";
import { benchOutDir } from "../../lib/cli/bench.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("bench writes the shared results/bench/ only with --save; else a git-ignored folder", async () => {
  assert.equal(benchOutDir({}), `${ROOT}results/local/bench`);
  assert.equal(benchOutDir({ save: true }), `${ROOT}results/bench`);
  assert.equal(benchOutDir({ out: "/x" }), "/x");
  assert.throws(() => benchOutDir({ out: "/x", save: true }), /exclude each other/);
  const ignored = await new Deno.Command("git", {
    args: ["check-ignore", "-q", `${benchOutDir({})}/latest.md`],
    cwd: ROOT,
  }).output();
  assert.equal(ignored.code, 0, "the default bench folder is git-ignored");
  const shared = await new Deno.Command("git", {
    args: ["check-ignore", "-q", `${benchOutDir({ save: true })}/latest.md`],
    cwd: ROOT,
  }).output();
  assert.equal(shared.code, 1, "results/bench/ is tracked");
});

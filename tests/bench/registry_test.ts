import assert from "node:assert/strict";
import { registerBenchSection, runBench } from "../../lib/bench/mod.ts";
import { initBackend } from "../../lib/backend/mod.ts";

await initBackend({ backend: "wasm", quiet: true });

registerBenchSection({
  name: "test-ok",
  description: "a section that returns one row",
  run: (ctx) => Promise.resolve({ rows: [{ a: 1.234, quick: String(ctx.quick) }], notes: ["n1"] }),
});
registerBenchSection({
  name: "test-fail",
  description: "a section that throws",
  run: () => Promise.reject(new Error("boom")),
});

Deno.test("registerBenchSection rejects a duplicate name", () => {
  assert.throws(
    () =>
      registerBenchSection({
        name: "test-ok",
        description: "",
        run: () => Promise.resolve({ rows: [] }),
      }),
    /"test-ok" already exists/,
  );
});

Deno.test("runBench runs the chosen sections, reports failures, writes JSON + Markdown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { markdown, results } = await runBench({
      quick: true,
      only: ["test-ok", "test-fail"],
      outDir: dir,
      log: () => {},
    });
    assert.deepEqual(results["test-ok"], { rows: [{ a: 1.234, quick: "true" }], notes: ["n1"] });
    assert.deepEqual(results["test-fail"], { error: "boom" });
    assert.match(markdown, /## test-ok[\s\S]*\| a \| quick \|[\s\S]*\| 1\.23 \| true \|/);
    assert.match(markdown, /## test-fail[\s\S]*FAILED: boom/);
    assert.match(markdown, /Machine: .+, \d+ cores/);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/latest.json`));
    assert.equal(json.results["test-ok"].rows[0].a, 1.234);
    assert.equal(await Deno.readTextFile(`${dir}/latest.md`), markdown);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.equal(files.length, 4);
    assert.ok(files.every((f) => !f.endsWith(".tmp")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

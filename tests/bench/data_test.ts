import assert from "node:assert/strict";
import { stepMsFrom } from "../../lib/bench/data.ts";
import { benchSections } from "../../lib/bench/registry.ts";

Deno.test("data bench: step time is the fastest tfjs bench-vgg row, torch rows ignored", () => {
  const rows = [
    { net: "bench-vgg", engine: "tfjs-wasm", batch: 64, train_img_s: 80 },
    { net: "bench-vgg", engine: "tfjs-cpu", batch: 8, train_img_s: 0.5 },
    { net: "bench-vgg", engine: "torch 1.13 (2 threads)", batch: 64, train_img_s: 500 },
    { net: "bench-vgg-binary", engine: "tfjs-wasm", batch: 64, train_img_s: 200 },
  ];
  const got = stepMsFrom({ training: { rows } });
  assert.deepEqual(got, { ms: (64 / 80) * 1000, engine: "tfjs-wasm" });
  assert.equal(stepMsFrom({}), null);
});

Deno.test("data bench: the section runs (quick) and reports a share of the step", async () => {
  const section = benchSections().find((s) => s.name === "data");
  assert.ok(section, "data section registered by importing lib/bench/data.ts");
  const previous = {
    training: { rows: [{ net: "bench-vgg", engine: "tfjs-wasm", batch: 64, train_img_s: 64 }] },
  };
  const res = await section.run({ quick: true, backends: ["wasm"], log: () => {}, previous });
  assert.equal(res.rows.length, 2);
  for (const r of res.rows) {
    const ms = Number(r.ms_per_batch);
    assert.ok(ms > 0);
    // step = 1000 ms, so the share in % equals ms / 10.
    assert.ok(Math.abs(Number(r.pct_of_step) - ms / 10) < 0.01, JSON.stringify(r));
  }
});

import assert from "node:assert/strict";
import { benchSections } from "../../lib/bench/registry.ts";
import "../../lib/bench/imagenet.ts";

Deno.test({
  name: "imagenet_loader bench: the section runs (quick) and reports positive images/s per path",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const section = benchSections().find((s) => s.name === "imagenet_loader");
    assert.ok(section, "registered by importing lib/bench/imagenet.ts");
    assert.equal(section.optIn, true, "slow: runs only with --only imagenet_loader");
    const res = await section.run({ quick: true, backends: ["wasm"], log: () => {}, previous: {} });
    const paths = res.rows.map((r) => `${r.path} | ${r.workers}`);
    assert.ok(paths.includes("JPEG → RRC 224 + flip | 0 (calling thread)"), paths.join("\n"));
    assert.ok(paths.includes("JPEG → RRC 224 + flip | 1"), paths.join("\n"));
    assert.ok(paths.some((p) => p.startsWith("uint8 cache 64")), paths.join("\n"));
    for (const r of res.rows) assert.ok(Number(r.images_per_s) > 0, JSON.stringify(r));
    assert.ok(res.notes?.some((n) => n.includes("training step not measured")));
  },
});

import assert from "node:assert/strict";
import { benchSections } from "../../lib/bench/registry.ts";
import { WEBGPU_BENCH_NETS } from "../../lib/bench/webgpu.ts";
import { probeWebGpu } from "../../lib/backend/webgpu.ts";

Deno.test("bench webgpu section: registered; skipped with a reason unless a GPU or --webgpu", async () => {
  const section = benchSections().find((s) => s.name === "webgpu");
  assert.ok(section, "the webgpu section is registered");
  assert.deepEqual([...WEBGPU_BENCH_NETS], ["bench-vgg", "bench-vgg-binary", "vgg-small"]);
  const probe = await probeWebGpu();
  if (typeof probe !== "string" && !probe.software) return; // a GPU: the section measures it
  Deno.env.delete("BNN_BENCH_WEBGPU");
  const r = await section.run({ quick: true, backends: ["wasm"], log: () => {}, previous: {} });
  assert.deepEqual(r.rows, []);
  assert.equal(r.notes?.length, 1);
  if (typeof probe === "string") assert.equal(r.notes![0], `skipped: ${probe}`);
  else assert.match(r.notes![0], /^skipped: the adapter ".*" .* is a CPU rasterizer; --webgpu/);
});

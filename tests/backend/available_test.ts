import assert from "node:assert/strict";
import { availableBackends, formatBackends } from "../../lib/backend/available.ts";
import { probeWebGpu } from "../../lib/backend/webgpu.ts";

Deno.test("availableBackends: the four backends; webgpu available only on a hardware adapter", async () => {
  const list = await availableBackends();
  assert.deepEqual(list.map((b) => b.name), ["tensorflow", "webgpu", "wasm", "cpu"]);
  const probe = await probeWebGpu();
  const webgpu = list[1];
  if (typeof probe === "string") {
    assert.equal(webgpu.available, false);
    assert.equal(webgpu.detail, probe);
  } else {
    assert.equal(webgpu.available, !probe.software);
    assert.ok(webgpu.detail.includes(probe.description || probe.vendor));
    if (probe.software) assert.match(webgpu.detail, /only with --backend webgpu/);
  }
  assert.ok(list[2].available && list[3].available);
});

Deno.test("formatBackends: aligned yes/no lines under a heading naming the measured backend", () => {
  const list = [
    { name: "webgpu" as const, available: false, detail: "no adapter" },
    { name: "wasm" as const, available: true, detail: "x" },
  ];
  assert.equal(
    formatBackends(list, "wasm"),
    "backends on this machine (step times above measured on wasm):\n" +
      "  webgpu  no   no adapter\n  wasm    yes  x",
  );
  assert.match(formatBackends(list, null), /^backends on this machine:\n/);
});

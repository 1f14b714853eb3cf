import assert from "node:assert/strict";
import { machineInfo } from "../../lib/util/machine.ts";

Deno.test("machineInfo: the CPU model of /proc/cpuinfo, cores and host", () => {
  const m = machineInfo();
  let expected = "unknown CPU";
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) expected = line.slice(line.indexOf(":") + 1).trim();
  } catch { /* not Linux */ }
  assert.equal(m.cpu, expected);
  assert.equal(m.cores, navigator.hardwareConcurrency);
  assert.equal(m.host, Deno.hostname());
});

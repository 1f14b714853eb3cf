import assert from "node:assert/strict";
import { inKernel, publish, settleMs } from "../../lib/plots/jupyter.ts";

Deno.test("settleMs grows with the payload: 25 ms + 20 ms per MB", () => {
  assert.equal(settleMs({ data: { "text/plain": "x" } }), 25);
  assert.equal(settleMs({ data: { "text/html": "x".repeat(5_000_000) } }), 125);
  assert.equal(settleMs({ data: { "application/json": { a: "y".repeat(1_000_000) } } }), 45);
});

Deno.test("publish outside a kernel does nothing (and does not throw)", async () => {
  assert.equal(inKernel(), false);
  await publish("display_data", { data: { "text/plain": "x" } });
});

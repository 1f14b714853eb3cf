import assert from "node:assert/strict";
import { formatDuration } from "../../lib/util/format.ts";

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(42), "42s");
  assert.equal(formatDuration(185), "3m05s");
  assert.equal(formatDuration(3720), "1h02m");
  assert.equal(formatDuration(NaN), "?");
});

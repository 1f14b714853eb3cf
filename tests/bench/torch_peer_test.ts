import assert from "node:assert/strict";
import { PEER_MALLOC_ENV } from "../../lib/bench/torch_peer.ts";

Deno.test("PEER_MALLOC_ENV: values glibc accepts (it silently ignores an mmap threshold above 32 MiB)", () => {
  const mmap = Number(PEER_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_);
  assert.ok(Number.isInteger(mmap) && mmap > 0 && mmap <= 4 * 1024 * 1024 * 8, `mmap ${mmap}`);
  for (const k of ["MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"]) {
    const v = Number(PEER_MALLOC_ENV[k]);
    assert.ok(Number.isSafeInteger(v) && v >= mmap, `${k} ${v}`);
  }
});

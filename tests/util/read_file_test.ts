import assert from "node:assert/strict";
import { readFileBytes } from "../../lib/util/read_file.ts";

Deno.test("readFileBytes: the same bytes as Deno.readFileSync (empty, small, 3 MB + 1)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const size of [0, 1, 65537, 3 * 1024 * 1024 + 1]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 8)) & 255);
      const path = `${dir}/f${size}`;
      Deno.writeFileSync(path, data);
      const got = readFileBytes(path);
      assert.equal(got.length, size);
      assert.deepEqual(got, Deno.readFileSync(path));
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("readFileBytes: a file that is not a regular file of fixed size (/proc) is read whole", () => {
  // /proc files stat as 0 bytes: everything comes from the read-on path.
  const got = new TextDecoder().decode(readFileBytes("/proc/self/status"));
  assert.match(got, /^Name:/);
  assert.match(got, /\nPid:\s+\d+/);
});

Deno.test("readFileBytes: a missing file throws Deno.errors.NotFound", () => {
  assert.throws(() => readFileBytes("/nonexistent/bnn-lab-file"), Deno.errors.NotFound);
});

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

Deno.test("readFileBytes: reuse holds the bytes when large enough, a new buffer otherwise", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/f`;
    Deno.writeFileSync(path, Uint8Array.from([1, 2, 3, 4, 5]));
    const big = new Uint8Array(8).fill(9);
    const got = readFileBytes(path, { reuse: big });
    assert.deepEqual(got, Uint8Array.from([1, 2, 3, 4, 5]));
    assert.equal(got.buffer, big.buffer);
    assert.deepEqual(big.subarray(5), Uint8Array.from([9, 9, 9]));
    const small = new Uint8Array(3);
    const other = readFileBytes(path, { reuse: small });
    assert.notEqual(other.buffer, small.buffer);
    assert.deepEqual(other, Uint8Array.from([1, 2, 3, 4, 5]));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

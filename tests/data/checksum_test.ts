import assert from "node:assert/strict";
import { digest, digestFile, hasher } from "../../lib/data/checksum.ts";

Deno.test("md5 matches the RFC 1321 test suite", () => {
  const vectors: [string, string][] = [
    ["", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a", "0cc175b9c0f1b6a831c399e269772661"],
    ["abc", "900150983cd24fb0d6963f7d28e17f72"],
    ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
    [
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a",
    ],
  ];
  for (const [input, want] of vectors) assert.equal(digest("md5", input), want, input);
});

Deno.test("sha256 matches FIPS 180-2 vectors; incremental equals one-shot; files", async () => {
  assert.equal(
    digest("sha256", "abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const bytes = Uint8Array.from({ length: 100000 }, (_, i) => (i * 31) & 255);
  const h = hasher("md5");
  for (let i = 0; i < bytes.length; i += 777) h.update(bytes.subarray(i, i + 777));
  assert.equal(h.hex(), digest("md5", bytes));
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, bytes);
    assert.equal(await digestFile("md5", path), digest("md5", bytes));
    assert.equal(await digestFile("sha256", path), digest("sha256", bytes));
  } finally {
    await Deno.remove(path);
  }
});

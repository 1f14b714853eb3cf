import assert from "node:assert/strict";
import { decodeIdx, decodeIdxPair, encodeIdx, gunzip, isGzip } from "../../lib/data/idx.ts";

/** An IDX file written from the format description: magic, big-endian dims, data. */
function rawIdx(dims: number[], data: number[]): Uint8Array {
  const out = [0, 0, 8, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...out, ...data]);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 37) & 255);

Deno.test("decodeIdx / decodeIdxPair: exact round trip, plain and gzipped", async () => {
  const img = rawIdx([3, 2, 4], pixels);
  const lab = rawIdx([3], [7, 0, 9]);
  const a = decodeIdx(img, "img", 3);
  assert.deepEqual(a.dims, [3, 2, 4]);
  assert.deepEqual([...a.data], pixels);
  assert.deepEqual(encodeIdx(a.data, a.dims), img);
  const p = decodeIdxPair(img, "img", lab, "lab", 10);
  assert.equal(p.n, 3);
  assert.deepEqual(p.shape, [2, 4, 1]);
  assert.deepEqual([...p.labels], [7, 0, 9]);
  const gz = await gzip(img);
  assert.ok(isGzip(gz) && !isGzip(img));
  assert.deepEqual(await gunzip(gz, "img.gz"), img);
});

Deno.test("decodeIdx: wrong magic number", () => {
  const img = rawIdx([3, 2, 4], pixels);
  img[2] = 0x0d; // float type
  assert.throws(
    () => decodeIdx(img, "t10k-images", 3),
    /^Error: t10k-images: at byte offset 0: wrong magic number 0x00000d03, expected 0x00000803/,
  );
  assert.throws(
    () => decodeIdx(rawIdx([3], [1, 2, 3]), "lab", 3),
    /0x00000801, expected 0x00000803/,
  );
  assert.throws(() => decodeIdx(new Uint8Array(2), "tiny", 1), /tiny: at byte offset 2: truncated/);
});

Deno.test("decodeIdx: truncated or oversized data", () => {
  const img = rawIdx([3, 2, 4], pixels);
  assert.throws(
    () => decodeIdx(img.subarray(0, img.length - 5), "imgs", 3),
    /^Error: imgs: at byte offset 35: expected 40 bytes for dimensions \[3, 2, 4\], file has 35 \(truncated\)/,
  );
  const longer = new Uint8Array(img.length + 1);
  longer.set(img);
  assert.throws(() => decodeIdx(longer, "imgs", 3), /at byte offset 40: .*trailing bytes/);
  assert.throws(() => decodeIdx(img.subarray(0, 10), "imgs", 3), /truncated header/);
});

Deno.test("decodeIdxPair: bad label and count mismatch", () => {
  const img = rawIdx([3, 2, 4], pixels);
  assert.throws(
    () => decodeIdxPair(img, "img", rawIdx([3], [1, 12, 2]), "labels.idx", 10),
    /^Error: labels\.idx: at byte offset 9: label 1 is 12, expected 0\.\.9$/,
  );
  assert.throws(
    () => decodeIdxPair(img, "img", rawIdx([2], [1, 2]), "labels.idx", 10),
    /labels\.idx: at byte offset 4: label count 2 does not match the 3 images of img/,
  );
});

Deno.test("gunzip: corrupt or truncated stream names the file", async () => {
  const gz = await gzip(rawIdx([3, 2, 4], pixels));
  await assert.rejects(
    gunzip(gz.subarray(0, gz.length - 6), "x.gz"),
    /x\.gz: corrupt or truncated/,
  );
  const bad = gz.slice();
  bad[12] ^= 0xff;
  await assert.rejects(gunzip(bad, "y.gz"), /y\.gz: corrupt or truncated/);
});

Deno.test("gunzip: a gzip bomb fails at the size bound, without unpacking it all", async () => {
  // 128 MiB of zeros, compressed as a stream (the test never holds them): ~130 KB of gzip.
  const zeros = new Uint8Array(2 ** 20);
  let left = 128;
  const src = new ReadableStream<BufferSource>({
    pull(c) {
      if (left-- > 0) c.enqueue(zeros);
      else c.close();
    },
  });
  const bomb = new Uint8Array(
    await new Response(src.pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  assert.ok(bomb.length < 2 ** 20);
  const before = Deno.memoryUsage().rss;
  let peak = 0;
  const probe = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss - before), 5);
  try {
    await assert.rejects(
      gunzip(bomb, "bomb.gz", { maxBytes: 4 * 2 ** 20 }),
      /bomb\.gz: unpacks to more than 4194304 bytes/,
    );
  } finally {
    clearInterval(probe);
  }
  peak = Math.max(peak, Deno.memoryUsage().rss - before);
  assert.ok(peak < 64 * 2 ** 20, `RSS grew by ${peak >> 20} MiB while unpacking`);
  // Under the bound it unpacks as before.
  const small = await gzip(rawIdx([3, 2, 4], pixels));
  assert.deepEqual(await gunzip(small, "s.gz", { maxBytes: 40 }), rawIdx([3, 2, 4], pixels));
  await assert.rejects(gunzip(small, "s.gz", { maxBytes: 39 }), /more than 39 bytes/);
});

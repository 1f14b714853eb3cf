import assert from "node:assert/strict";
import { countForeground, decodePng, pngSize } from "../../lib/plots/png.ts";

// An independent PNG encoder (zlib via CompressionStream), applying each filter type per row.
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
async function encode(w: number, h: number, ch: number, px: Uint8Array): Promise<Uint8Array> {
  const stride = w * ch;
  const raw = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const cur = px[y * stride + x];
      const a = x >= ch ? px[y * stride + x - ch] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= ch && y > 0 ? px[(y - 1) * stride + x - ch] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (stride + 1) + 1 + x] = (cur - pred) & 0xff;
    }
  }
  const z = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate")))
      .arrayBuffer(),
  );
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, { 1: 0, 3: 2, 4: 6 }[ch]!, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", z.subarray(0, 7)), // split IDAT: the decoder must concatenate
    chunk("IDAT", z.subarray(7)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

Deno.test("decodePng inverts an independent encoder for RGBA, RGB and grey, all filters", async () => {
  const w = 13, h = 11;
  for (const ch of [4, 3, 1]) {
    const px = Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
    const img = await decodePng(await encode(w, h, ch, px));
    assert.equal(img.width, w);
    assert.equal(img.height, h);
    for (let i = 0; i < w * h; i++) {
      const want = ch === 1
        ? [px[i], px[i], px[i], 255]
        : [...px.subarray(i * ch, i * ch + 3), ch === 4 ? px[i * ch + 3] : 255];
      assert.deepEqual([...img.rgba.subarray(i * 4, i * 4 + 4)], want, `pixel ${i}, ${ch} ch`);
    }
  }
});

Deno.test("pngSize reads the header and rejects non-PNG bytes", async () => {
  const png = await encode(7, 3, 3, new Uint8Array(63));
  assert.deepEqual(pngSize(png), { width: 7, height: 3 });
  assert.throws(
    () => pngSize(new TextEncoder().encode("GIF89a not a png at all....")),
    /not a PNG/,
  );
});

Deno.test("countForeground counts pixels that differ from the background", async () => {
  const w = 10, h = 10;
  const px = new Uint8Array(w * h * 3).fill(255);
  for (const [x, y] of [[2, 3], [5, 5], [9, 9]]) px.set([200, 0, 0], (y * w + x) * 3);
  const img = await decodePng(await encode(w, h, 3, px));
  assert.equal(countForeground(img), 3);
  assert.equal(countForeground(img, { rect: [0, 0, 5, 5] }), 1);
  assert.equal(countForeground(img, { background: [200, 0, 0] }), 97);
});

import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import sharp from "sharp";
import { cropFor, decodeFile, ImageDecodeError } from "../../../lib/data/imagenet/decode.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_decode_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function randomPixels(w: number, h: number, seed: number): Uint8Array {
  let s = seed;
  return new Uint8Array(w * h * 3).map(() => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
}

const raw = (px: Uint8Array, w: number, h: number) =>
  sharp(px, { raw: { width: w, height: h, channels: 3 } });

Deno.test("decodeFile: lossless PNG, whole and centre crops at their own size are exact", () =>
  withDir(async (dir) => {
    const w = 20, h = 20, px = randomPixels(w, h, 1);
    await raw(px, w, h).png().toFile(`${dir}/a.png`);
    assertEquals(await decodeFile(`${dir}/a.png`, "cache", 0, 20), px);
    // eval: a centred square of round(0.875·20) = 18 pixels, offset 1.
    const out = await decodeFile(`${dir}/a.png`, "eval", 0, 18);
    for (let y = 0; y < 18; y++) {
      for (let x = 0; x < 18; x++) {
        for (let c = 0; c < 3; c++) {
          assertEquals(out[(y * 18 + x) * 3 + c], px[((y + 1) * w + x + 1) * 3 + c]);
        }
      }
    }
  }));

Deno.test("decodeFile: grayscale and CMYK JPEGs come out as RGB of the right colour", () =>
  withDir(async (dir) => {
    const w = 31, h = 17;
    const red = new Uint8Array(w * h * 3).map((_, i) => [200, 30, 40][i % 3]);
    await raw(red, w, h).toColourspace("cmyk").jpeg({ quality: 95 }).toFile(`${dir}/cmyk.jpg`);
    await raw(red, w, h).toColourspace("b-w").jpeg({ quality: 95 }).toFile(`${dir}/gray.jpg`);
    assertEquals((await sharp(`${dir}/cmyk.jpg`).metadata()).channels, 4);
    assertEquals((await sharp(`${dir}/gray.jpg`).metadata()).channels, 1);
    const c = await decodeFile(`${dir}/cmyk.jpg`, "eval", 0, 8);
    const g = await decodeFile(`${dir}/gray.jpg`, "eval", 0, 8);
    assertEquals(c.length, 8 * 8 * 3);
    for (let i = 0; i < 64; i++) {
      // CMYK round trip through libvips' profiles: within a few levels of the original red.
      assert(
        Math.abs(c[i * 3] - 200) < 25 && c[i * 3 + 1] < 70 && c[i * 3 + 2] < 80,
        `${c.slice(i * 3, i * 3 + 3)}`,
      );
      assertEquals(g[i * 3], g[i * 3 + 1]);
      assertEquals(g[i * 3], g[i * 3 + 2]);
    }
  }));

Deno.test("decodeFile: training crops follow cropFor, flips included", () =>
  withDir(async (dir) => {
    // Brightness increases left to right: a flipped crop is brighter on its left.
    const w = 64, h = 48;
    const px = new Uint8Array(w * h * 3).map((_, i) => Math.floor(i / 3) % w * 4);
    await raw(px, w, h).png().toFile(`${dir}/g.png`);
    let flips = 0;
    for (let key = 1; key <= 24; key++) {
      const { box, flip } = cropFor(w, h, "train", key);
      const out = await decodeFile(`${dir}/g.png`, "train", key, 16);
      const col = (x: number) => {
        let s = 0;
        for (let y = 0; y < 16; y++) s += out[(y * 16 + x) * 3];
        return s / 16;
      };
      if (box.width >= 4) assertEquals(col(0) > col(15), flip, `key ${key}`);
      // The crop's mean brightness is that of the box (linear ramp: value at the centre column).
      const centre = (box.left + (box.width - 1) / 2) * 4;
      const mean = out.reduce((s, v) => s + v, 0) / out.length;
      assert(Math.abs(mean - centre) < 6, `key ${key}: mean ${mean} vs ${centre}`);
      if (flip) flips++;
      assertEquals(await decodeFile(`${dir}/g.png`, "train", key, 16), out);
    }
    assert(flips > 0 && flips < 24);
  }));

Deno.test("decodeFile: corrupt, truncated and missing files are ImageDecodeErrors naming the file", () =>
  withDir(async (dir) => {
    Deno.writeFileSync(`${dir}/junk.JPEG`, new TextEncoder().encode("not an image at all"));
    const px = randomPixels(40, 30, 2);
    const good = await raw(px, 40, 30).jpeg().toBuffer();
    Deno.writeFileSync(`${dir}/cut.JPEG`, good.subarray(0, Math.floor(good.length / 2)));
    for (const name of ["junk.JPEG", "cut.JPEG", "missing.JPEG"]) {
      await rejects(decodeFile(`${dir}/${name}`, "eval", 0, 8), (e: Error) => {
        assert(e instanceof ImageDecodeError, e.message);
        assertEquals(e.file, `${dir}/${name}`);
        assert(e.message.startsWith(`${dir}/${name}: cannot decode image: `), e.message);
        return true;
      });
    }
  }));

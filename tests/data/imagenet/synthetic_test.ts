import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import sharp from "sharp";
import { syntheticWnid, writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";

Deno.test("writeSyntheticImagenet: layout, odd sizes, grayscale and CMYK files, deterministic", async () => {
  const a = await Deno.makeTempDir({ prefix: "imagenet_syn_" });
  const b = await Deno.makeTempDir({ prefix: "imagenet_syn_" });
  try {
    const opts = { classes: 2, trainPerClass: 7, valPerClass: 1, minSide: 21, maxSide: 33 };
    const wnids = await writeSyntheticImagenet(a, opts);
    await writeSyntheticImagenet(b, opts);
    assertEquals(wnids, [syntheticWnid(0), syntheticWnid(1)]);
    assert(wnids.every((w) => /^n\d{8}$/.test(w)));
    const spaces: string[] = [];
    for (const w of wnids) {
      for (let k = 1; k <= 7; k++) {
        const f = `train/${w}/${w}_${k}.JPEG`;
        const meta = await sharp(`${a}/${f}`).metadata();
        assert(meta.width! >= 21 && meta.width! <= 33 && meta.height! >= 21 && meta.height! <= 33);
        spaces.push(`${meta.space}/${meta.channels}`);
        assertEquals(Deno.readFileSync(`${a}/${f}`), Deno.readFileSync(`${b}/${f}`));
      }
    }
    // Image numbers 5 and 10 are grayscale, 7 and 14 CMYK (counting from 1 over classes).
    assertEquals(spaces.filter((s) => s === "b-w/1").length, 2);
    assertEquals(spaces.filter((s) => s === "cmyk/4").length, 2);
    assertEquals(spaces.filter((s) => s === "srgb/3").length, 10);
    assertEquals([...Deno.readDirSync(`${a}/val`)].map((e) => e.name).sort(), wnids);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

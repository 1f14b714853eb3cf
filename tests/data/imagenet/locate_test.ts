import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { imagenetCandidates, openImagenet } from "../../../lib/data/imagenet/locate.ts";
import { buildImagenetCache } from "../../../lib/data/imagenet/cache.ts";
import { DecodePool } from "../../../lib/data/imagenet/pool.ts";
import { writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";

Deno.test("openImagenet: image folders, cache folders, and an error listing where it looked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_locate_" });
  const pool = new DecodePool(0);
  try {
    await writeSyntheticImagenet(`${dir}/imagenet`, {
      classes: 2,
      trainPerClass: 2,
      valPerClass: 1,
    });
    const files = await openImagenet(dir); // finds <dir>/imagenet
    assertEquals([files.cached, files.train.n, files.val.n], [false, 4, 2]);
    assertEquals(files.dir, `${dir}/imagenet`);
    for (const split of ["train", "val"] as const) {
      await buildImagenetCache(split === "train" ? files.train : files.val, `${dir}/c/${split}`, {
        size: 8,
        split,
        pool,
      });
    }
    const cached = await openImagenet(`${dir}/c`);
    assertEquals([cached.cached, cached.cacheSize, cached.train.n, cached.val.n], [true, 8, 4, 2]);
    assertEquals(Array.from(cached.val.labels), Array.from(files.val.labels));
    await rejects(openImagenet(`${dir}/none`), (e: Error) => {
      assert(e.message.includes(`${dir}/none, ${dir}/none/imagenet`), e.message);
      assert(e.message.includes("image-net.org"), e.message);
      return true;
    });
    assertEquals(imagenetCandidates("/x"), ["/x", "/x/imagenet"]);
  } finally {
    pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

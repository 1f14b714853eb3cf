import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { DecodePool } from "../../../lib/data/imagenet/pool.ts";
import { ImageDecodeError } from "../../../lib/data/imagenet/decode.ts";
import { fileSource } from "../../../lib/data/imagenet/loader.ts";
import { scanImagenet } from "../../../lib/data/imagenet/layout.ts";
import { writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";

Deno.test("DecodePool: 2 workers decode bit-identically to the calling thread; errors name the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_pool_" });
  const workers = new DecodePool(2);
  try {
    await writeSyntheticImagenet(dir, { classes: 2, trainPerClass: 5, valPerClass: 1 });
    const src = fileSource(await scanImagenet(dir, "train"));
    const items = Array.from({ length: src.n }, (_, i) => src.item(i, "train", 1000 + i));
    const spec = { size: 24 };
    const here = await new DecodePool(0).decode(items, spec);
    const there = await workers.decode(items, spec);
    assertEquals(there.length, src.n * 24 * 24 * 3);
    assertEquals(there, here);
    const bad = `${dir}/train/${src.wnids[0]}/broken.JPEG`;
    Deno.writeFileSync(bad, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]));
    await rejects(
      workers.decode(
        [...items.slice(0, 3), { source: "file", path: bad, mode: "eval", key: 0 }],
        spec,
      ),
      (e: Error) => {
        assert(e instanceof ImageDecodeError, String(e));
        assertEquals(e.file, bad);
        assert(e.message.includes(bad), e.message);
        return true;
      },
    );
    // The pool still works after an error.
    assertEquals(await workers.decode(items.slice(0, 2), spec), here.slice(0, 2 * 24 * 24 * 3));
  } finally {
    workers.close();
    await Deno.remove(dir, { recursive: true });
  }
  await rejects(workers.decode([], { size: 8 }), /already closed/);
  assert.throws(() => new DecodePool(-1), /decode workers must be an integer/);
});

import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { buildImagenetCache, openImagenetCache } from "../../../lib/data/imagenet/cache.ts";
import { decodeFile } from "../../../lib/data/imagenet/decode.ts";
import { fileSource, imagenetBatches } from "../../../lib/data/imagenet/loader.ts";
import { DecodePool } from "../../../lib/data/imagenet/pool.ts";
import { scanImagenet } from "../../../lib/data/imagenet/layout.ts";
import { writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";
import type { Batch } from "../../../lib/data/batches.ts";

Deno.test("imagenet cache: exact pixels, exact eval crops, seeded training batches, resumable build", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_cache_" });
  const pool = new DecodePool(0);
  try {
    await writeSyntheticImagenet(dir, { classes: 2, trainPerClass: 5, valPerClass: 1 });
    const index = await scanImagenet(dir, "train");
    const src = fileSource(index);
    const cdir = `${dir}/cache/train`;
    const progress: number[] = [];
    const m = await buildImagenetCache(src, cdir, {
      size: 16,
      shardSize: 4,
      pool,
      onProgress: (d) => progress.push(d),
    });
    assertEquals(progress, [4, 8, 10]);
    assertEquals([m.count, m.size, m.complete], [10, 16, true]);
    const cache = openImagenetCache(cdir);
    assertEquals(Array.from(cache.labels), Array.from(src.labels));
    // Each record is the file decoded in "cache" mode (shorter side to 16, centre square).
    const shard1 = Deno.readFileSync(`${cdir}/shard-00001.u8`);
    assertEquals(shard1.length, 4 * 16 * 16 * 3);
    const img5 = await decodeFile(`${dir}/${index.files[5]}`, "cache", 0, 16);
    assertEquals(shard1.subarray(16 * 16 * 3, 2 * 16 * 16 * 3), img5);
    // Evaluation from the cache at 14 px = the centre 14×14 of the record, normalised.
    const collect = async (o: Parameters<typeof imagenetBatches>[1]) => {
      const out: Batch[] = [];
      for await (const b of imagenetBatches(cache, { pool, ...o })) out.push(b);
      return out;
    };
    const norm = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };
    const [ev] = await collect({ size: 14, batchSize: 10, normalize: norm });
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 14; x++) {
        for (let c = 0; c < 3; c++) {
          const want = img5[((y + 1) * 16 + x + 1) * 3 + c];
          const got = ev.x[5 * 14 * 14 * 3 + (y * 14 + x) * 3 + c];
          assert(Math.abs(got - want) < 1e-3, `(${y},${x},${c}): ${got} vs ${want}`);
        }
      }
    }
    const o = { size: 12, batchSize: 4, augment: true, seed: 2, epoch: 0 };
    const a = await collect(o);
    assertEquals(a.length, 3);
    assertEquals(await collect({ ...o, startBatch: 1 }), a.slice(1));
    assertEquals(
      a.flatMap((b) => Array.from(b.y)).sort(),
      Array.from(src.labels).sort(),
    );
    // Rebuilding keeps complete shards (same mtime) and rewrites a truncated one.
    const t0 = Deno.statSync(`${cdir}/shard-00000.u8`).mtime?.getTime();
    Deno.truncateSync(`${cdir}/shard-00002.u8`, 10);
    assert.throws(() => openImagenetCache(cdir), /shard-00002\.u8: expected 1536 bytes/);
    await buildImagenetCache(src, cdir, { size: 16, shardSize: 4, pool });
    assertEquals(Deno.statSync(`${cdir}/shard-00000.u8`).mtime?.getTime(), t0);
    assertEquals(openImagenetCache(cdir).n, 10);
    await rejects(
      buildImagenetCache(src, cdir, { size: 32, shardSize: 4, pool }),
      /holds a cache of 10 images at 16 px .* expected 10 at 32 px/,
    );
    const m2 = JSON.parse(Deno.readTextFileSync(`${cdir}/manifest.json`));
    Deno.writeTextFileSync(`${cdir}/manifest.json`, JSON.stringify({ ...m2, complete: false }));
    assert.throws(() => openImagenetCache(cdir), /incomplete; rerun buildImagenetCache/);
    assert.throws(() => openImagenetCache(`${dir}/nope`), /manifest\.json: not found/);
  } finally {
    pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

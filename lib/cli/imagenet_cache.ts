/**
 * `deno task imagenet:cache --data-dir D --out C [--size 64] [--workers N] [--shard-size K]`:
 * decodes an ImageNet folder once into a cache folder `C/train` + `C/val` of S×S uint8 shards
 * (see `lib/data/imagenet/cache.ts`); rerun to resume an interrupted build. Train from it with
 * `reproduce --preset imagenet --data-dir C` and an `imageSize` ≤ S.
 *
 * @module
 */
import { type FlagSpec, parseArgs, usage } from "./args.ts";
import { buildImagenetCache, DecodePool } from "../data/imagenet/mod.ts";
import { openImagenet } from "../data/imagenet/locate.ts";

const SPEC: Record<string, FlagSpec> = {
  "data-dir": { type: "string", description: "ImageNet folder (train/<wnid>/, val/)" },
  out: { type: "string", description: "cache folder to write (train/ and val/ inside)" },
  size: { type: "string", default: "64", description: "side S of the cached S×S images" },
  workers: { type: "string", description: "decoding workers (default: cores, at most 8)" },
  "shard-size": { type: "string", default: "10000", description: "images per shard file" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

function int(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name}: expected an integer ≥ ${min}, got '${v}'`);
  }
  return n;
}

/** Runs the command; returns the exit code (0 done, 1 error, 2 bad arguments). */
export async function main(argv: string[]): Promise<number> {
  const cmd = "deno task imagenet:cache";
  let flags, size, workers, shardSize;
  try {
    flags = parseArgs(argv, SPEC).flags;
    size = int("size", flags.size, 8)!;
    workers = int("workers", flags.workers, 0);
    shardSize = int("shard-size", flags["shard-size"], 1)!;
    if (!flags.help && !flags.out) throw new Error("--out: expected the cache folder to write");
  } catch (e) {
    console.error(`imagenet:cache: ${(e as Error).message}\n${usage(cmd, SPEC)}`);
    return 2;
  }
  if (flags.help) {
    console.log(usage(cmd, SPEC));
    return 0;
  }
  const pool = new DecodePool(workers);
  try {
    const data = await openImagenet(flags["data-dir"] as string | undefined);
    if (data.cached) {
      throw new Error(`${data.dir} is already a cache; point --data-dir at the JPEGs`);
    }
    for (const split of ["train", "val"] as const) {
      const t0 = performance.now();
      const src = split === "train" ? data.train : data.val;
      const out = `${flags.out}/${split}`;
      await buildImagenetCache(src, out, {
        size,
        shardSize,
        split,
        pool,
        onProgress: (done, total) => {
          const s = (performance.now() - t0) / 1000;
          console.error(`${split}: ${done}/${total} images (${(done / s).toFixed(0)} images/s)`);
        },
      });
      console.error(`${split}: ${out} complete (${src.n} images of ${size}×${size})`);
    }
    return 0;
  } catch (e) {
    console.error(`imagenet:cache: ${(e as Error).message}`);
    return 1;
  } finally {
    pool.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

import assert from "node:assert/strict";
import { main } from "../../lib/cli/imagenet_cache.ts";
import { openImagenet } from "../../lib/data/imagenet/locate.ts";
import { writeSyntheticImagenet } from "../../lib/data/imagenet/synthetic.ts";

Deno.test("imagenet:cache: builds train/ and val/ caches that openImagenet finds; exit codes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_cache_cli_" });
  const err = console.error;
  const lines: string[] = [];
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await writeSyntheticImagenet(`${dir}/in`, { classes: 2, trainPerClass: 3, valPerClass: 2 });
    const args = ["--data-dir", `${dir}/in`, "--out", `${dir}/c`, "--size", "12", "--workers", "0"];
    assert.equal(await main(args), 0, lines.join("\n"));
    const c = await openImagenet(`${dir}/c`);
    assert.deepEqual([c.cached, c.cacheSize, c.train.n, c.val.n], [true, 12, 6, 4]);
    assert.ok(lines.some((l) => l.includes("train: 6/6 images")), lines.join("\n"));
    assert.equal(await main(["--data-dir", `${dir}/c`, "--out", `${dir}/d`, "--workers", "0"]), 1);
    assert.ok(lines.at(-1)!.includes("already a cache"), String(lines.at(-1)));
    assert.equal(await main(["--data-dir", `${dir}/in`]), 2);
    assert.ok(lines.at(-1)!.includes("--out: expected the cache folder"));
    assert.equal(await main(["--out", `${dir}/e`, "--size", "3"]), 2);
    assert.equal(
      await main(["--data-dir", `${dir}/nothing`, "--out", `${dir}/e`, "--workers", "0"]),
      1,
    );
    assert.ok(lines.at(-1)!.includes("no data found"), String(lines.at(-1)));
  } finally {
    console.error = err;
    await Deno.remove(dir, { recursive: true });
  }
});

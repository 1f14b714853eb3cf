import assert from "node:assert/strict";
import { tar, untar } from "../../lib/data/tar.ts";

const enc = new TextEncoder();

async function run(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("tar", { args, cwd }).output();
  if (!out.success) {
    throw new Error(`tar ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

Deno.test("tar → untar round trip, including sizes on and off block boundaries", () => {
  const files = [
    { name: "d", type: "directory" as const },
    { name: "d/a.bin", data: Uint8Array.from({ length: 1000 }, (_, i) => i & 255) },
    { name: "d/b.txt", data: enc.encode("hello") },
    { name: "d/empty", data: new Uint8Array(0) },
    { name: "d/block", data: new Uint8Array(512).fill(7) },
  ];
  const entries = untar(tar(files));
  assert.deepEqual(entries.map((e) => [e.name, e.type]), [
    ["d", "directory"],
    ["d/a.bin", "file"],
    ["d/b.txt", "file"],
    ["d/empty", "file"],
    ["d/block", "file"],
  ]);
  for (let i = 1; i < files.length; i++) assert.deepEqual(entries[i].data, files[i].data);
});

Deno.test("untar reads GNU tar's gnu/pax/ustar archives (long names) and GNU tar reads ours", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const long = "x".repeat(120);
    await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/sub/${long}`, "long name");
    await Deno.writeFile(`${dir}/src/one.bin`, new Uint8Array(3000).fill(9));
    for (const format of ["gnu", "pax", "ustar"]) {
      const sub = format === "ustar" ? "short" : long; // ustar cannot store a 120-byte name
      if (format === "ustar") await Deno.rename(`${dir}/src/sub/${long}`, `${dir}/src/sub/${sub}`);
      await run([`--format=${format}`, "-cf", `${format}.tar`, "src"], dir);
      const entries = untar(await Deno.readFile(`${dir}/${format}.tar`), `${format}.tar`);
      const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ""), e]));
      assert.equal(new TextDecoder().decode(byName.get(`src/sub/${sub}`)!.data), "long name");
      assert.deepEqual(byName.get("src/one.bin")!.data, new Uint8Array(3000).fill(9));
      assert.equal(byName.get("src/sub")!.type, "directory");
      assert.equal(entries.length, 4, format);
    }

    await Deno.writeFile(`${dir}/ours.tar`, tar([{ name: "m/n.txt", data: enc.encode("abc") }]));
    assert.equal((await run(["-tf", "ours.tar"], dir)).trim(), "m/n.txt");
    assert.equal(await run(["-xOf", "ours.tar", "m/n.txt"], dir), "abc");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("untar: corrupt header, truncated member, missing end marker", () => {
  const good = tar([{ name: "a", data: new Uint8Array(600) }]);
  const bad = good.slice();
  bad[0] = 98; // name changes, checksum no longer matches
  assert.throws(() => untar(bad, "c.tar"), /c\.tar: at byte offset 0: tar header checksum/);
  assert.throws(
    () => untar(good.subarray(0, 800), "t.tar"),
    /t\.tar: at byte offset 800: truncated tar member \(expected 600 bytes from offset 512\)/,
  );
  assert.throws(
    () => untar(good.subarray(0, 1536), "e.tar"),
    /e\.tar: at byte offset 1536: truncated tar/,
  );
});

import assert from "node:assert/strict";
import {
  atomicTempPath,
  tempHostTag,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  writeJsonAtomicSync,
  writeTextFileAtomic,
} from "../../lib/util/atomic.ts";

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("atomic writers: content round-trips and no temp file is left", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) % 251);
    await writeFileAtomic(`${dir}/a.bin`, bytes);
    writeFileAtomicSync(`${dir}/b.bin`, bytes);
    await writeTextFileAtomic(`${dir}/c.txt`, "héllo\n");
    writeFileAtomicSync(`${dir}/d.txt`, "sync text");
    const value = { a: [1, 2], b: { c: "x" } };
    await writeJsonAtomic(`${dir}/e.json`, value);
    writeJsonAtomicSync(`${dir}/f.json`, value);
    assert.deepEqual(Deno.readFileSync(`${dir}/a.bin`), bytes);
    assert.deepEqual(Deno.readFileSync(`${dir}/b.bin`), bytes);
    assert.equal(Deno.readTextFileSync(`${dir}/c.txt`), "héllo\n");
    assert.equal(Deno.readTextFileSync(`${dir}/d.txt`), "sync text");
    for (const f of ["e.json", "f.json"]) {
      const text = Deno.readTextFileSync(`${dir}/${f}`);
      assert.equal(text, JSON.stringify(value, null, 2) + "\n");
    }
    assert.deepEqual(names(dir), ["a.bin", "b.bin", "c.txt", "d.txt", "e.json", "f.json"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("atomic writers: overwrite replaces the whole file", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await writeTextFileAtomic(`${dir}/x.txt`, "a long first version\n");
    await writeTextFileAtomic(`${dir}/x.txt`, "short");
    assert.equal(Deno.readTextFileSync(`${dir}/x.txt`), "short");
    writeFileAtomicSync(`${dir}/x.txt`, "s");
    assert.equal(Deno.readTextFileSync(`${dir}/x.txt`), "s");
    assert.deepEqual(names(dir), ["x.txt"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("atomic writers: a failed rename keeps the old file and leaves no temp file", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // The target is a non-empty directory: writing the temp file works, the rename fails.
    Deno.mkdirSync(`${dir}/target/inner`, { recursive: true });
    await assert.rejects(() => writeFileAtomic(`${dir}/target`, "data"));
    assert.throws(() => writeFileAtomicSync(`${dir}/target`, "data"));
    await assert.rejects(() => writeJsonAtomic(`${dir}/target`, { a: 1 }));
    assert.deepEqual(names(dir), ["target"]);
    assert.deepEqual(names(`${dir}/target`), ["inner"]);
    // A missing folder fails too (no temp file can be created), naming the problem.
    await assert.rejects(
      () => writeFileAtomic(`${dir}/missing/x.txt`, "data"),
      Deno.errors.NotFound,
    );
    assert.throws(() => writeFileAtomicSync(`${dir}/missing/x.txt`, "d"), Deno.errors.NotFound);
    assert.deepEqual(names(dir), ["target"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("atomic writers: mode is applied and temp names are unique per write", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await writeTextFileAtomic(`${dir}/run.sh`, "#!/bin/sh\n", { mode: 0o755 });
    const mode = Deno.statSync(`${dir}/run.sh`).mode! & 0o777;
    assert.equal(mode & 0o100, 0o100, `owner-executable, got ${mode.toString(8)}`);
    const a = atomicTempPath(`${dir}/f`);
    const b = atomicTempPath(`${dir}/f`);
    assert.notEqual(a, b);
    assert.match(a, new RegExp(`/f\\.${Deno.pid}-\\d+@${tempHostTag()}\\.tmp$`));
    // Concurrent writers to one path: the result is one of the complete versions.
    const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(versions.map((v) => writeTextFileAtomic(`${dir}/f`, v)));
    assert.ok(versions.includes(Deno.readTextFileSync(`${dir}/f`)));
    assert.deepEqual(names(dir), ["f", "run.sh"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import {
  acquireLock,
  lockHolder,
  lockIsLive,
  processAlive,
  processStart,
  readLock,
  takeoverPending,
} from "../../../lib/experiments/store/lock.ts";

async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("lock: exclusive while held, free after release", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/.lock`;
  const a = acquireLock(path, { heartbeatMs: 0 });
  assert.ok(a);
  assert.equal(readLock(path)!.pid, Deno.pid);
  assert.equal(acquireLock(path, { heartbeatMs: 0 }), null);
  assert.ok(lockIsLive(path));
  a.release();
  assert.equal(lockIsLive(path), false);
  const b = acquireLock(path, { heartbeatMs: 0 });
  assert.ok(b);
  b.release();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("lock: a dead holder, a reused pid or a silent remote holder is stale and taken over", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/.lock`;
  const host = Deno.hostname();
  const write = (info: object, mtime?: Date) => {
    Deno.writeTextFileSync(path, JSON.stringify(info));
    if (mtime) Deno.utimeSync(path, mtime, mtime);
  };
  const dead = await deadPid();
  assert.equal(processAlive(dead), false);
  write({ pid: dead, host, startedAt: "x", procStart: null });
  assert.equal(lockIsLive(path), false);
  const a = acquireLock(path, { heartbeatMs: 0 });
  assert.ok(a);
  assert.equal(readLock(path)!.pid, Deno.pid);
  a.release();
  // Our own pid but another process start time: the pid was reused → stale.
  const myStart = processStart(Deno.pid);
  assert.ok(myStart);
  write({ pid: 1, host, startedAt: "x", procStart: "1" + myStart });
  assert.equal(lockIsLive(path), processStart(1) === "1" + myStart);
  // Another host: live while its mtime is fresh, stale after staleMs.
  write({ pid: 123, host: "elsewhere", startedAt: "x", procStart: null });
  assert.equal(lockIsLive(path, { staleMs: 60_000 }), true);
  assert.equal(acquireLock(path, { staleMs: 60_000, heartbeatMs: 0 }), null);
  write(
    { pid: 123, host: "elsewhere", startedAt: "x", procStart: null },
    new Date(Date.now() - 120_000),
  );
  assert.equal(lockIsLive(path, { staleMs: 60_000 }), false);
  const b = acquireLock(path, { staleMs: 60_000, heartbeatMs: 0 });
  assert.ok(b);
  b.release();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("lock: processes racing for one stale lock → exactly one wins", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/.lock`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      pid: await deadPid(),
      host: Deno.hostname(),
      startedAt: "x",
      procStart: null,
    }),
  );
  const mod = new URL("../../../lib/experiments/store/lock.ts", import.meta.url).href;
  const code = `import { acquireLock } from "${mod}";
    await new Promise((r) => setTimeout(r, Math.max(0, ${Date.now() + 1500} - Date.now())));
    const l = acquireLock(${JSON.stringify(path)}, { heartbeatMs: 0 });
    console.log(l ? "won" : "lost");
    await new Promise((r) => setTimeout(r, 800));`;
  const outs = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", code],
          stdout: "piped",
          stderr: "inherit",
        }).output(),
    ),
  );
  const results = outs.map((o) => new TextDecoder().decode(o.stdout).trim());
  assert.equal(results.filter((r) => r === "won").length, 1, results.join(","));
  assert.equal(results.filter((r) => r === "lost").length, 3);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("lock: a take-over guard left by a dead process does not block for 60 s", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/.lock`;
  const host = Deno.hostname();
  const dead = await deadPid();
  const info = { pid: dead, host, startedAt: "x", procStart: null };
  Deno.writeTextFileSync(path, JSON.stringify(info));
  Deno.writeTextFileSync(`${path}.takeover`, JSON.stringify(info)); // fresh mtime
  const a = acquireLock(path, { heartbeatMs: 0 });
  assert.ok(a, "the stale guard of a dead pid on this host is removed at once");
  a.release();
  // A fresh guard of a live process (here: ours) still serializes take-overs.
  Deno.writeTextFileSync(path, JSON.stringify(info));
  Deno.writeTextFileSync(`${path}.takeover`, JSON.stringify({ ...info, pid: Deno.pid }));
  assert.equal(acquireLock(path, { heartbeatMs: 0 }), null);
  // The runner respawns a waiting run only when no live take-over is in progress.
  assert.equal(takeoverPending(path), true);
  Deno.writeTextFileSync(`${path}.takeover`, JSON.stringify(info));
  assert.equal(takeoverPending(path), false, "a dead process's guard does not count");
  Deno.removeSync(`${path}.takeover`);
  assert.equal(takeoverPending(path), false);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("lockHolder: says which host and pid hold a lock", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/.lock`;
  const info = { pid: 4242, host: "node-17", startedAt: "2026-01-01T00:00:00Z", procStart: null };
  Deno.writeTextFileSync(path, JSON.stringify(info));
  assert.equal(
    lockHolder(path),
    `held by pid 4242 on host node-17 since 2026-01-01T00:00:00Z (lock file ${path})`,
  );
  Deno.removeSync(dir, { recursive: true });
});

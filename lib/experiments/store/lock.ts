/**
 * A per-run lock file so that two processes (two `reproduce` commands, or a Slurm element and a
 * local run) never train the same run at once.
 *
 * The lock is created with O_EXCL (`createNew`) and holds `{pid, host, startedAt, procStart}`.
 * A lock whose holder is dead is stale and is taken over: on the same host, "dead" means the pid
 * no longer exists or now belongs to another process (its start time differs); on another host
 * (shared filesystem) it means the holder stopped refreshing the lock's mtime for `staleMs`.
 * Take-over is itself serialized by a second O_EXCL file, so two processes never both win.
 *
 * @module
 */

/** Content of a lock file. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Start time of the holder process (Linux /proc/<pid>/stat field 22), to detect pid reuse. */
  procStart: string | null;
}

/** A held lock: refresh it periodically (heartbeat) and release it when done. */
export interface HeldLock {
  path: string;
  info: LockInfo;
  /** Touches the lock's mtime (called automatically every `heartbeatMs`). */
  refresh(): void;
  /** Removes the lock (only if it is still ours). */
  release(): void;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** A lock on another host is stale when its mtime is older than this; default 10 minutes. */
  staleMs?: number;
  /** Heartbeat period; default 30 s (0 disables the timer). */
  heartbeatMs?: number;
}

/** Start time of process `pid` from /proc, or null when unknown (non-Linux) or not running. */
export function processStart(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // field 22 overall; fields here start at field 3
  } catch {
    return null;
  }
}

/** Whether process `pid` on this host is alive (and is the same process when `procStart` given). */
export function processAlive(pid: number, procStart: string | null = null): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
  } catch {
    try {
      Deno.statSync("/proc/self");
      return false; // /proc exists, the pid does not
    } catch {
      return true; // no /proc (not Linux): assume alive, rely on staleMs
    }
  }
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false; // zombie
  } catch { /* vanished */ }
  if (procStart === null) return true;
  const now = processStart(pid);
  return now === null || now === procStart;
}

/** Reads a lock file; null when it does not exist or is unreadable/partial. */
export function readLock(path: string): LockInfo | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as LockInfo;
  } catch {
    return null;
  }
}

/** Who holds the lock at `path`, in words: "held by pid 123 on host h since …" (or why not known). */
export function lockHolder(path: string): string {
  const info = readLock(path);
  if (!info) return `locked (${path} unreadable or being written)`;
  const where = info.host === Deno.hostname() ? "this host" : `host ${info.host}`;
  return `held by pid ${info.pid} on ${where} since ${info.startedAt} (lock file ${path})`;
}

/**
 * Whether another process is taking over the stale lock at `path` right now: its `.takeover`
 * guard exists and its holder is alive (this host) or it is younger than 60 s (other hosts).
 * A guard left by a dead process of this host does not count (the next take-over removes it).
 */
export function takeoverPending(path: string): boolean {
  const guard = `${path}.takeover`;
  let age: number;
  try {
    age = Date.now() - (Deno.statSync(guard).mtime?.getTime() ?? 0);
  } catch {
    return false;
  }
  const g = readLock(guard);
  if (g !== null && g.host === Deno.hostname()) return processAlive(g.pid, g.procStart);
  return age <= 60_000;
}

/** Whether the lock at `path` is held by a live process (false when absent or stale). */
export function lockIsLive(path: string, options: LockOptions = {}): boolean {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(path);
  } catch {
    return false;
  }
  const info = readLock(path);
  const ageMs = Date.now() - (stat.mtime?.getTime() ?? 0);
  if (info === null) return ageMs < 5_000; // being written right now, or garbage
  if (info.host === Deno.hostname()) return processAlive(info.pid, info.procStart);
  return ageMs < (options.staleMs ?? 600_000);
}

function tryCreate(path: string, info: LockInfo): boolean {
  try {
    const f = Deno.openSync(path, { write: true, createNew: true });
    f.writeSync(new TextEncoder().encode(JSON.stringify(info)));
    f.close();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw new Error(`lock: cannot create ${path}: ${(e as Error).message}`);
  }
}

/**
 * Tries to take the lock at `path`. Returns the held lock, or null when a live process holds it.
 * A stale lock is removed and taken over.
 */
export function acquireLock(path: string, options: LockOptions = {}): HeldLock | null {
  const info: LockInfo = {
    pid: Deno.pid,
    host: Deno.hostname(),
    startedAt: new Date().toISOString(),
    procStart: processStart(Deno.pid),
  };
  let ok = tryCreate(path, info);
  if (!ok) {
    if (lockIsLive(path, options)) return null;
    // Stale: serialize the take-over with a second exclusive file.
    const guard = `${path}.takeover`;
    try {
      const age = Date.now() - (Deno.statSync(guard).mtime?.getTime() ?? 0);
      // A guard left by a dead process on this host is stale at once; others after 60 s.
      if (age > 60_000 || !takeoverPending(path)) Deno.removeSync(guard);
    } catch { /* no guard */ }
    if (!tryCreate(guard, info)) return null;
    try {
      if (!lockIsLive(path, options)) {
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
        ok = tryCreate(path, info);
      }
    } finally {
      Deno.removeSync(guard);
    }
    if (!ok) return null;
  }
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  const held: HeldLock = {
    path,
    info,
    refresh() {
      try {
        const now = new Date();
        Deno.utimeSync(path, now, now);
      } catch { /* removed under us: nothing to refresh */ }
    },
    release() {
      if (timer !== undefined) clearInterval(timer);
      const cur = readLock(path);
      if (
        cur && cur.pid === info.pid && cur.host === info.host && cur.startedAt === info.startedAt
      ) {
        try {
          Deno.removeSync(path);
        } catch { /* already gone */ }
      }
    },
  };
  if (heartbeatMs > 0) {
    timer = setInterval(() => held.refresh(), heartbeatMs);
    Deno.unrefTimer(timer);
  }
  return held;
}

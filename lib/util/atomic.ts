/**
 * Atomic file writes: the data goes to a temp file in the same folder
 * (`<path>.<pid>-<n>@<host>.tmp`),
 * is flushed to disk, then renamed over `path`, so readers see the old file or the new one, never
 * a partial one. On failure the temp file is removed and the error rethrown. Temp files left by a
 * killed process keep the `.<pid>-<n>@<host>.tmp` suffix that `removeStaleTemps` (experiments
 * store) cleans: only on the same host, since a pid means nothing on another node.
 *
 * @module
 */

/** Options of the atomic writers. */
export interface AtomicWriteOptions {
  /** File mode of the written file (e.g. `0o755`); default: the process umask's default. */
  mode?: number;
  /** Create the parent folder (and its parents) first, like `mkdir -p`; default false. */
  mkdir?: boolean;
}

let tmpCounter = 0;

/** This host's name as written into temp file names (characters other than [A-Za-z0-9.-] → _). */
export function tempHostTag(): string {
  return Deno.hostname().replace(/[^A-Za-z0-9.-]/g, "_");
}

/** The temp file name used for an atomic write of `path`: `<path>.<pid>-<n>@<host>.tmp`. */
export function atomicTempPath(path: string): string {
  return `${path}.${Deno.pid}-${tmpCounter++}@${tempHostTag()}.tmp`;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

function parentOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf("/")));
}

function openOptions(options: AtomicWriteOptions): Deno.OpenOptions {
  const o: Deno.OpenOptions = { write: true, create: true, truncate: true };
  if (options.mode !== undefined) o.mode = options.mode;
  return o;
}

/** Writes `data` (bytes, or text as UTF-8) to `path` atomically: temp file, fsync, rename. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (options.mkdir && parentOf(path)) await Deno.mkdir(parentOf(path), { recursive: true });
  const tmp = atomicTempPath(path);
  const bytes = toBytes(data);
  try {
    const f = await Deno.open(tmp, openOptions(options));
    try {
      let off = 0;
      while (off < bytes.length) off += await f.write(bytes.subarray(off));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Synchronous {@link writeFileAtomic} (same options). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  if (options.mkdir && parentOf(path)) Deno.mkdirSync(parentOf(path), { recursive: true });
  const tmp = atomicTempPath(path);
  const bytes = toBytes(data);
  try {
    const f = Deno.openSync(tmp, openOptions(options));
    try {
      let off = 0;
      while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    throw e;
  }
}

/** {@link writeFileAtomic} of a string (UTF-8). */
export function writeTextFileAtomic(
  path: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  return writeFileAtomic(path, text, options);
}

/** {@link writeFileAtomic} of `value` as pretty JSON (2-space indent) plus a newline. */
export function writeJsonAtomic(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", options);
}

/** Synchronous {@link writeJsonAtomic}. */
export function writeJsonAtomicSync(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): void {
  writeFileAtomicSync(path, JSON.stringify(value, null, 2) + "\n", options);
}

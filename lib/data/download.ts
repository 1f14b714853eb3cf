/**
 * Downloads a dataset from its canonical URL into a data root: progress bar on stderr, MD5 check
 * against the published value, extraction, and an atomic rename of the finished directory, so an
 * interrupted or corrupt download leaves nothing behind.
 *
 * @module
 */
import { hasher } from "./checksum.ts";
import { gunzip } from "./idx.ts";
import type { DatasetSpec, RemoteFile } from "./specs.ts";
import { untar } from "./tar.ts";

/** Options of {@link downloadDataset}. */
export interface DownloadOptions {
  /** Base URL to use instead of the spec's canonical ones (e.g. a local mirror). */
  url?: string;
  /** No progress output. Default false. */
  quiet?: boolean;
  /** Give up when a server sends no response or no data for this long. Default 60 000 ms. */
  timeoutMs?: number;
}

/** Default {@link DownloadOptions.timeoutMs}. */
export const DOWNLOAD_TIMEOUT_MS = 60_000;
/** Bound on an archive's unpacked size (CIFAR-10 unpacks to 185 MB). */
const ARCHIVE_MAX_BYTES = 2 ** 30;

function progressBar(label: string, quiet: boolean): (done: number, total: number) => void {
  const enc = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  let last = -1;
  return (done, total) => {
    if (quiet) return;
    const mb = (v: number) => (v / 1048576).toFixed(1);
    let pct = total > 0 ? Math.floor((100 * done) / total) : -1;
    if (done === total) pct = 100;
    const step = tty ? pct : Math.floor(pct / 10) * 10;
    if (total > 0 && step === last) return;
    if (total <= 0 && tty === false) return;
    last = step;
    const width = 30;
    const fill = total > 0 ? Math.round((width * done) / total) : 0;
    const bar = total > 0 ? `[${"#".repeat(fill)}${".".repeat(width - fill)}] ${pct}% ` : "";
    const line = `${label} ${bar}${mb(done)}/${total > 0 ? mb(total) : "?"} MB`;
    Deno.stderr.writeSync(enc.encode(tty ? `\r${line}${done === total ? "\n" : ""}` : `${line}\n`));
  };
}

/**
 * Downloads `url` to `dest` through a temporary file, checking the MD5 against `file.md5`; the
 * file appears at `dest` only when complete and verified. A server that accepts but sends no
 * response, or stops sending data, for `timeoutMs` (default {@link DOWNLOAD_TIMEOUT_MS}) fails
 * the download with an error saying so.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: { md5: string; quiet?: boolean; timeoutMs?: number },
): Promise<void> {
  const tmp = `${dest}.part-${crypto.randomUUID().slice(0, 8)}`;
  const ms = options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  const abort = new AbortController();
  let stalled = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = `download ${url}: ${what} for ${ms / 1000} s (timeout); ` +
        "the server or the network is not answering";
      abort.abort(new Error(stalled));
    }, ms);
  };
  try {
    arm("no response");
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`download ${url}: HTTP ${res.status} ${res.statusText}`);
    }
    const total = Number(res.headers.get("content-length") ?? 0);
    const bar = progressBar(`downloading ${url.split("/").pop()}`, options.quiet ?? false);
    const h = hasher("md5");
    let done = 0;
    {
      using out = await Deno.open(tmp, { write: true, createNew: true });
      arm("no data");
      for await (const chunk of res.body) {
        arm("no data");
        h.update(chunk);
        let w = 0;
        while (w < chunk.length) w += await out.write(chunk.subarray(w));
        done += chunk.length;
        bar(done, total);
      }
    }
    if (total > 0 && done !== total) {
      throw new Error(`download ${url}: interrupted after ${done} of ${total} bytes`);
    }
    const got = h.hex();
    if (got !== options.md5) {
      throw new Error(
        `download ${url}: MD5 mismatch: expected ${options.md5} (published), got ${got}; ` +
          `the file is corrupt or not the official one, so it was deleted`,
      );
    }
    await Deno.rename(tmp, dest);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw stalled ? new Error(stalled) : e;
  } finally {
    clearTimeout(timer);
  }
}

async function tryUrls(
  bases: string[],
  file: RemoteFile,
  dest: string,
  options: { quiet: boolean; timeoutMs?: number },
): Promise<void> {
  const errors: string[] = [];
  for (const base of bases) {
    const url = base.endsWith("/") ? base + file.name : `${base}/${file.name}`;
    try {
      return await downloadFile(url, dest, { md5: file.md5, ...options });
    } catch (e) {
      errors.push((e as Error).message);
      if ((e as Error).message.includes("MD5 mismatch")) break;
    }
  }
  throw new Error(errors.join("; "));
}

function workPrefix(name: string): string {
  return `.${name}.download-${Deno.hostname()}-${Deno.pid}-`;
}

/**
 * Removes work directories left in `root` by downloads of `name` whose process was killed (same
 * host, process gone). Work directories of live processes or other hosts are left alone.
 */
export async function removeStaleDownloads(root: string, name: string): Promise<string[]> {
  const removed: string[] = [];
  const re = new RegExp(`^\\.${name.replace(/[^\w]/g, "\\$&")}\\.download-(.+)-(\\d+)-[^-]+$`);
  const hasProc = await Deno.stat("/proc/self").then(() => true, () => false);
  let entries: Deno.DirEntry[];
  if (!hasProc) return removed; // cannot tell whether a process is alive
  try {
    entries = [...Deno.readDirSync(root)];
  } catch {
    return removed;
  }
  for (const e of entries) {
    const m = re.exec(e.name);
    if (!m || !e.isDirectory || m[1] !== Deno.hostname()) continue;
    const alive = await Deno.stat(`/proc/${m[2]}`).then(() => true, () => false);
    if (alive) continue;
    await Deno.remove(`${root}/${e.name}`, { recursive: true }).catch(() => {});
    removed.push(`${root}/${e.name}`);
  }
  return removed;
}

/**
 * Downloads dataset `spec` into `<root>/<spec.name>/` (created atomically: everything is built in
 * a temporary directory under `root` and renamed at the end). Returns the final directory.
 * Fails if that directory already exists.
 */
export async function downloadDataset(
  spec: DatasetSpec,
  root: string,
  options: DownloadOptions = {},
): Promise<string> {
  const quiet = options.quiet ?? false;
  const bases = options.url ? [options.url] : spec.urls;
  const final = `${root}/${spec.name}`;
  await Deno.mkdir(root, { recursive: true });
  await removeStaleDownloads(root, spec.name);
  const work = await Deno.makeTempDir({ dir: root, prefix: workPrefix(spec.name) });
  try {
    const out = `${work}/${spec.name}`;
    await Deno.mkdir(out);
    if ("archive" in spec.remote) {
      const { archive, archiveDir } = spec.remote;
      const path = `${work}/${archive.name}`;
      await tryUrls(bases, archive, path, { quiet, timeoutMs: options.timeoutMs });
      const tarBytes = await gunzip(await Deno.readFile(path), path, {
        maxBytes: ARCHIVE_MAX_BYTES,
      });
      const entries = untar(tarBytes, archive.name);
      const prefix = `${archiveDir}/`;
      let count = 0;
      for (const e of entries) {
        if (e.type !== "file" || !e.name.startsWith(prefix)) continue;
        const rel = e.name.slice(prefix.length);
        if (rel.includes("/") || rel === "" || rel === "..") continue;
        await Deno.writeFile(`${out}/${rel}`, e.data);
        count++;
      }
      if (count === 0) throw new Error(`${archive.name}: no files under ${prefix} in the archive`);
    } else {
      for (const f of spec.remote.files) {
        await tryUrls(bases, f, `${out}/${f.name}`, { quiet, timeoutMs: options.timeoutMs });
      }
    }
    try {
      await Deno.rename(out, final);
    } catch (e) {
      // Another process (e.g. a parallel Slurm job) may have finished the same download first.
      if (!(await Deno.stat(final).then((st) => st.isDirectory, () => false))) throw e;
    }
    return final;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

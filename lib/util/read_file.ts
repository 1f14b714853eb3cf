/**
 * Whole-file reads for large inputs (datasets, weights, caches). Deno 2.9's `Deno.readFile` /
 * `Deno.readFileSync` took ~240 ms for a 30 MB CIFAR-10 batch file in the page cache, against
 * ~8 ms for one `readSync` into a buffer of the file's size (measured on the project machine,
 * 2026-12-06); every run of a grid reads six such files.
 *
 * @module
 */

/**
 * The bytes of the file at `path`, read synchronously into a buffer of its `stat` size (and on
 * past it if the file grew meanwhile). With `reuse` at least that large, the bytes go into its
 * start and a view of it is returned (fresh memory is slow to touch on some VMs: reading six
 * CIFAR files into one buffer touches 30 MB instead of 180 MB). Throws what
 * `Deno.readFileSync` throws (e.g. `Deno.errors.NotFound`).
 *
 * @example
 * ```ts
 * import { readFileBytes } from "./read_file.ts";
 * const bytes = readFileBytes(new URL(import.meta.url));
 * console.assert(bytes.length > 0);
 * ```
 */
export function readFileBytes(
  path: string | URL,
  options: { reuse?: Uint8Array } = {},
): Uint8Array {
  using file = Deno.openSync(path);
  const size = file.statSync().size;
  let buf = options.reuse && options.reuse.length >= size
    ? options.reuse.subarray(0, size)
    : new Uint8Array(size);
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      // At the size `stat` gave: the end, unless the file grew since (a small probe read).
      const more = new Uint8Array(65536);
      const n = file.readSync(more);
      if (n === null) break;
      const grown = new Uint8Array(Math.max(2 * buf.length, length + n));
      grown.set(buf);
      grown.set(more.subarray(0, n), length);
      buf = grown;
      length += n;
      continue;
    }
    const n = file.readSync(buf.subarray(length));
    if (n === null) break;
    length += n;
  }
  return length === buf.length ? buf : buf.subarray(0, length);
}

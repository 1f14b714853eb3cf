/**
 * A minimal ustar reader (and writer, for tests): regular files and directories, GNU long names
 * and pax `path` records. Enough for `cifar-10-binary.tar.gz`.
 *
 * @module
 */

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive (no leading "./"). */
  name: string;
  /** "file" or "directory"; other member types are reported as "other". */
  type: "file" | "directory" | "other";
  /** Contents (a view into the archive bytes for reads). */
  data: Uint8Array;
}

const BLOCK = 512;
const dec = new TextDecoder();

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return dec.decode(b.subarray(start, end));
}

function octal(b: Uint8Array, start: number, len: number, file: string, what: string): number {
  const s = cString(b, start, len).trim();
  if (!/^[0-7]*$/.test(s)) {
    throw new Error(`${file}: at byte offset ${start}: ${what} "${s}" is not an octal number`);
  }
  return s === "" ? 0 : parseInt(s, 8);
}

/**
 * Parses a ustar archive held in memory. A bad header checksum, a member running past the end or
 * a missing end-of-archive marker throws an error naming `file` and the byte offset.
 */
export function untar(bytes: Uint8Array, file = "archive"): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  while (true) {
    if (off + BLOCK > bytes.length) {
      throw new Error(`${file}: at byte offset ${off}: truncated tar (expected a 512-byte header)`);
    }
    const h = bytes.subarray(off, off + BLOCK);
    if (h.every((v) => v === 0)) return entries;
    const stored = octal(h, 148, 8, file, "header checksum");
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== stored) {
      throw new Error(
        `${file}: at byte offset ${off}: tar header checksum ${stored}, computed ${sum}`,
      );
    }
    const size = octal(h, 124, 12, file, "member size");
    const flag = String.fromCharCode(h[156] || 48);
    const start = off + BLOCK;
    if (start + size > bytes.length) {
      throw new Error(
        `${file}: at byte offset ${bytes.length}: truncated tar member (expected ${size} bytes ` +
          `from offset ${start})`,
      );
    }
    const data = bytes.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "L") {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (flag === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(dec.decode(data));
      if (m) longName = m[1];
      continue;
    }
    if (flag === "g") continue;
    const prefix = dec.decode(h.subarray(257, 262)) === "ustar" ? cString(h, 345, 155) : "";
    let name = longName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    longName = null;
    name = name.replace(/^(\.\/)+/, "");
    const type = flag === "0" || flag === "7" ? "file" : flag === "5" ? "directory" : "other";
    entries.push({ name, type, data });
  }
}

function putString(h: Uint8Array, s: string, start: number, len: number): void {
  const b = new TextEncoder().encode(s);
  if (b.length > len) throw new Error(`tar: "${s}" longer than ${len} bytes`);
  h.set(b, start);
}

/** Writes entries as a ustar archive (names ≤ 100 bytes), ending with two zero blocks. */
export function tar(
  entries: { name: string; data?: Uint8Array; type?: "file" | "directory" }[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.data ?? new Uint8Array(0);
    const h = new Uint8Array(BLOCK);
    putString(h, e.name, 0, 100);
    putString(h, e.type === "directory" ? "0000755\0" : "0000644\0", 100, 8);
    putString(h, "0000000\0", 108, 8);
    putString(h, "0000000\0", 116, 8);
    putString(h, data.length.toString(8).padStart(11, "0") + "\0", 124, 12);
    putString(h, "00000000000\0", 136, 12);
    h[156] = e.type === "directory" ? 53 : 48;
    putString(h, "ustar\0" + "00", 257, 8);
    h.fill(32, 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i];
    putString(h, sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
    parts.push(h);
    const padded = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
    padded.set(data);
    parts.push(padded);
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

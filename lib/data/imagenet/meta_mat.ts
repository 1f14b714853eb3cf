/**
 * A reader for the ILSVRC-2012 devkit's `data/meta.mat` (MATLAB 5 format), which maps the
 * ILSVRC2012_ID used by `ILSVRC2012_validation_ground_truth.txt` to WordNet ids. Only what that
 * file uses is implemented: little-endian MAT 5 files, compressed or not, holding struct arrays,
 * cell arrays, char arrays and real numeric arrays.
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** A MATLAB value as read: numbers, strings, struct arrays (array of records) and cells. */
export type MatValue = number[] | string | Record<string, MatValue>[] | MatValue[];

/** One synset of the devkit: its ILSVRC2012_ID, WordNet id and words. */
export interface Synset {
  id: number;
  wnid: string;
  words: string;
}

const MI_MATRIX = 14, MI_COMPRESSED = 15;
const MX_CELL = 1, MX_STRUCT = 2, MX_CHAR = 4;

interface Element {
  type: number;
  data: Uint8Array;
  /** Offset just after the element (padded to 8 bytes). */
  next: number;
}

function element(buf: Uint8Array, off: number, file: string): Element {
  if (off + 8 > buf.length) throw matError(file, off, "truncated data element tag");
  const v = new DataView(buf.buffer, buf.byteOffset + off, 8);
  const first = v.getUint32(0, true);
  if (first >>> 16 !== 0) { // small data element: type and size in the first 4 bytes
    const n = first >>> 16;
    return { type: first & 0xffff, data: buf.subarray(off + 4, off + 4 + n), next: off + 8 };
  }
  const n = v.getUint32(4, true);
  if (off + 8 + n > buf.length) throw matError(file, off, `element of ${n} bytes is truncated`);
  const padded = first === MI_COMPRESSED ? n : Math.ceil(n / 8) * 8;
  return { type: first, data: buf.subarray(off + 8, off + 8 + n), next: off + 8 + padded };
}

function matError(file: string, off: number, msg: string): Error {
  return new Error(`${file}: at byte offset ${off}: ${msg} (expected a MATLAB 5 .mat file)`);
}

function numbers(e: Element, file: string): number[] {
  const d = e.data, v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: number[] = [];
  const each = (size: number, get: (o: number) => number) => {
    for (let o = 0; o + size <= d.length; o += size) out.push(get(o));
  };
  switch (e.type) {
    case 1:
      each(1, (o) => v.getInt8(o));
      break;
    case 2:
    case 16: // utf8
      each(1, (o) => v.getUint8(o));
      break;
    case 3:
      each(2, (o) => v.getInt16(o, true));
      break;
    case 4:
    case 17: // utf16
      each(2, (o) => v.getUint16(o, true));
      break;
    case 5:
      each(4, (o) => v.getInt32(o, true));
      break;
    case 6:
    case 18: // utf32
      each(4, (o) => v.getUint32(o, true));
      break;
    case 7:
      each(4, (o) => v.getFloat32(o, true));
      break;
    case 9:
      each(8, (o) => v.getFloat64(o, true));
      break;
    case 12:
      each(8, (o) => Number(v.getBigInt64(o, true)));
      break;
    case 13:
      each(8, (o) => Number(v.getBigUint64(o, true)));
      break;
    default:
      throw new Error(`${file}: unsupported MATLAB data type ${e.type}`);
  }
  return out;
}

/** Parses one miMATRIX body; returns the variable name and value. */
function matrix(body: Uint8Array, file: string): { name: string; value: MatValue } {
  if (body.length === 0) return { name: "", value: [] };
  let off = 0;
  const next = () => {
    const e = element(body, off, file);
    off = e.next;
    return e;
  };
  const flags = numbers(next(), file);
  const cls = flags[0] & 0xff;
  const dims = numbers(next(), file);
  const name = new TextDecoder().decode(next().data);
  const count = dims.reduce((a, b) => a * b, 1);
  if (cls === MX_STRUCT) {
    const len = numbers(next(), file)[0];
    const raw = next().data;
    const fields: string[] = [];
    for (let i = 0; i + len <= raw.length; i += len) {
      fields.push(new TextDecoder().decode(raw.subarray(i, i + len)).replace(/\0+$/, ""));
    }
    const records: Record<string, MatValue>[] = [];
    for (let i = 0; i < count; i++) {
      const rec: Record<string, MatValue> = {};
      for (const f of fields) rec[f] = matrix(expectMatrix(next(), file, off), file).value;
      records.push(rec);
    }
    return { name, value: records };
  }
  if (cls === MX_CELL) {
    const cells: MatValue[] = [];
    for (let i = 0; i < count; i++) cells.push(matrix(expectMatrix(next(), file, off), file).value);
    return { name, value: cells };
  }
  const data = numbers(next(), file);
  if (cls === MX_CHAR) return { name, value: String.fromCodePoint(...data) };
  return { name, value: data };
}

function expectMatrix(e: Element, file: string, off: number): Uint8Array {
  if (e.type !== MI_MATRIX) throw matError(file, off, `expected a matrix element, got ${e.type}`);
  return e.data;
}

/** Reads every variable of a MATLAB 5 `.mat` file. */
export function parseMat(bytes: Uint8Array, file = "<mat>"): Record<string, MatValue> {
  if (bytes.length < 128 || bytes[126] !== 0x49 || bytes[127] !== 0x4d) {
    throw matError(file, 126, "no little-endian MATLAB 5 header ('IM' at byte 126)");
  }
  const out: Record<string, MatValue> = {};
  let off = 128;
  while (off + 8 <= bytes.length) {
    let e = element(bytes, off, file);
    off = e.next;
    if (e.type === MI_COMPRESSED) {
      const raw = new Uint8Array(inflateSync(e.data));
      e = element(raw, 0, file);
    }
    if (e.type !== MI_MATRIX) continue;
    const { name, value } = matrix(e.data, file);
    out[name] = value;
  }
  return out;
}

/** The synsets of the devkit's `meta.mat` (variable `synsets`: ILSVRC2012_ID, WNID, words). */
export async function readMetaMat(path: string): Promise<Synset[]> {
  const vars = parseMat(await Deno.readFile(path), path);
  const synsets = vars.synsets;
  if (!Array.isArray(synsets) || synsets.length === 0 || typeof synsets[0] !== "object") {
    throw new Error(`${path}: no struct array 'synsets'; expected the ILSVRC2012 devkit meta.mat`);
  }
  return (synsets as Record<string, MatValue>[]).map((s, i) => {
    const id = (s.ILSVRC2012_ID as number[] | undefined)?.[0];
    const wnid = s.WNID;
    if (typeof id !== "number" || typeof wnid !== "string") {
      throw new Error(`${path}: synsets(${i + 1}) lacks ILSVRC2012_ID or WNID`);
    }
    return { id, wnid, words: typeof s.words === "string" ? s.words : "" };
  });
}

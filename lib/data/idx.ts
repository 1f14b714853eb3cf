/**
 * IDX files (MNIST, Fashion-MNIST), plain or gzipped: a 4-byte magic number (0, 0, type 0x08 for
 * uint8, number of dimensions), big-endian uint32 dimensions, then the data.
 *
 * @module
 */
import { formatError } from "./dataset.ts";

/** A decoded uint8 IDX array. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** True when `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Default bound on what {@link gunzip} unpacks: 512 MiB (the largest IDX file is 47 MB). */
export const GUNZIP_MAX_BYTES = 512 * 2 ** 20;

/**
 * Gunzips `bytes` with `DecompressionStream`; a corrupt or truncated stream names `file`. The
 * size is checked while streaming: past `options.maxBytes` (default {@link GUNZIP_MAX_BYTES})
 * the stream is cancelled and an error thrown, so a gzip bomb never uses more memory than that
 * (plus one 4 MiB chunk).
 */
export async function gunzip(
  bytes: Uint8Array,
  file: string,
  options: { maxBytes?: number } = {},
): Promise<Uint8Array> {
  const max = options.maxBytes ?? GUNZIP_MAX_BYTES;
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Small input slices: the decompressor emits one output chunk per input chunk, so a slice of
  // 4 KiB unpacks to at most ~4 MiB before the bound is checked (deflate expands ≤ 1032×).
  let at = 0;
  const src = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + 4096) as Uint8Array<ArrayBuffer>);
      at += 4096;
    },
  });
  const reader = src.pipeThrough(new DecompressionStream("gzip")).getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel().catch(() => {});
        throw new RangeError(
          `${file}: unpacks to more than ${max} bytes (the limit for gzip data); ` +
            "the file is not a dataset file or is damaged",
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof RangeError) throw e;
    throw new Error(`${file}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Decodes an (uncompressed) IDX file holding uint8 data with `ndims` dimensions. A wrong magic
 * number, wrong dimension count or a size that does not match the header throws an error naming
 * the file and byte offset.
 */
export function decodeIdx(bytes: Uint8Array, file: string, ndims: number): IdxArray {
  if (bytes.length < 4) {
    throw formatError(file, bytes.length, `truncated: expected a 4-byte IDX magic number`);
  }
  const magic = (bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) >>> 0;
  const want = 0x0800 + ndims;
  if (magic !== want) {
    throw formatError(
      file,
      0,
      `wrong magic number 0x${magic.toString(16).padStart(8, "0")}, expected ` +
        `0x${want.toString(16).padStart(8, "0")} (IDX uint8, ${ndims} dimension(s))`,
    );
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw formatError(file, bytes.length, `truncated header: expected ${header} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    dims.push(view.getUint32(4 + 4 * i));
    size *= dims[i];
  }
  if (bytes.length !== header + size) {
    throw formatError(
      file,
      Math.min(bytes.length, header + size),
      `expected ${header + size} bytes for dimensions [${dims.join(", ")}], file has ` +
        `${bytes.length} (${bytes.length < header + size ? "truncated" : "trailing bytes"})`,
    );
  }
  return { dims, data: bytes.slice(header) };
}

/** Encodes uint8 `data` with `dims` as an IDX file (inverse of {@link decodeIdx}). */
export function encodeIdx(data: Uint8Array, dims: number[]): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new Error(`encodeIdx: dims [${dims}] need ${size} bytes, got ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, header);
  return out;
}

/**
 * Decodes an IDX image file and its label file into HWC images (C = 1) and labels, checking that
 * counts agree and every label is below `numClasses`.
 */
export function decodeIdxPair(
  imageBytes: Uint8Array,
  imageFile: string,
  labelBytes: Uint8Array,
  labelFile: string,
  numClasses: number,
): { images: Uint8Array; labels: Uint8Array; n: number; shape: [number, number, number] } {
  const img = decodeIdx(imageBytes, imageFile, 3);
  const lab = decodeIdx(labelBytes, labelFile, 1);
  if (img.dims[0] !== lab.dims[0]) {
    throw formatError(
      labelFile,
      4,
      `label count ${lab.dims[0]} does not match the ${img.dims[0]} images of ${imageFile}`,
    );
  }
  for (let i = 0; i < lab.data.length; i++) {
    if (lab.data[i] >= numClasses) {
      throw formatError(
        labelFile,
        8 + i,
        `label ${i} is ${lab.data[i]}, expected 0..${numClasses - 1}`,
      );
    }
  }
  return {
    images: img.data,
    labels: lab.data,
    n: img.dims[0],
    shape: [img.dims[1], img.dims[2], 1],
  };
}

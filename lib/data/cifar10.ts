/**
 * CIFAR-10 binary format: records of 1 label byte followed by 3072 pixel bytes (R, G, B planes of
 * 32×32, row-major). Pixels are converted once to HWC uint8 on load.
 *
 * @module
 */
import { formatError } from "./dataset.ts";

/** Bytes per CIFAR-10 record: 1 label + 32·32·3 pixels. */
export const CIFAR_RECORD_BYTES = 3073;
const PLANE = 1024;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Options of {@link decodeCifar}. */
export interface DecodeCifarOptions {
  /** Exact number of records expected; a different count is an error. */
  expectedRecords?: number;
  /** Number of classes; label bytes must be below it. Default 10. */
  numClasses?: number;
  /**
   * Decode into these arrays from record `at` on (HWC images, labels) instead of new ones, e.g.
   * the combined arrays of several files; they must have room for this file's records.
   */
  into?: { images: Uint8Array; labels: Uint8Array; at: number };
  /** Decode the pixels of a record only where this returns true (labels are always read). */
  decode?: (label: number, record: number) => boolean;
}

/**
 * Decodes one CIFAR-10 binary file's bytes into HWC pixels and labels. `file` names the input in
 * errors. A size that is not a whole number of records, an unexpected record count or a label byte
 * out of range throws an error naming the file and byte offset.
 */
export function decodeCifar(
  bytes: Uint8Array,
  file: string,
  options: DecodeCifarOptions = {},
): { images: Uint8Array; labels: Uint8Array; n: number } {
  const numClasses = options.numClasses ?? 10;
  const rem = bytes.length % CIFAR_RECORD_BYTES;
  if (bytes.length === 0 || rem !== 0) {
    const whole = bytes.length - rem;
    throw formatError(
      file,
      whole,
      `file size ${bytes.length} is not a positive whole number of ${CIFAR_RECORD_BYTES}-byte ` +
        `records (truncated or wrong file: ${rem} trailing bytes after ` +
        `${whole / CIFAR_RECORD_BYTES} records)`,
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  if (options.expectedRecords !== undefined && n !== options.expectedRecords) {
    throw formatError(
      file,
      Math.min(bytes.length, options.expectedRecords * CIFAR_RECORD_BYTES),
      `expected ${options.expectedRecords} records (${
        options.expectedRecords * CIFAR_RECORD_BYTES
      } bytes), found ${n} records (${bytes.length} bytes)`,
    );
  }
  const at = options.into?.at ?? 0;
  const images = options.into?.images ?? new Uint8Array(n * 3 * PLANE);
  const labels = options.into?.labels ?? new Uint8Array(n);
  if (images.length < (at + n) * 3 * PLANE || labels.length < at + n) {
    throw new RangeError(`decodeCifar ${file}: the target arrays have no room for ${n} records`);
  }
  // Four pixels (12 HWC bytes) as three little-endian words where the output is 4-byte aligned.
  const words = (images.byteOffset & 3) === 0
    ? new Uint32Array(images.buffer, images.byteOffset, images.length >> 2)
    : undefined;
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    const label = bytes[base];
    if (label >= numClasses) {
      throw formatError(
        file,
        base,
        `label byte of record ${r} is ${label}, expected 0..${numClasses - 1}`,
      );
    }
    labels[at + r] = label;
    if (options.decode && !options.decode(label, r)) continue;
    const src = base + 1;
    const dst = (at + r) * 3 * PLANE;
    if (words && LITTLE_ENDIAN) {
      for (let p = 0, w = dst >> 2; p < PLANE; p += 4, w += 3) {
        const i = src + p, g = i + PLANE, b = i + 2 * PLANE;
        words[w] = bytes[i] | (bytes[g] << 8) | (bytes[b] << 16) | (bytes[i + 1] << 24);
        words[w + 1] = bytes[g + 1] | (bytes[b + 1] << 8) | (bytes[i + 2] << 16) |
          (bytes[g + 2] << 24);
        words[w + 2] = bytes[b + 2] | (bytes[i + 3] << 8) | (bytes[g + 3] << 16) |
          (bytes[b + 3] << 24);
      }
      continue;
    }
    for (let p = 0; p < PLANE; p++) {
      const o = dst + 3 * p;
      images[o] = bytes[src + p];
      images[o + 1] = bytes[src + PLANE + p];
      images[o + 2] = bytes[src + 2 * PLANE + p];
    }
  }
  return { images, labels, n };
}

/**
 * Encodes HWC pixels (32×32×3 each) and labels into CIFAR-10 binary records (inverse of
 * {@link decodeCifar}); used to write test files.
 */
export function encodeCifar(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * 3 * PLANE) {
    throw new Error(`encodeCifar: expected ${n * 3 * PLANE} pixel bytes, got ${images.length}`);
  }
  const out = new Uint8Array(n * CIFAR_RECORD_BYTES);
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    out[base] = labels[r];
    const src = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      out[base + 1 + p] = images[src + 3 * p];
      out[base + 1 + PLANE + p] = images[src + 3 * p + 1];
      out[base + 1 + 2 * PLANE + p] = images[src + 3 * p + 2];
    }
  }
  return out;
}

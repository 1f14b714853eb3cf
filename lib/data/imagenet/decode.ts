/**
 * Decoding one ImageNet example into network input: read the file, decode and colour-convert it
 * with sharp (libvips: JPEG, PNG, grayscale and CMYK files all become sRGB), cut the crop box
 * (random-resized for training, centred for evaluation), resize it to S×S, flip, normalise. The
 * randomness of an example comes only from its `key` (derived from seed, epoch and position by
 * the loader), so any worker decodes it to the same pixels.
 *
 * The same module decodes examples of a cache (`cache.ts`): uint8 S×S images read at an offset of
 * a shard file, then cropped and resized bilinearly in TypeScript.
 *
 * @module
 */
import sharp from "sharp";
import { mulberry32 } from "../rng.ts";
import {
  type Box,
  centerCropBox,
  cropResizeNormalize,
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizeInto,
  randomResizedCropBox,
} from "./transform.ts";

/** Thrown when an image file cannot be read or decoded; `file` names it. */
export class ImageDecodeError extends Error {
  /** The file that failed. */
  file: string;
  constructor(file: string, reason: string) {
    super(`${file}: cannot decode image: ${reason}`);
    this.name = "ImageDecodeError";
    this.file = file;
  }
}

/**
 * What to do with an example: `train` (random-resized crop + random flip), `eval` (centre crop of
 * 0.875 × the shorter side) or `cache` (centre crop of the whole shorter side, for cache files).
 */
export type DecodeMode = "train" | "eval" | "cache";

/** One example to decode: a JPEG/PNG file, or an S×S×3 uint8 record of a cache shard. */
export type DecodeItem =
  | { source: "file"; path: string; mode: DecodeMode; key: number }
  | {
    source: "cache";
    path: string;
    offset: number;
    srcSize: number;
    mode: DecodeMode;
    key: number;
  };

/** Output size and normalisation of a decode call. */
export interface DecodeSpec {
  /** Output side S (images are S×S×3). */
  size: number;
  /** Per-channel mean of pixel/255 (default ImageNet's). */
  mean?: readonly number[];
  /** Per-channel std of pixel/255 (default ImageNet's). */
  std?: readonly number[];
}

let configured = false;
function configureSharp(): void {
  if (configured) return;
  configured = true;
  sharp.cache(false); // no libvips operation cache: every file is seen once per epoch
  sharp.concurrency(1); // parallelism comes from the loader's workers, one libvips thread each
}

/** The crop box and flip of an example of size `w`×`h` in `mode`, from its key. */
export function cropFor(w: number, h: number, mode: DecodeMode, key: number): {
  box: Box;
  flip: boolean;
} {
  if (mode === "train") {
    const rng = mulberry32(key);
    const box = randomResizedCropBox(w, h, rng);
    return { box, flip: (rng() & 1) === 1 };
  }
  return { box: centerCropBox(w, h, mode === "eval" ? 0.875 : 1), flip: false };
}

/**
 * Decodes an image file (any format libvips reads) to `size`×`size`×3 uint8 sRGB pixels after
 * the crop and flip of `mode`/`key`. Truncated or unreadable files throw an
 * {@link ImageDecodeError} naming the file.
 */
export async function decodeFile(
  path: string,
  mode: DecodeMode,
  key: number,
  size: number,
): Promise<Uint8Array> {
  configureSharp();
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new ImageDecodeError(path, (err as Error).message);
  }
  try {
    const meta = await sharp(bytes, { failOn: "truncated" }).metadata();
    if (!meta.width || !meta.height) throw new Error("no image size in the header");
    const { box, flip } = cropFor(meta.width, meta.height, mode, key);
    let img = sharp(bytes, { failOn: "truncated" })
      .extract(box)
      .resize(size, size, { fit: "fill", kernel: "linear" });
    if (flip) img = img.flop();
    const { data, info } = await img.toColourspace("srgb").removeAlpha().raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected RGB`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(path, (err as Error).message);
  }
}

const shardFiles = new Map<string, Deno.FsFile>();

function readRecord(path: string, offset: number, length: number): Uint8Array {
  let f = shardFiles.get(path);
  if (!f) {
    f = Deno.openSync(path, { read: true });
    shardFiles.set(path, f);
  }
  const buf = new Uint8Array(length);
  f.seekSync(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = f.readSync(buf.subarray(got));
    if (n === null || n === 0) {
      throw new ImageDecodeError(path, `cache record at byte ${offset} is truncated`);
    }
    got += n;
  }
  return buf;
}

/** Closes the cache shard files this thread opened. */
export function closeShards(): void {
  for (const f of shardFiles.values()) f.close();
  shardFiles.clear();
}

/**
 * Decodes `items` into `dst` (`items.length`·S·S·3 float32, NHWC, normalised). Files go through
 * sharp (several in flight); cache records through {@link cropResizeNormalize}.
 */
export async function decodeInto(
  items: readonly DecodeItem[],
  spec: DecodeSpec,
  dst: Float32Array,
): Promise<void> {
  const s = spec.size, per = s * s * 3;
  const mean = spec.mean ?? IMAGENET_MEAN, std = spec.std ?? IMAGENET_STD;
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.source === "cache") {
      const raw = readRecord(it.path, it.offset, it.srcSize * it.srcSize * 3);
      const { box, flip } = cropFor(it.srcSize, it.srcSize, it.mode, it.key);
      if (
        it.mode === "cache" || (box.width === s && box.height === s && !flip && it.srcSize === s)
      ) {
        normalizeInto(raw, dst, i * per, mean, std);
      } else {cropResizeNormalize(
          raw,
          it.srcSize,
          it.srcSize,
          box,
          s,
          flip,
          dst,
          i * per,
          mean,
          std,
        );}
      continue;
    }
    tasks.push(
      decodeFile(it.path, it.mode, it.key, s).then((px) => {
        normalizeInto(px, dst, i * per, mean, std);
      }),
    );
    if (tasks.length >= 4) await Promise.all(tasks.splice(0));
  }
  await Promise.all(tasks);
}

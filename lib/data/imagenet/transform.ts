/**
 * The standard ImageNet augmentation as pure functions of the image size and a seeded generator:
 * the random-resized crop of Szegedy et al. 2015 (the torchvision `RandomResizedCrop` algorithm:
 * area fraction uniform in [0.08, 1], log-uniform aspect ratio in [3/4, 4/3], 10 tries, then a
 * centre crop with the ratio clamped), the evaluation centre crop (resize the shorter side to
 * S/0.875, crop S: a centred square of 0.875 × the shorter side), and a bilinear crop-and-resize
 * of uint8 HWC pixels into normalised float32 (used on cached images; JPEGs go through sharp).
 *
 * @module
 */
import type { Rng } from "../rng.ts";
import { IMAGENET } from "../specs.ts";

/** Per-channel mean of pixel/255 over the ImageNet training set (RGB; `IMAGENET.mean` of the specs). */
export const IMAGENET_MEAN: readonly number[] = IMAGENET.mean;
/** Per-channel standard deviation of pixel/255 over the ImageNet training set (RGB; `IMAGENET.std`). */
export const IMAGENET_STD: readonly number[] = IMAGENET.std;

/** A crop rectangle in pixels of the source image. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Options of {@link randomResizedCropBox}. */
export interface RandomCropOptions {
  /** Range of the crop's area as a fraction of the image. Default [0.08, 1]. */
  scale?: [number, number];
  /** Range of the crop's aspect ratio width/height (sampled log-uniformly). Default [3/4, 4/3]. */
  ratio?: [number, number];
}

const uniform = (rng: Rng) => rng() / 4294967296;

/**
 * The random-resized crop box of a `width`×`height` image (torchvision's algorithm): up to 10
 * tries of area ∈ U(scale)·W·H and log-ratio ∈ U(log ratio), w = round(√(area·r)),
 * h = round(√(area/r)); the first that fits is placed uniformly. Otherwise a centred crop of the
 * whole image with its aspect ratio clamped to `ratio`.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: Rng,
  options: RandomCropOptions = {},
): Box {
  const [s0, s1] = options.scale ?? [0.08, 1];
  const [r0, r1] = options.ratio ?? [3 / 4, 4 / 3];
  if (!(s0 > 0 && s0 <= s1 && s1 <= 1)) {
    throw new Error(`scale must satisfy 0 < min ≤ max ≤ 1, got [${s0}, ${s1}]`);
  }
  if (!(r0 > 0 && r0 <= r1)) {
    throw new Error(`ratio must satisfy 0 < min ≤ max, got [${r0}, ${r1}]`);
  }
  const area = width * height;
  const l0 = Math.log(r0), l1 = Math.log(r1);
  for (let i = 0; i < 10; i++) {
    const target = area * (s0 + (s1 - s0) * uniform(rng));
    const r = Math.exp(l0 + (l1 - l0) * uniform(rng));
    const w = Math.round(Math.sqrt(target * r));
    const h = Math.round(Math.sqrt(target / r));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = Math.floor(uniform(rng) * (height - h + 1));
      const left = Math.floor(uniform(rng) * (width - w + 1));
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width, h = height;
  if (inRatio < r0) h = Math.round(w / r0);
  else if (inRatio > r1) w = Math.round(h * r1);
  return {
    left: Math.floor((width - w) / 2),
    top: Math.floor((height - h) / 2),
    width: w,
    height: h,
  };
}

/**
 * The evaluation crop: a centred square whose side is `fraction` (default 0.875 = 224/256) of the
 * shorter side, i.e. "resize the shorter side to S/fraction, then centre-crop S".
 */
export function centerCropBox(width: number, height: number, fraction = 0.875): Box {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new Error(`center crop fraction must be in (0, 1], got ${fraction}`);
  }
  const side = Math.max(1, Math.round(Math.min(width, height) * fraction));
  return {
    left: Math.floor((width - side) / 2),
    top: Math.floor((height - side) / 2),
    width: side,
    height: side,
  };
}

/**
 * Crops `box` out of `src` (`srcW`×`srcH`×3 uint8, HWC), resizes it to `size`×`size` with
 * bilinear interpolation (pixel centres aligned, as in OpenCV/PIL without antialiasing), mirrors
 * it horizontally when `flip`, and writes (v/255 − mean)/std into `dst` at `dstOff`.
 */
export function cropResizeNormalize(
  src: Uint8Array,
  srcW: number,
  srcH: number,
  box: Box,
  size: number,
  flip: boolean,
  dst: Float32Array,
  dstOff: number,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): void {
  const sx = box.width / size, sy = box.height / size;
  const m0 = mean[0] * 255, m1 = mean[1] * 255, m2 = mean[2] * 255;
  const k0 = 1 / (std[0] * 255), k1 = 1 / (std[1] * 255), k2 = 1 / (std[2] * 255);
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max(box.top + (y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, srcH - 1), wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const xs = flip ? size - 1 - x : x;
      const fx = Math.min(Math.max(box.left + (xs + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, srcW - 1), wx = fx - x0;
      const a = (y0 * srcW + x0) * 3, b = (y0 * srcW + x1) * 3;
      const c = (y1 * srcW + x0) * 3, d = (y1 * srcW + x1) * 3;
      const w00 = (1 - wx) * (1 - wy), w01 = wx * (1 - wy), w10 = (1 - wx) * wy, w11 = wx * wy;
      const o = dstOff + (y * size + x) * 3;
      dst[o] = (src[a] * w00 + src[b] * w01 + src[c] * w10 + src[d] * w11 - m0) * k0;
      dst[o + 1] =
        (src[a + 1] * w00 + src[b + 1] * w01 + src[c + 1] * w10 + src[d + 1] * w11 - m1) *
        k1;
      dst[o + 2] =
        (src[a + 2] * w00 + src[b + 2] * w01 + src[c + 2] * w10 + src[d + 2] * w11 - m2) *
        k2;
    }
  }
}

/** Writes `size`×`size`×3 uint8 pixels as (v/255 − mean)/std into `dst` at `dstOff`. */
export function normalizeInto(
  src: Uint8Array,
  dst: Float32Array,
  dstOff: number,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): void {
  const m = [mean[0] * 255, mean[1] * 255, mean[2] * 255];
  const k = [1 / (std[0] * 255), 1 / (std[1] * 255), 1 / (std[2] * 255)];
  for (let i = 0; i < src.length; i++) {
    const c = i % 3;
    dst[dstOff + i] = (src[i] - m[c]) * k[c];
  }
}

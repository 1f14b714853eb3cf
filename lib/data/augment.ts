/**
 * The per-example kernel of the batch iterator: uint8 HWC → normalised float32 in one pass, with
 * optional zero padding + crop (shift) and horizontal flip. Plain typed-array loops, no closures.
 *
 * @module
 */

/**
 * A lookup table `lut[c·256 + v] = (v/255 − mean[c]) / std[c]` for `channels` channels. With
 * `mean`/`std` absent the table is `v/255`.
 */
export function normalizationTable(
  channels: number,
  mean?: number[],
  std?: number[],
): Float32Array {
  if (mean && mean.length !== channels) {
    throw new Error(`normalize.mean has ${mean.length} values, expected ${channels} (channels)`);
  }
  if (std && std.length !== channels) {
    throw new Error(`normalize.std has ${std.length} values, expected ${channels} (channels)`);
  }
  if (std && std.some((s) => !(s > 0))) throw new Error(`normalize.std must be > 0: [${std}]`);
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = mean && std ? (v / 255 - mean[c]) / std[c] : v / 255;
    }
  }
  return lut;
}

/**
 * Writes example `src[srcOff ..]` (H·W·C uint8, HWC) into `dst[dstOff ..]` as float32 through
 * `lut`. The output pixel (y, x) is the input pixel (y + dy − pad, x' + dx − pad) with
 * x' = W − 1 − x when `flip`, else x; outside the input it is a zero pixel (`lut[c·256]`). With
 * `pad = 4` and dy, dx uniform in [0, 8] this is the standard 4-pixel pad + random crop + flip.
 */
export function writeExample(
  src: Uint8Array,
  srcOff: number,
  shape: readonly [number, number, number],
  dst: Float32Array,
  dstOff: number,
  lut: Float32Array,
  crop: { dy: number; dx: number; pad: number; flip: boolean },
): void {
  const [h, w, c] = shape;
  const { dy, dx, pad, flip } = crop;
  const row = w * c;
  for (let y = 0; y < h; y++) {
    const sy = y + dy - pad;
    let o = dstOff + y * row;
    if (sy < 0 || sy >= h) {
      for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) dst[o++] = lut[ch << 8];
      continue;
    }
    const srow = srcOff + sy * row;
    const step = flip ? -1 : 1;
    let sx = (flip ? w - 1 : 0) + dx - pad;
    if (c === 3) {
      const z0 = lut[0], z1 = lut[256], z2 = lut[512];
      for (let x = 0; x < w; x++, sx += step, o += 3) {
        if (sx < 0 || sx >= w) {
          dst[o] = z0;
          dst[o + 1] = z1;
          dst[o + 2] = z2;
        } else {
          const s = srow + sx * 3;
          dst[o] = lut[src[s]];
          dst[o + 1] = lut[256 + src[s + 1]];
          dst[o + 2] = lut[512 + src[s + 2]];
        }
      }
    } else {
      for (let x = 0; x < w; x++, sx += step) {
        const outside = sx < 0 || sx >= w;
        const s = srow + sx * c;
        for (let ch = 0; ch < c; ch++) dst[o++] = lut[(ch << 8) + (outside ? 0 : src[s + ch])];
      }
    }
  }
}

/**
 * A small PNG decoder (8-bit grey / RGB / RGBA, non-interlaced: what Chromium and plotly write),
 * using the platform's `DecompressionStream`. Used to check rendered figures and screenshots.
 *
 * @module
 */

/** A decoded image: RGBA bytes, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Width and height from a PNG header, without decoding; throws on non-PNG input. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("pngSize: input is not a PNG (bad signature)");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("deflate"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG to RGBA. Throws one clear error for unsupported variants. */
export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const { width, height } = pngSize(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24], colorType = bytes[25], interlace = bytes[28];
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (depth !== 8 || !channels || interlace !== 0) {
    throw new Error(
      `decodePng: only 8-bit non-interlaced grey/RGB/RGBA PNGs are supported ` +
        `(got depth ${depth}, color type ${colorType}, interlace ${interlace})`,
    );
  }
  const parts: Uint8Array[] = [];
  for (let off = 8; off + 8 <= bytes.length;) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    if (type === "IDAT") parts.push(bytes.subarray(off + 8, off + 8 + len));
    if (type === "IEND") break;
    off += 12 + len;
  }
  const idat = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) idat.set(p, (o += p.length) - p.length);
  const raw = await inflate(idat);
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) {
    throw new Error(`decodePng: image data too short (${raw.length} < ${height * (stride + 1)})`);
  }
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[row + x - channels] : 0;
      const b = y > 0 ? px[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? px[row - stride + x - channels] : 0;
      const pred = filter === 0
        ? 0
        : filter === 1
        ? a
        : filter === 2
        ? b
        : filter === 3
        ? (a + b) >> 1
        : filter === 4
        ? paeth(a, b, c)
        : -1;
      if (pred < 0) throw new Error(`decodePng: bad filter type ${filter} in row ${y}`);
      px[row + x] = (src[x] + pred) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * channels;
    if (channels >= 3) {
      rgba.set(px.subarray(s, s + 3), i * 4);
      rgba[i * 4 + 3] = channels === 4 ? px[s + 3] : 255;
    } else {
      rgba.fill(px[s], i * 4, i * 4 + 3);
      rgba[i * 4 + 3] = channels === 2 ? px[s + 1] : 255;
    }
  }
  return { width, height, rgba };
}

/**
 * Counts pixels in the rectangle [x0, x1) × [y0, y1) (default: the whole image) whose colour
 * differs from `background` (default: the top-left pixel) by more than `tolerance` in any channel.
 */
export function countForeground(
  img: RgbaImage,
  options: {
    rect?: [number, number, number, number];
    background?: [number, number, number];
    tolerance?: number;
  } = {},
): number {
  const [x0, y0, x1, y1] = options.rect ?? [0, 0, img.width, img.height];
  const bg = options.background ?? [img.rgba[0], img.rgba[1], img.rgba[2]];
  const tol = options.tolerance ?? 16;
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) {
      const i = (y * img.width + x) * 4;
      if (
        Math.abs(img.rgba[i] - bg[0]) > tol || Math.abs(img.rgba[i + 1] - bg[1]) > tol ||
        Math.abs(img.rgba[i + 2] - bg[2]) > tol
      ) n++;
    }
  }
  return n;
}

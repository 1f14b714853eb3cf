/**
 * Writes a tiny synthetic folder in the ImageNet layout, for tests, benchmarks and trying the
 * pipeline without the data: `train/<wnid>/<wnid>_<k>.JPEG` and a validation split in one of the
 * three layouts (class folders, flat + `LOC_val_solution.csv`, flat + ground truth + meta.mat
 * left to the caller). Each class is a colour (a fixed RGB per class) with seeded noise and a
 * diagonal gradient; sizes vary per image (odd, non-square), and some images are stored as
 * grayscale or CMYK JPEGs, as in the real data. Encoded with sharp.
 *
 * @module
 */
import sharp from "sharp";
import { mulberry32, seedFrom } from "../rng.ts";

/** Options of {@link writeSyntheticImagenet}. */
export interface SyntheticImagenetOptions {
  /** Number of classes (≤ 10). Default 4. */
  classes?: number;
  /** Training images per class. Default 8. */
  trainPerClass?: number;
  /** Validation images per class. Default 4. */
  valPerClass?: number;
  /** "folders" (default): `val/<wnid>/`; "csv": flat + LOC_val_solution.csv; "flat": flat only. */
  valLayout?: "folders" | "csv" | "flat";
  /** Sizes are drawn from [minSide, maxSide]. Default 37 … 91. */
  minSide?: number;
  /** See `minSide`. */
  maxSide?: number;
  /** Every k-th training image is grayscale (k ≥ 1; 0: none). Default 5. */
  grayEvery?: number;
  /** Every k-th training image is CMYK (0: none). Default 7. */
  cmykEvery?: number;
  /** Seed. Default 0. */
  seed?: number;
}

const PALETTE: [number, number, number][] = [
  [220, 40, 40],
  [40, 200, 60],
  [40, 70, 220],
  [230, 210, 40],
  [200, 50, 200],
  [40, 200, 210],
  [250, 140, 30],
  [120, 120, 120],
  [20, 20, 20],
  [240, 240, 240],
];

/** The wnid of synthetic class `c` (`n0000000c`-style, valid ImageNet wnid syntax). */
export function syntheticWnid(c: number): string {
  return `n${String(1000 + c * 111).padStart(8, "0")}`;
}

async function writeImage(
  path: string,
  c: number,
  k: number,
  opts: Required<SyntheticImagenetOptions>,
  kind: "rgb" | "gray" | "cmyk",
): Promise<void> {
  const rng = mulberry32(seedFrom([opts.seed, c, k, 77]));
  const span = opts.maxSide - opts.minSide + 1;
  const w = opts.minSide + (rng() % span), h = opts.minSide + (rng() % span);
  const px = new Uint8Array(w * h * 3);
  const [r, g, b] = PALETTE[c % PALETTE.length];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const grad = ((x + y) / (w + h) - 0.5) * 40;
      const o = (y * w + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = [r, g, b][ch] + grad + ((rng() & 63) - 32);
        px[o + ch] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  let img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
  if (kind === "gray") img = img.toColourspace("b-w");
  if (kind === "cmyk") img = img.toColourspace("cmyk");
  await img.jpeg({ quality: 92 }).toFile(path);
}

/**
 * Writes the synthetic folder under `root` (created) and returns its wnids. Deterministic in the
 * options.
 */
export async function writeSyntheticImagenet(
  root: string,
  options: SyntheticImagenetOptions = {},
): Promise<string[]> {
  const opts: Required<SyntheticImagenetOptions> = {
    classes: 4,
    trainPerClass: 8,
    valPerClass: 4,
    valLayout: "folders",
    minSide: 37,
    maxSide: 91,
    grayEvery: 5,
    cmykEvery: 7,
    seed: 0,
    ...options,
  };
  const wnids = Array.from({ length: opts.classes }, (_, c) => syntheticWnid(c));
  let count = 0;
  const csv = ["ImageId,PredictionString"];
  let valNo = 0;
  for (let c = 0; c < opts.classes; c++) {
    const tdir = `${root}/train/${wnids[c]}`;
    Deno.mkdirSync(tdir, { recursive: true });
    for (let k = 0; k < opts.trainPerClass; k++) {
      count++;
      const kind = opts.grayEvery > 0 && count % opts.grayEvery === 0
        ? "gray"
        : opts.cmykEvery > 0 && count % opts.cmykEvery === 0
        ? "cmyk"
        : "rgb";
      await writeImage(`${tdir}/${wnids[c]}_${k + 1}.JPEG`, c, k, opts, kind);
    }
  }
  // Validation images interleave the classes, as the real flat validation folder does.
  for (let k = 0; k < opts.valPerClass; k++) {
    for (let c = 0; c < opts.classes; c++) {
      valNo++;
      const name = `ILSVRC2012_val_${String(valNo).padStart(8, "0")}`;
      const dir = opts.valLayout === "folders" ? `${root}/val/${wnids[c]}` : `${root}/val`;
      Deno.mkdirSync(dir, { recursive: true });
      await writeImage(`${dir}/${name}.JPEG`, c, 1000 + k, opts, "rgb");
      csv.push(`${name},${wnids[c]} 1 1 10 10`);
    }
  }
  if (opts.valLayout === "csv") {
    Deno.writeTextFileSync(`${root}/LOC_val_solution.csv`, csv.join("\n") + "\n");
  }
  return wnids;
}

import assert from "node:assert/strict";
import { normalizationTable, writeExample } from "../../lib/data/augment.ts";
import { syntheticDataset } from "../../lib/data/dataset.ts";

/** Pads with zeros, crops at (dy, dx), flips, normalises: written directly from the definition. */
function naive(
  img: Uint8Array,
  [h, w, c]: [number, number, number],
  dy: number,
  dx: number,
  pad: number,
  flip: boolean,
  mean: number[],
  std: number[],
): number[] {
  const ph = h + 2 * pad, pw = w + 2 * pad;
  const padded = new Uint8Array(ph * pw * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        padded[((y + pad) * pw + x + pad) * c + k] = img[(y * w + x) * c + k];
      }
    }
  }
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cx = flip ? w - 1 - x : x;
      for (let k = 0; k < c; k++) {
        out.push((padded[((y + dy) * pw + cx + dx) * c + k] / 255 - mean[k]) / std[k]);
      }
    }
  }
  return out;
}

Deno.test("normalizationTable: (v/255 - mean)/std per channel, v/255 without stats", () => {
  const lut = normalizationTable(2, [0.5, 0.25], [0.2, 0.5]);
  assert.equal(lut[0], Math.fround(-2.5));
  assert.equal(lut[256 + 255], Math.fround(1.5));
  assert.equal(normalizationTable(1)[51], Math.fround(0.2));
  assert.throws(() => normalizationTable(3, [0.5], [0.2]), /mean has 1 values, expected 3/);
  assert.throws(() => normalizationTable(1, [0.5], [0]), /std must be > 0/);
});

Deno.test("writeExample equals pad+crop+flip+normalise for every offset, 1/2/3 channels", () => {
  for (const shape of [[6, 5, 3], [7, 4, 1], [5, 6, 2]] as [number, number, number][]) {
    const c = shape[2];
    const ds = syntheticDataset(2, { shape, seed: c });
    const mean = [0.3, 0.5, 0.6].slice(0, c), std = [0.2, 0.25, 0.3].slice(0, c);
    const lut = normalizationTable(c, mean, std);
    const size = shape[0] * shape[1] * c;
    const pad = 2;
    for (let dy = 0; dy <= 2 * pad; dy++) {
      for (let dx = 0; dx <= 2 * pad; dx++) {
        for (const flip of [false, true]) {
          const dst = new Float32Array(2 * size).fill(NaN);
          writeExample(ds.images, size, shape, dst, size, lut, { dy, dx, pad, flip });
          const want = naive(ds.images.subarray(size), shape, dy, dx, pad, flip, mean, std);
          assert.ok(dst.subarray(0, size).every(Number.isNaN), "wrote outside its slot");
          for (let i = 0; i < size; i++) {
            assert.ok(
              Math.abs(dst[size + i] - want[i]) < 1e-5,
              `${shape} ${dy} ${dx} ${flip} @${i}`,
            );
          }
        }
      }
    }
  }
});

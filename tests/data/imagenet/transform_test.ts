import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { mulberry32 } from "../../../lib/data/rng.ts";
import {
  centerCropBox,
  cropResizeNormalize,
  IMAGENET_MEAN,
  IMAGENET_STD,
  randomResizedCropBox,
} from "../../../lib/data/imagenet/transform.ts";

const near = (a: number, b: number, tol: number, what: string) =>
  assert(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

Deno.test("randomResizedCropBox: area uniform on the scale range, log-ratio uniform, placement uniform", () => {
  // A square 1000×1000 image with scale ≤ 0.5: every first try fits (s·r ≤ 0.5·4/3 < 1), so the
  // area fraction is exactly U(0.08, 0.5) up to rounding and log(w/h) is U(log 3/4, log 4/3).
  const rng = mulberry32(7);
  const n = 20000;
  const areas: number[] = [], logs: number[] = [], pos: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = randomResizedCropBox(1000, 1000, rng, { scale: [0.08, 0.5] });
    assert(b.left >= 0 && b.top >= 0 && b.left + b.width <= 1000 && b.top + b.height <= 1000);
    areas.push((b.width * b.height) / 1e6);
    logs.push(Math.log(b.width / b.height));
    if (b.width < 1000) pos.push(b.left / (1000 - b.width));
  }
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  // U(a, b): mean (a+b)/2, standard error of the mean (b−a)/√(12n).
  near(mean(areas), 0.29, 4 * 0.42 / Math.sqrt(12 * n) + 0.002, "mean area fraction");
  const l = Math.log(4 / 3);
  near(mean(logs), 0, 4 * 2 * l / Math.sqrt(12 * n) + 0.002, "mean log aspect ratio");
  assert(Math.min(...logs) >= -l - 0.01 && Math.max(...logs) <= l + 0.01, "aspect ratio range");
  assert(Math.min(...areas) >= 0.079 && Math.max(...areas) <= 0.501, "area range");
  // Deciles of the area fraction against the uniform CDF (Kolmogorov-type bound).
  const sorted = [...areas].sort((a, b) => a - b);
  for (let q = 1; q < 10; q++) {
    near(sorted[Math.floor((q / 10) * n)], 0.08 + 0.42 * (q / 10), 0.42 * 0.03, `decile ${q}`);
  }
  near(mean(pos), 0.5, 0.02, "mean relative horizontal position");
});

Deno.test("randomResizedCropBox: default scale range on a non-square image stays in [0.08, 1]", () => {
  const rng = mulberry32(1);
  let big = 0;
  for (let i = 0; i < 5000; i++) {
    const b = randomResizedCropBox(500, 375, rng);
    const f = (b.width * b.height) / (500 * 375);
    assert(f >= 0.079 && f <= 1, `area fraction ${f}`);
    if (f > 0.9) big++;
  }
  assert(big > 0, "large crops occur");
});

Deno.test("randomResizedCropBox: falls back to a centred crop with the ratio clamped", () => {
  // 1000×10 with scale ≥ 0.9: no try can fit (h would exceed 10), so the fallback is the whole
  // height and width = round(10·4/3) = 13, centred.
  const b = randomResizedCropBox(1000, 10, mulberry32(3), { scale: [0.9, 1] });
  assertEquals(b, { left: Math.floor((1000 - 13) / 2), top: 0, width: 13, height: 10 });
  assertEquals(randomResizedCropBox(10, 1000, mulberry32(3), { scale: [0.9, 1] }), {
    left: 0,
    top: Math.floor((1000 - 13) / 2),
    width: 10,
    height: 13,
  });
});

Deno.test("centerCropBox: 0.875 of the shorter side, centred", () => {
  assertEquals(centerCropBox(500, 375), { left: 86, top: 23, width: 328, height: 328 });
  assertEquals(centerCropBox(256, 256, 1), { left: 0, top: 0, width: 256, height: 256 });
  let threw = false;
  try {
    centerCropBox(10, 10, 0);
  } catch (e) {
    threw = /fraction/.test((e as Error).message);
  }
  assert(threw);
});

Deno.test("cropResizeNormalize: identity box is exact normalisation, flip mirrors, 2× downscale averages", () => {
  // Same size, whole image: every output sample lands on a pixel centre.
  const s = 5, sq = new Uint8Array(s * s * 3).map((_, i) => (i * 53) % 256);
  const o1 = new Float32Array(s * s * 3), o2 = new Float32Array(s * s * 3);
  cropResizeNormalize(sq, s, s, { left: 0, top: 0, width: s, height: s }, s, false, o1, 0);
  cropResizeNormalize(sq, s, s, { left: 0, top: 0, width: s, height: s }, s, true, o2, 0);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      for (let c = 0; c < 3; c++) {
        const v = (sq[(y * s + x) * 3 + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        near(o1[(y * s + x) * 3 + c], v, 1e-5, `identity (${y},${x},${c})`);
        near(o2[(y * s + (s - 1 - x)) * 3 + c], v, 1e-5, `flip (${y},${x},${c})`);
      }
    }
  }
  // 4×4 → 2×2 with pixel-centre alignment samples at source 0.5 and 2.5: the mean of 2×2 blocks.
  const four = new Uint8Array(16 * 3).map((_, i) => (i * 11) % 256);
  const o3 = new Float32Array(12);
  cropResizeNormalize(four, 4, 4, { left: 0, top: 0, width: 4, height: 4 }, 2, false, o3, 0, [
    0,
    0,
    0,
  ], [1 / 255, 1 / 255, 1 / 255]);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 2; x++) {
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => four[(yy * 4 + xx) * 3 + c];
        const avg = (p(2 * y, 2 * x) + p(2 * y, 2 * x + 1) + p(2 * y + 1, 2 * x) +
          p(2 * y + 1, 2 * x + 1)) / 4;
        near(o3[(y * 2 + x) * 3 + c], avg, 1e-3, `downscale (${y},${x},${c})`);
      }
    }
  }
});

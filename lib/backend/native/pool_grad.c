// MaxPoolGrad, NHWC, any window / strides / padding: for every output cell the first maximum of
// its window in row-major order (strict >, tfjs cpu's rule, so ties such as ReLU zeros resolve
// the same way) receives dy. Work unit = one image of the batch: windows never cross images, so
// threads write disjoint parts of dx. Channels in groups of 4 with SIMD, the rest one by one.
#include "simd.h"


// Windows that tile the input exactly (stride = window, no padding, h = oh*fh, w = ow*fw; the
// 2x2 pools of VGG-style nets): every element of dx belongs to one window, so it is written once,
// 0 + dy where it is its window's first maximum and +0 elsewhere (the same values as the zero fill
// plus `+=` of the general path), 16 channels at a time as one generic 16-lane vector (one zmm on
// AVX-512, two ymm on AVX2, four 128-bit vectors on wasm / NEON).
typedef float pg_f16 __attribute__((ext_vector_type(16)));
typedef int pg_i16 __attribute__((ext_vector_type(16)));

static void max_pool_grad_tiled(const float* xb, const float* gb, float* db, int w, int c, int oh,
                                int ow, int fh, int fw) {
  const int taps = fh * fw;
  for (int r = 0; r < oh; r++) {
    for (int q = 0; q < ow; q++) {
      const float* g = gb + ((long)r * ow + q) * c;
      const long base = ((long)r * fh * w + (long)q * fw) * c;
      int d = 0;
      for (; d + 16 <= c; d += 16) {
        pg_f16 best = (pg_f16)(-__builtin_inff()), v, gv;
        pg_i16 pos = (pg_i16)(-1);
        for (int ky = 0, k = 0; ky < fh; ky++) {
          for (int kx = 0; kx < fw; kx++, k++) {
            __builtin_memcpy(&v, xb + base + ((long)ky * w + kx) * c + d, sizeof v);
            const pg_i16 gt = v > best;
            best = (pg_f16)(((pg_i16)v & gt) | ((pg_i16)best & ~gt));
            pos = ((pg_i16)k & gt) | (pos & ~gt);
          }
        }
        __builtin_memcpy(&gv, g + d, sizeof gv);
        const pg_i16 gi = (pg_i16)((pg_f16)0.f + gv);
        for (int ky = 0, k = 0; ky < fh; ky++) {
          for (int kx = 0; kx < fw; kx++, k++) {
            const pg_f16 out = (pg_f16)(gi & (pos == (pg_i16)k));
            __builtin_memcpy(db + base + ((long)ky * w + kx) * c + d, &out, sizeof out);
          }
        }
      }
      for (; d < c; d++) {
        float best = -__builtin_inff();
        int pos = -1;
        for (int k = 0; k < taps; k++) {
          const float v = xb[base + ((long)(k / fw) * w + k % fw) * c + d];
          if (v > best) best = v, pos = k;
        }
        for (int k = 0; k < taps; k++) {
          db[base + ((long)(k / fw) * w + k % fw) * c + d] = pos == k ? 0.f + g[d] : 0.f;
        }
      }
    }
  }
}

EXPORT("max_pool_grad")
void max_pool_grad(const float* x, const float* dy, float* dx, int h, int w, int c, int oh, int ow,
                   int fh, int fw, int sh, int sw, int pt, int pl, int u0, int u1) {
  const int tiled = fh == sh && fw == sw && pt == 0 && pl == 0 && h == oh * fh && w == ow * fw;
  for (int b = u0; b < u1; b++) {
    if (tiled) {
      const long img = (long)b * h * w * c;
      max_pool_grad_tiled(x + img, dy + (long)b * oh * ow * c, dx + img, w, c, oh, ow, fh, fw);
      continue;
    }
    const float* xb = x + (long)b * h * w * c;
    float* db = dx + (long)b * h * w * c;
    const float* gb = dy + (long)b * oh * ow * c;
    for (long i = 0; i < (long)h * w * c; i++) db[i] = 0.f;
    for (int r = 0; r < oh; r++) {
      const int r0 = r * sh - pt;
      const int rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh < h ? r0 + fh : h;
      for (int q = 0; q < ow; q++) {
        const int q0 = q * sw - pl;
        const int qmin = q0 < 0 ? 0 : q0, qmax = q0 + fw < w ? q0 + fw : w;
        const float* g = gb + ((long)r * ow + q) * c;
        int d = 0;
        for (; d + 4 <= c; d += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t pos = wasm_i32x4_splat(-1);
          for (int rr = rmin; rr < rmax; rr++) {
            for (int qq = qmin; qq < qmax; qq++) {
              const int idx = (rr * w + qq) * c + d;
              const v128_t v = wasm_v128_load(xb + idx);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              pos = wasm_v128_bitselect(wasm_i32x4_splat(idx), pos, gt);
            }
          }
          // Lane k holds the window's base index of channel d; its element is at + k. A window
          // with no value > -inf (all -inf or NaN) passes no gradient, as in tfjs's cpu kernel.
          int p0 = wasm_i32x4_extract_lane(pos, 0), p1 = wasm_i32x4_extract_lane(pos, 1);
          int p2 = wasm_i32x4_extract_lane(pos, 2), p3 = wasm_i32x4_extract_lane(pos, 3);
          if (p0 >= 0) db[p0] += g[d];
          if (p1 >= 0) db[p1 + 1] += g[d + 1];
          if (p2 >= 0) db[p2 + 2] += g[d + 2];
          if (p3 >= 0) db[p3 + 3] += g[d + 3];
        }
        for (; d < c; d++) {
          float best = -__builtin_inff();
          int pos = -1;
          for (int rr = rmin; rr < rmax; rr++) {
            for (int qq = qmin; qq < qmax; qq++) {
              const int idx = (rr * w + qq) * c + d;
              if (xb[idx] > best) best = xb[idx], pos = idx;
            }
          }
          if (pos >= 0) db[pos] += g[d];
        }
      }
    }
  }
}

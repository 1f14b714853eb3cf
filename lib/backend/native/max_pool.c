// MaxPool forward, NHWC, float32, windows of 2 to 9 elements: bit for bit the value tfjs-wasm's
// own MaxPool gives (XNNPACK's f32 max-pooling with its 9p8x "wasmsimd x86" microkernel), NaN
// and the sign of zero included. Driven by lib/backend/max_pool.ts.
//
// That kernel's order (which operand wins a tie of +0 and -0, or meets a NaN) is part of the
// result, so it is reproduced exactly:
//   - taps k = px * fh + py (column by column), at input row doz(oy*sh + py, pt) clamped to h - 1
//     and column doz(ox*sw + px, pl) clamped to w - 1 (padding repeats the edge), doz(a, b) =
//     a > b ? a - b : 0;
//   - nine slots i0..i8, slots past the window repeating i0;
//   - pmax(a, b) = a < b ? b : a (wasm's f32x4.pmax) in the tree
//       m01 = pmax(i1, i0), m23 = pmax(i3, i2), m45 = pmax(i5, i4), m018 = pmax(i8, m01),
//       m67 = pmax(i7, i6), m2345 = pmax(m45, m23), m01678 = pmax(m67, m018),
//       m = pmax(m2345, m01678);
//   - then the output clamp pmax(-inf, m) (a NaN becomes -inf) and pmin(+inf, .).
// Work unit = one output row of one image. 16 channels at a time as one generic 16-lane vector,
// the rest one by one with the same operations.
#include "simd.h"

typedef float mp_f16 __attribute__((ext_vector_type(16)));
typedef int mp_i16 __attribute__((ext_vector_type(16)));
typedef float mp_u16 __attribute__((ext_vector_type(16), aligned(4)));

// pmax(a, b) on 16 lanes, and an unaligned 16-float load (macros: a 16-float vector argument
// would change the ABI of a function in the AVX2 build).
#define PMAX16(a, b) ((mp_f16)((((mp_i16)(b)) & ((a) < (b))) | (((mp_i16)(a)) & ~((a) < (b)))))
#define LOAD16(p) (*(const mp_u16*)(p))

INLINE float pmax1(float a, float b) { return a < b ? b : a; }

INLINE int doz_clamp(int a, int b, int n) {
  const int d = a > b ? a - b : 0;
  return d < n - 1 ? d : n - 1;
}

// Input pixel of tap k (k < taps; slots past the window repeat tap 0) of output (oy, ox).
INLINE const float* tap(const float* xb, int k, int oy, int ox, const int* g) {
  // g: h, w, c, fh, sh, sw, pt, pl, taps
  const int kk = k < g[8] ? k : 0;
  const int iy = doz_clamp(oy * g[4] + kk % g[3], g[6], g[0]);
  const int ix = doz_clamp(ox * g[5] + kk / g[3], g[7], g[1]);
  return xb + ((long)iy * g[1] + ix) * g[2];
}

EXPORT("max_pool")
void max_pool(const float* x, float* y, int h, int w, int c, int oh, int ow, int fh, int fw,
              int sh, int sw, int pt, int pl, int u0, int u1) {
  const int g[9] = {h, w, c, fh, sh, sw, pt, pl, fh * fw};
  for (int u = u0; u < u1; u++) {
    const int b = u / oh, oy = u % oh;
    const float* xb = x + (long)b * h * w * c;
    float* yr = y + (long)u * ow * c;
    for (int ox = 0; ox < ow; ox++) {
      const float *i0 = tap(xb, 0, oy, ox, g), *i1 = tap(xb, 1, oy, ox, g);
      const float *i2 = tap(xb, 2, oy, ox, g), *i3 = tap(xb, 3, oy, ox, g);
      const float *i4 = tap(xb, 4, oy, ox, g), *i5 = tap(xb, 5, oy, ox, g);
      const float *i6 = tap(xb, 6, oy, ox, g), *i7 = tap(xb, 7, oy, ox, g);
      const float* i8 = tap(xb, 8, oy, ox, g);
      float* o = yr + (long)ox * c;
      int d = 0;
      for (; d + 16 <= c; d += 16) {
        const mp_f16 m01 = PMAX16(LOAD16(i1 + d), LOAD16(i0 + d));
        const mp_f16 m23 = PMAX16(LOAD16(i3 + d), LOAD16(i2 + d));
        const mp_f16 m45 = PMAX16(LOAD16(i5 + d), LOAD16(i4 + d));
        const mp_f16 m018 = PMAX16(LOAD16(i8 + d), m01);
        const mp_f16 m67 = PMAX16(LOAD16(i7 + d), LOAD16(i6 + d));
        const mp_f16 m = PMAX16(PMAX16(m45, m23), PMAX16(m67, m018));
        // pmin(+inf, v) = v < +inf ? v : +inf is v itself, so only the lower clamp is applied.
        const mp_f16 v = PMAX16((mp_f16)(-__builtin_inff()), m);
        __builtin_memcpy(o + d, &v, sizeof v);
      }
      for (; d < c; d++) {
        const float m01 = pmax1(i1[d], i0[d]), m23 = pmax1(i3[d], i2[d]);
        const float m45 = pmax1(i5[d], i4[d]), m018 = pmax1(i8[d], m01);
        const float m67 = pmax1(i7[d], i6[d]);
        const float m = pmax1(pmax1(m45, m23), pmax1(m67, m018));
        o[d] = pmax1(-__builtin_inff(), m);
      }
    }
  }
}

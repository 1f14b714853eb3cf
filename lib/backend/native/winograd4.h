// Column transforms of Winograd F(4x4, 3x3) (matrices in winograd4.c), shared by the forward
// kernel and the filter gradient. Header-only (static inline).
#include "winograd.h"

#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#define SPLAT(v) wasm_f32x4_splat(v)

// t = G (g0, g1, g2) for one column: 6 values.
INLINE void filter_col(v128_t g0, v128_t g1, v128_t g2, v128_t* t) {
  const v128_t s02 = wasm_f32x4_add(g0, g2);
  t[0] = wasm_f32x4_mul(SPLAT(0.25f), g0);
  t[1] = wasm_f32x4_mul(SPLAT(-1.f / 6), wasm_f32x4_add(s02, g1));
  t[2] = wasm_f32x4_mul(SPLAT(-1.f / 6), wasm_f32x4_sub(s02, g1));
  const v128_t a = MADD(SPLAT(1.f / 6), g2, wasm_f32x4_mul(SPLAT(1.f / 24), g0));
  t[3] = MADD(SPLAT(1.f / 12), g1, a);
  t[4] = MADD(SPLAT(-1.f / 12), g1, a);
  t[5] = g2;
}

// out = Bt (d0..d5) for one column.
INLINE void input_col(const v128_t* d, v128_t* out) {
  const v128_t four = SPLAT(4.f), two = SPLAT(2.f);
  out[0] = MADD(SPLAT(-5.f), d[2], MADD(four, d[0], d[4]));
  const v128_t a = wasm_f32x4_add(d[3], d[4]), b = wasm_f32x4_add(d[1], d[2]);
  out[1] = MADD(SPLAT(-4.f), b, a);
  const v128_t e = wasm_f32x4_sub(d[4], d[3]), f = wasm_f32x4_sub(d[1], d[2]);
  out[2] = MADD(four, f, e);
  const v128_t h = wasm_f32x4_sub(d[4], d[2]), k = wasm_f32x4_sub(d[3], d[1]);
  out[3] = MADD(two, k, h);
  out[4] = MADD(SPLAT(-2.f), k, h);
  out[5] = MADD(SPLAT(-5.f), d[3], MADD(four, d[1], d[5]));
}

// out = At (m0..m5) for one column: 4 values.
INLINE void output_col(const v128_t* m, v128_t* out) {
  const v128_t a = wasm_f32x4_add(m[1], m[2]), b = wasm_f32x4_sub(m[1], m[2]);
  const v128_t c = wasm_f32x4_add(m[3], m[4]), d = wasm_f32x4_sub(m[3], m[4]);
  out[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], a), c);
  out[1] = MADD(SPLAT(2.f), d, b);
  out[2] = MADD(SPLAT(4.f), c, a);
  out[3] = wasm_f32x4_add(MADD(SPLAT(8.f), d, b), m[5]);
}


// V for tile t, channels c..c+4: Bt d B of the 6x6 patch at (4*ty - pt, 4*tx - pl), zero outside
// x, stored at v + p * ps for p = 6*i + j.
INLINE void input_tile4(const Tiles* g, float* v, long ps, int t, int c) {
  const int b = t / g->tiles_img, tt = t % g->tiles_img;
  const int iy0 = 4 * (tt / g->tiles_w) - g->pt, ix0 = 4 * (tt % g->tiles_w) - g->pl;
  const float* xb = g->x + (long)b * g->h * g->w * g->ci + c;
  v128_t e[6][6];  // e[j] = Bt (column j of d)
#pragma clang loop unroll(full)
  for (int j = 0; j < 6; j++) {
    const int ix = ix0 + j;
    v128_t d[6];
    for (int i = 0; i < 6; i++) {
      const int iy = iy0 + i;
      d[i] = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w
        ? wasm_v128_load(xb + ((long)iy * g->w + ix) * g->ci)
        : SPLAT(0.f);
    }
    input_col(d, e[j]);
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 6; i++) {  // row i of (Bt d) B
    v128_t row[6], out[6];
    for (int j = 0; j < 6; j++) row[j] = e[j][i];
    input_col(row, out);
    for (int j = 0; j < 6; j++) wasm_v128_store(v + (i * 6 + j) * ps, out[j]);
  }
}

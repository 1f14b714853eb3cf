// The per-tile transforms of Winograd F(4x4, 3x3) (matrices in winograd4.c), written once for a
// vector type and included by winograd4.h twice: for v128_t (4 channels: the wasm build, and
// channel tails natively) and for the wide vf_t (VW channels: AVX2 / AVX-512). Before including,
// define
//   WT           the vector type;          WT_(name)  the name of its variant of `name`;
//   WT_ADD, WT_SUB (a ± b), WT_FMA (a * b + c, fused), WT_SPLAT (float), WT_LOAD, WT_STORE;
//   WT_FINISH(a, bias4, o, relu)  bias (or none) then ReLU (or none), as finish();
//   WT_STORE_LANES(p, a, lanes)   the first `lanes` lanes (1..4: the last co % 4 columns).
// The end of this file undefines them again.
// Every lane runs the same operations in the same order in both variants, so a lane's result
// does not depend on the vector width (simd.h).

// out = Bt (d0..d5) for one column.
INLINE void WT_(input_col)(const WT* d, WT* out) {
  const WT four = WT_SPLAT(4.f), two = WT_SPLAT(2.f);
  out[0] = WT_FMA(WT_SPLAT(-5.f), d[2], WT_FMA(four, d[0], d[4]));
  const WT a = WT_ADD(d[3], d[4]), b = WT_ADD(d[1], d[2]);
  out[1] = WT_FMA(WT_SPLAT(-4.f), b, a);
  const WT e = WT_SUB(d[4], d[3]), f = WT_SUB(d[1], d[2]);
  out[2] = WT_FMA(four, f, e);
  const WT h = WT_SUB(d[4], d[2]), k = WT_SUB(d[3], d[1]);
  out[3] = WT_FMA(two, k, h);
  out[4] = WT_FMA(WT_SPLAT(-2.f), k, h);
  out[5] = WT_FMA(WT_SPLAT(-5.f), d[3], WT_FMA(four, d[1], d[5]));
}

// out = At (m0..m5) for one column: 4 values.
INLINE void WT_(output_col)(const WT* m, WT* out) {
  const WT a = WT_ADD(m[1], m[2]), b = WT_SUB(m[1], m[2]);
  const WT c = WT_ADD(m[3], m[4]), d = WT_SUB(m[3], m[4]);
  out[0] = WT_ADD(WT_ADD(m[0], a), c);
  out[1] = WT_FMA(WT_SPLAT(2.f), d, b);
  out[2] = WT_FMA(WT_SPLAT(4.f), c, a);
  out[3] = WT_ADD(WT_FMA(WT_SPLAT(8.f), d, b), m[5]);
}

// out = A (y0..y3) for one column: 6 values (the filter gradient's transform of dY).
// A (y0..y3) = (y0, y0+y1+y2+y3, y0-y1+y2-y3, y0+2y1+4y2+8y3, y0-2y1+4y2-8y3, y3).
INLINE void WT_(grad_col)(const WT* y, WT* out) {
  const WT e = WT_ADD(y[0], y[2]), o = WT_ADD(y[1], y[3]);
  out[0] = y[0];
  out[1] = WT_ADD(e, o);
  out[2] = WT_SUB(e, o);
  const WT e4 = WT_FMA(WT_SPLAT(4.f), y[2], y[0]), o4 = WT_FMA(WT_SPLAT(4.f), y[3], y[1]);
  out[3] = WT_FMA(WT_SPLAT(2.f), o4, e4);
  out[4] = WT_FMA(WT_SPLAT(-2.f), o4, e4);
  out[5] = y[3];
}

// V for tile t, channels from c (one vector): Bt d B of the 6x6 patch at (4*ty - pt, 4*tx - pl),
// zero outside x, stored at v + p * ps for p = 6*i + j.
INLINE void WT_(input_tile4)(const Tiles* g, float* v, long ps, int t, int c) {
  const int b = t / g->tiles_img, tt = t % g->tiles_img;
  const int iy0 = 4 * (tt / g->tiles_w) - g->pt, ix0 = 4 * (tt % g->tiles_w) - g->pl;
  const float* xb = g->x + (long)b * g->h * g->w * g->ci + c;
  WT e[6][6];  // e[j] = Bt (column j of d)
#pragma clang loop unroll(full)
  for (int j = 0; j < 6; j++) {
    const int ix = ix0 + j;
    WT d[6];
    for (int i = 0; i < 6; i++) {
      const int iy = iy0 + i;
      d[i] = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w
        ? WT_LOAD(xb + ((long)iy * g->w + ix) * g->ci)
        : WT_SPLAT(0.f);
    }
    WT_(input_col)(d, e[j]);
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 6; i++) {  // row i of (Bt d) B
    WT row[6], out[6];
    for (int j = 0; j < 6; j++) row[j] = e[j][i];
    WT_(input_col)(row, out);
    for (int j = 0; j < 6; j++) WT_STORE(v + (i * 6 + j) * ps, out[j]);
  }
}

// Output tile (rows x cols of 4x4, columns o.. of one vector, `lanes` of them valid) at yt:
// At M A of M at m + p * ps, then bias and ReLU (finish()).
INLINE void WT_(output_tile4)(const float* m, long ps, float* yt, long row_stride, int co,
                              int rows, int cols, int lanes, const float* bias4, int o, int relu) {
  WT a[6][4];  // a[j] = At (column j of M)
#pragma clang loop unroll(full)
  for (int j = 0; j < 6; j++) {
    WT col[6];
    for (int i = 0; i < 6; i++) col[i] = WT_LOAD(m + (i * 6 + j) * ps);
    WT_(output_col)(col, a[j]);
  }
  // Constant trip counts (partial tiles test inside): no array is indexed at run time, so
  // everything stays in registers (no stack).
#pragma clang loop unroll(full)
  for (int i = 0; i < 4; i++) {  // row i of (At M) A
    WT row[6], out[4];
    for (int j = 0; j < 6; j++) row[j] = a[j][i];
    WT_(output_col)(row, out);
    float* yr = yt + i * row_stride;
    for (int j = 0; j < 4; j++) {
      if (i < rows && j < cols) {
        WT_STORE_LANES(yr + (long)j * co, WT_FINISH(out[j], bias4, o, relu), lanes);
      }
    }
  }
}

// Z for one tile, columns o.. of one vector: A dY At of the 4x4 gradient tile at gb (rows x
// cols of it inside the output, zero beyond), stored at z + p * ps.
INLINE void WT_(grad_tile4)(const float* gb, long row_stride, int co, int rows, int cols,
                            float* z, long ps) {
  WT e[4][6];  // e[j] = A (column j of dY)
#pragma clang loop unroll(full)
  for (int j = 0; j < 4; j++) {
    WT col[4];
    for (int i = 0; i < 4; i++) {
      col[i] = i < rows && j < cols ? WT_LOAD(gb + i * row_stride + (long)j * co) : WT_SPLAT(0.f);
    }
    WT_(grad_col)(col, e[j]);
  }
#pragma clang loop unroll(full)
  for (int i = 0; i < 6; i++) {  // row i of (A dY) At
    WT row[4], out[6];
    for (int j = 0; j < 4; j++) row[j] = e[j][i];
    WT_(grad_col)(row, out);
    for (int j = 0; j < 6; j++) WT_STORE(z + (i * 6 + j) * ps, out[j]);
  }
}

#undef WT
#undef WT_
#undef WT_ADD
#undef WT_SUB
#undef WT_FMA
#undef WT_SPLAT
#undef WT_LOAD
#undef WT_STORE
#undef WT_FINISH
#undef WT_STORE_LANES

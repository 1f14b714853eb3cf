// Shared parts of the Winograd kernels (winograd.c: F(2x2, 3x3), winograd4.c: F(4x4, 3x3), and
// their filter gradients): the per-position GEMMs over a block of tiles, and the output epilogue.
// Header-only (static inline).
#include "simd.h"


// M[r..r+2)[o..o+4V) = V[r..r+2) . U over ci, for one position (pointers already at p).
INLINE void gemm_tile(const float* v, const float* u, float* m, int ci, int co4, int o,
                      const int V) {
  v128_t a0[4], a1[4];
  for (int k = 0; k < V; k++) a0[k] = a1[k] = wasm_f32x4_splat(0.f);
  const float* up = u + o;
  for (int c = 0; c < ci; c++, up += co4) {
    v128_t uv[4];
    for (int k = 0; k < V; k++) uv[k] = wasm_v128_load(up + 4 * k);
    const v128_t s0 = wasm_v128_load32_splat(v + c), s1 = wasm_v128_load32_splat(v + ci + c);
    for (int k = 0; k < V; k++) a0[k] = wasm_f32x4_relaxed_madd(s0, uv[k], a0[k]);
    for (int k = 0; k < V; k++) a1[k] = wasm_f32x4_relaxed_madd(s1, uv[k], a1[k]);
  }
  for (int k = 0; k < V; k++) {
    wasm_v128_store(m + o + 4 * k, a0[k]);
    wasm_v128_store(m + co4 + o + 4 * k, a1[k]);
  }
}

INLINE v128_t finish(v128_t a, const float* bias, int o, int relu) {
  if (bias) a = wasm_f32x4_add(a, wasm_v128_load(bias + o));
  return relu ? wasm_f32x4_max(a, wasm_f32x4_splat(0.f)) : a;
}

// Stores the first `lanes` (1..4) lanes of `a`.
INLINE void store_lanes(float* y, v128_t a, int lanes) {
  if (lanes == 4) {
    wasm_v128_store(y, a);
    return;
  }
  y[0] = wasm_f32x4_extract_lane(a, 0);
  if (lanes > 1) y[1] = wasm_f32x4_extract_lane(a, 1);
  if (lanes > 2) y[2] = wasm_f32x4_extract_lane(a, 2);
}

// For each of `positions` positions p: M[p][r][o] = sum_c V[p][r][c] * U[p][c][o] over the
// block's rows r < nb; V is [positions][block][ci], U [positions][ci][co4], M
// [positions][block][co4], with positions `vps`, `ups`, `mps` floats apart (padded: see
// positionStride in native_conv.ts). Column tiles outer: a 16-wide column of U stays in L1 over
// the block's rows. Row nb (odd nb) is scratch: computed, never read.
#if VW > 4
// M[r..r+R)[o..o+NV*VW) = V[r..r+R) . U over ci, wide vectors (the same FMA chain per element
// as gemm_tile: from 0, c ascending).
INLINE void gemm_wide(const float* v, const float* u, float* m, int ci, int co4, int o,
                      const int R, const int NV) {
  vf_t a[TILE_R][TILE_V];
  for (int r = 0; r < R; r++) {
    for (int k = 0; k < NV; k++) a[r][k] = vf_splat(0.f);
  }
  const float* up = u + o;
  for (int c = 0; c < ci; c++, up += co4) {
    vf_t uv[TILE_V];
    for (int k = 0; k < NV; k++) uv[k] = vf_load(up + VW * k);
    for (int r = 0; r < R; r++) {
      const vf_t s = vf_load_splat(v + (long)r * ci + c);
      for (int k = 0; k < NV; k++) a[r][k] = vf_fma(s, uv[k], a[r][k]);
    }
  }
  for (int r = 0; r < R; r++) {
    for (int k = 0; k < NV; k++) vf_store(m + (long)r * co4 + o + VW * k, a[r][k]);
  }
}

// Rows r < nb of columns [o, o + NV*VW): TILE_R rows at a time, then pairs.
INLINE void gemm_rows(const float* vp, const float* up, float* mp, int nb, int ci, int co4, int o,
                      const int NV) {
  int r = 0;
  for (; r + TILE_R <= nb; r += TILE_R) {
    gemm_wide(vp + (long)r * ci, up, mp + (long)r * co4, ci, co4, o, TILE_R, NV);
  }
  for (; r < nb; r += 2) gemm_wide(vp + (long)r * ci, up, mp + (long)r * co4, ci, co4, o, 2, NV);
}
#endif

INLINE void block_gemm(const float* vb, const float* u, float* mb, const int positions, int nb,
                       long vps, long ups, long mps, int ci, int co4) {
  for (int p = 0; p < positions; p++) {
    const float* vp = vb + p * vps;
    const float* up = u + p * ups;
    float* mp = mb + p * mps;
    int o = 0;
#if VW > 4
    for (; o + TILE_V * VW <= co4; o += TILE_V * VW) gemm_rows(vp, up, mp, nb, ci, co4, o, TILE_V);
    for (; o + 16 <= co4; o += 16) gemm_rows(vp, up, mp, nb, ci, co4, o, VN16);
#else
    for (; o + 16 <= co4; o += 16) {
      for (int r = 0; r < nb; r += 2) {
        gemm_tile(vp + (long)r * ci, up, mp + (long)r * co4, ci, co4, o, 4);
      }
    }
#endif
    for (; o < co4; o += 4) {
      for (int r = 0; r < nb; r += 2) {
        gemm_tile(vp + (long)r * ci, up, mp + (long)r * co4, ci, co4, o, 1);
      }
    }
  }
}

// acc[c..c+2)[o..o+4V) += sum over rows r < nb of V[r][c..c+2) * Z[r][o..o+4V).
INLINE void gemm_at_tile(const float* v, const float* z, float* acc, int nb, int ci, int co, int c,
                      int o, const int V) {
  float* a0p = acc + (long)c * co + o;
  v128_t a0[4], a1[4];
  for (int k = 0; k < V; k++) a0[k] = wasm_v128_load(a0p + 4 * k);
  for (int k = 0; k < V; k++) a1[k] = wasm_v128_load(a0p + co + 4 * k);
  const float* vp = v + c;
  const float* zp = z + o;
  for (int r = 0; r < nb; r++, vp += ci, zp += co) {
    v128_t zv[4];
    for (int k = 0; k < V; k++) zv[k] = wasm_v128_load(zp + 4 * k);
    const v128_t s0 = wasm_v128_load32_splat(vp), s1 = wasm_v128_load32_splat(vp + 1);
    for (int k = 0; k < V; k++) a0[k] = wasm_f32x4_relaxed_madd(s0, zv[k], a0[k]);
    for (int k = 0; k < V; k++) a1[k] = wasm_f32x4_relaxed_madd(s1, zv[k], a1[k]);
  }
  for (int k = 0; k < V; k++) wasm_v128_store(a0p + 4 * k, a0[k]);
  for (int k = 0; k < V; k++) wasm_v128_store(a0p + co + 4 * k, a1[k]);
}


// Filter-gradient GEMMs: for each of `positions` positions p, acc[p][c][o] += sum over the
// block's rows r < nb of V[p][r][c] * Z[p][r][o]; V is [positions][block][ci], Z
// [positions][block][co], acc [positions][ci][co], positions `vps`, `zps`, `aps` floats apart.
// ci even, co % 4 == 0.
#if VW > 4
// acc[c..c+R)[o..o+NV*VW) += sum over rows r < nb of V[r][c..c+R) * Z[r][o..), wide vectors
// (the same chain per element as gemm_at_tile: from acc, r ascending).
INLINE void gemm_at_wide(const float* v, const float* z, float* acc, int nb, int ci, int co, int c,
                         int o, const int R, const int NV) {
  float* ap = acc + (long)c * co + o;
  vf_t a[TILE_R][TILE_V];
  for (int k = 0; k < R; k++) {
    for (int j = 0; j < NV; j++) a[k][j] = vf_load(ap + (long)k * co + VW * j);
  }
  const float* vp = v + c;
  const float* zp = z + o;
  for (int r = 0; r < nb; r++, vp += ci, zp += co) {
    vf_t zv[TILE_V];
    for (int j = 0; j < NV; j++) zv[j] = vf_load(zp + VW * j);
    for (int k = 0; k < R; k++) {
      const vf_t s = vf_load_splat(vp + k);
      for (int j = 0; j < NV; j++) a[k][j] = vf_fma(s, zv[j], a[k][j]);
    }
  }
  for (int k = 0; k < R; k++) {
    for (int j = 0; j < NV; j++) vf_store(ap + (long)k * co + VW * j, a[k][j]);
  }
}

// Channel rows [c, c + R) of every column: wide tiles, then 4-column tiles in pairs of rows.
INLINE void gemm_at_cols(const float* vp, const float* zp, float* ap, int nb, int ci, int co, int c,
                         const int R) {
  int o = 0;
  for (; o + TILE_V * VW <= co; o += TILE_V * VW) {
    gemm_at_wide(vp, zp, ap, nb, ci, co, c, o, R, TILE_V);
  }
  for (; o + 16 <= co; o += 16) gemm_at_wide(vp, zp, ap, nb, ci, co, c, o, R, VN16);
  for (; o < co; o += 4) {
    for (int k = 0; k < R; k += 2) gemm_at_tile(vp, zp, ap, nb, ci, co, c + k, o, 1);
  }
}
#endif

// Zeroes a filter-gradient accumulator of n floats (n a multiple of 4), in the thread that fills
// it. Vector stores: the wasm build has no memset to call.
INLINE void zero_acc(float* p, long n) {
  const v128_t z = wasm_f32x4_splat(0.f);
  for (long i = 0; i < n; i += 4) wasm_v128_store(p + i, z);
}

INLINE void block_gemm_at(const float* vb, const float* zb, float* acc, const int positions,
                          int nb, long vps, long zps, long aps, int ci, int co) {
  for (int p = 0; p < positions; p++) {
    const float* vp = vb + p * vps;
    const float* zp = zb + p * zps;
    float* ap = acc + p * aps;
#if VW > 4
    int c = 0;
    for (; c + TILE_R <= ci; c += TILE_R) gemm_at_cols(vp, zp, ap, nb, ci, co, c, TILE_R);
    for (; c < ci; c += 2) gemm_at_cols(vp, zp, ap, nb, ci, co, c, 2);
#else
    for (int c = 0; c < ci; c += 2) {
      int o = 0;
      for (; o + 16 <= co; o += 16) gemm_at_tile(vp, zp, ap, nb, ci, co, c, o, 4);
      for (; o < co; o += 4) gemm_at_tile(vp, zp, ap, nb, ci, co, c, o, 1);
    }
#endif
  }
}

// Where the tiles of a conv input are: tile t = (image b, row ty, column tx) in row-major order,
// `tiles_w` tiles per row and `tiles_img` per image; padding top/left `pt`, `pl`.
typedef struct {
  const float* x;
  int h, w, ci, tiles_w, tiles_img, pt, pl;
} Tiles;

// src[0..4) as a vector, lanes at or beyond `co - o` read as 0 (the last co % 4 columns).
INLINE v128_t load_cols(const float* src, int o, int co) {
  if (o + 4 <= co) return wasm_v128_load(src);
  return wasm_f32x4_make(src[0], o + 1 < co ? src[1] : 0.f, o + 2 < co ? src[2] : 0.f, 0.f);
}

// F(2x2, 3x3): V for tile t, channels c..c+4: Bt d B of the 4x4 patch at (2*ty - pt,
// 2*tx - pl), zero outside x, stored at v + p * ps for p = 4*i + j.
// Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
INLINE void input_tile2(const Tiles* g, float* v, long ps, int t, int c) {
  const int b = t / g->tiles_img, tt = t % g->tiles_img;
  const int iy0 = 2 * (tt / g->tiles_w) - g->pt, ix0 = 2 * (tt % g->tiles_w) - g->pl;
  const float* xb = g->x + (long)b * g->h * g->w * g->ci + c;
  v128_t d[4][4];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) {
      const int iy = iy0 + i, ix = ix0 + j;
      d[i][j] = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w
        ? wasm_v128_load(xb + ((long)iy * g->w + ix) * g->ci)
        : wasm_f32x4_splat(0.f);
    }
  }
  v128_t e[4][4];  // Bt d
  for (int j = 0; j < 4; j++) {
    e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
    e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
    e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
    e[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
  }
  for (int i = 0; i < 4; i++) {  // (Bt d) B
    wasm_v128_store(v + (i * 4 + 0) * ps, wasm_f32x4_sub(e[i][0], e[i][2]));
    wasm_v128_store(v + (i * 4 + 1) * ps, wasm_f32x4_add(e[i][1], e[i][2]));
    wasm_v128_store(v + (i * 4 + 2) * ps, wasm_f32x4_sub(e[i][2], e[i][1]));
    wasm_v128_store(v + (i * 4 + 3) * ps, wasm_f32x4_sub(e[i][1], e[i][3]));
  }
}

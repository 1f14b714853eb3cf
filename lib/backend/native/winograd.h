// Shared parts of the Winograd kernels (winograd.c: F(2x2, 3x3), winograd4.c: F(4x4, 3x3), and
// their filter gradients): the per-position GEMMs over a block of tiles, and the output epilogue.
// Header-only (static inline).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

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
// [positions][block][co4]. Column tiles outer: a 16-wide column of U stays in L1 over the block's
// rows. Row nb (odd nb) is scratch: computed, never read.
INLINE void block_gemm(const float* vb, const float* u, float* mb, const int positions, int nb,
                       int block, int ci, int co4) {
  for (int p = 0; p < positions; p++) {
    const float* vp = vb + (long)p * block * ci;
    const float* up = u + (long)p * ci * co4;
    float* mp = mb + (long)p * block * co4;
    int o = 0;
    for (; o + 16 <= co4; o += 16) {
      for (int r = 0; r < nb; r += 2) {
        gemm_tile(vp + (long)r * ci, up, mp + (long)r * co4, ci, co4, o, 4);
      }
    }
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
// [positions][block][co], acc [positions][ci][co]. ci even, co % 4 == 0.
INLINE void block_gemm_at(const float* vb, const float* zb, float* acc, const int positions,
                          int nb, int block, int ci, int co) {
  for (int p = 0; p < positions; p++) {
    const float* vp = vb + (long)p * block * ci;
    const float* zp = zb + (long)p * block * co;
    float* ap = acc + (long)p * ci * co;
    for (int c = 0; c < ci; c += 2) {
      int o = 0;
      for (; o + 16 <= co; o += 16) gemm_at_tile(vp, zp, ap, nb, ci, co, c, o, 4);
      for (; o < co; o += 4) gemm_at_tile(vp, zp, ap, nb, ci, co, c, o, 1);
    }
  }
}

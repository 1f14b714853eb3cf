// Conv2D (forward) for tfjs-wasm's heap, NHWC, wasm SIMD128 with relaxed-SIMD fused multiply-add.
// Built by tools/build_kernels.sh; loaded by lib/backend/native_kernels.ts. No stack, no data
// segment, no libc: the module imports tfjs's (shared) memory.
//
// y[b][oy][ox][o] = act(bias[o] + sum over (ky, kx, c) of
//                       x[b][oy*sh + ky - pt][ox*sw + kx - pl][c] * w[ky][kx][c][o])
// Taps outside x read 0 (any padding). act is the identity or ReLU; bias may be 0 (none).
// Unit u = one output row (b = u / ho, oy = u % ho); a call computes rows [u0, u1).
// Register tile: 2 output pixels x 16 output channels = 8 accumulators, so the two FMA pipes
// of an x86 core stay busy (8 pixels x 4 channels for the last co % 16 channels). A pixel whose
// tap falls outside x reads `zeros` (>= ci floats of 0) instead, so the inner loop has no
// branches. The last co % 4 channels use a 4-lane tile on zero-padded copies of their weights and
// bias (`tail`).
#include "simd.h"

typedef struct {
  int w, ci, wo, co, kw, sw, pl, ky0, ky1, iy0, relu;
  const float *xb, *wt, *bias, *zeros, *tail;
  float* yr;
} Row;

INLINE v128_t finish(v128_t a, const Row* g, const float* bias) {
  if (bias) a = wasm_f32x4_add(a, wasm_v128_load(bias));
  return g->relu ? wasm_f32x4_max(a, wasm_f32x4_splat(0.f)) : a;
}

INLINE const float* pixel(const Row* g, const float* xrow, int ox, int kx) {
  const int ix = ox * g->sw + kx - g->pl;
  return ox < g->wo && ix >= 0 && ix < g->w ? xrow + (long)ix * g->ci : g->zeros;
}

// Stores the first `lanes` (1..3) lanes of `a`.
INLINE void store_lanes(float* y, v128_t a, int lanes) {
  y[0] = wasm_f32x4_extract_lane(a, 0);
  if (lanes > 1) y[1] = wasm_f32x4_extract_lane(a, 1);
  if (lanes > 2) y[2] = wasm_f32x4_extract_lane(a, 2);
}

// Output channels [o, o + lanes) of the whole row, R pixels at a time, with weights `wt` (row
// stride `ws` floats per (tap, c)) and bias `bias` (4V values or none). (R, V) is (2, 4) or
// (8, 1): 8 independent accumulators either way (inlined); lanes is 4V, or 1..3 for the last
// co % 4 channels (V = 1, zero-padded weights and bias).
INLINE void tiles(const Row* g, const float* wt, int ws, const float* bias, int o, const int R,
                  const int V, int lanes) {
  const int ci = g->ci, co = g->co;
  for (int ox = 0; ox < g->wo; ox += R) {
    v128_t a[8][4];
    for (int r = 0; r < R; r++) {
      for (int v = 0; v < V; v++) a[r][v] = wasm_f32x4_splat(0.f);
    }
    // Interior tile: every tap of every pixel inside x, so a kernel row's kw * ci inputs of a
    // pixel are contiguous, and so are its weight rows: one loop instead of kw (same order).
    const int first = ox * g->sw - g->pl, last = (ox + R - 1) * g->sw - g->pl + g->kw - 1;
    const int interior = ox + R <= g->wo && first >= 0 && last < g->w;
    const int kxn = interior ? 1 : g->kw, cn = interior ? g->kw * ci : ci;
    for (int ky = g->ky0; ky < g->ky1; ky++) {
      const float* xrow = g->xb + (long)(g->iy0 + ky) * g->w * ci;
      for (int kx = 0; kx < kxn; kx++) {
        const float* p[8];
        for (int r = 0; r < R; r++) p[r] = pixel(g, xrow, ox + r, kx);
        const float* wp = wt + (long)(ky * g->kw + kx) * ci * ws;
        for (int c = 0; c < cn; c++, wp += ws) {
          v128_t wv[4];
          for (int v = 0; v < V; v++) wv[v] = wasm_v128_load(wp + 4 * v);
          for (int r = 0; r < R; r++) {
            const v128_t s = wasm_v128_load32_splat(p[r] + c);
            for (int v = 0; v < V; v++) a[r][v] = wasm_f32x4_relaxed_madd(s, wv[v], a[r][v]);
          }
        }
      }
    }
    for (int r = 0; r < R && ox + r < g->wo; r++) {
      float* y = g->yr + (long)(ox + r) * co + o;
      for (int v = 0; v < V; v++) {
        const v128_t av = finish(a[r][v], g, bias ? bias + 4 * v : 0);
        if (lanes == 4 * V) {
          wasm_v128_store(y + 4 * v, av);
        } else {
          store_lanes(y, av, lanes);
        }
      }
    }
  }
}

#if VW > 4
// The 16-channel groups with wide vectors: R pixels x NV vectors (16 channels), the same
// accumulation order per output as `tiles`.
#define CONV_R (VW == 16 ? 8 : 6)
INLINE void tiles_wide(const Row* g, const float* wt, int ws, const float* bias, int o,
                       const int R, const int NV) {
  const int ci = g->ci, co = g->co;
  for (int ox = 0; ox < g->wo; ox += R) {
    vf_t a[8][2];
    for (int r = 0; r < R; r++) {
      for (int v = 0; v < NV; v++) a[r][v] = vf_splat(0.f);
    }
    const int first = ox * g->sw - g->pl, last = (ox + R - 1) * g->sw - g->pl + g->kw - 1;
    const int interior = ox + R <= g->wo && first >= 0 && last < g->w;
    const int kxn = interior ? 1 : g->kw, cn = interior ? g->kw * ci : ci;
    for (int ky = g->ky0; ky < g->ky1; ky++) {
      const float* xrow = g->xb + (long)(g->iy0 + ky) * g->w * ci;
      for (int kx = 0; kx < kxn; kx++) {
        const float* p[8];
        for (int r = 0; r < R; r++) p[r] = pixel(g, xrow, ox + r, kx);
        const float* wp = wt + (long)(ky * g->kw + kx) * ci * ws;
        for (int c = 0; c < cn; c++, wp += ws) {
          vf_t wv[2];
          for (int v = 0; v < NV; v++) wv[v] = vf_load(wp + VW * v);
          for (int r = 0; r < R; r++) {
            const vf_t s = vf_load_splat(p[r] + c);
            for (int v = 0; v < NV; v++) a[r][v] = vf_fma(s, wv[v], a[r][v]);
          }
        }
      }
    }
    for (int r = 0; r < R && ox + r < g->wo; r++) {
      float* y = g->yr + (long)(ox + r) * co + o;
      for (int v = 0; v < NV; v++) {
        vf_t av = a[r][v];
        if (bias) av = vf_add(av, vf_load(bias + VW * v));
        vf_store(y + VW * v, g->relu ? vf_relu(av) : av);
      }
    }
  }
}
#endif

// `tail`: when co % 4 != 0, the last co % 4 weight columns zero-padded to 4, as [kh][kw][ci][4],
// followed by the matching 4 bias values (zero-padded); filled by the caller.
EXPORT("conv_fwd")
void conv_fwd(const float* x, const float* wt, const float* bias, float* y, const float* zeros,
              const float* tail, int h, int w, int ci, int ho, int wo, int co, int kh, int kw,
              int sh, int sw, int pt, int pl, int relu, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int b = u / ho, oy = u % ho;
    Row g = {w, ci, wo, co, kw, sw, pl, 0, kh, oy * sh - pt, relu, x + (long)b * h * w * ci, wt,
             bias, zeros, tail, y + ((long)b * ho + oy) * wo * co};
    if (g.ky0 < -g.iy0) g.ky0 = -g.iy0;  // rows above x
    if (g.ky1 > h - g.iy0) g.ky1 = h - g.iy0;  // rows below x
    int o = 0;
#if VW > 4
    for (; o + 16 <= co; o += 16) tiles_wide(&g, wt + o, co, bias ? bias + o : 0, o, CONV_R, VN16);
#else
    for (; o + 16 <= co; o += 16) tiles(&g, wt + o, co, bias ? bias + o : 0, o, 2, 4, 16);
#endif
    for (; o + 4 <= co; o += 4) tiles(&g, wt + o, co, bias ? bias + o : 0, o, 8, 1, 4);
    if (o < co) {
      const float* tb = bias ? tail + (long)kh * kw * ci * 4 : 0;
      tiles(&g, tail, 4, tb, o, 8, 1, co - o);
    }
  }
}

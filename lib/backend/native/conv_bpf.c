// Conv2DBackpropFilter for tfjs-wasm's heap, NHWC, wasm SIMD128 with relaxed-SIMD fused
// multiply-add. Built by tools/build_kernels.sh; loaded by lib/backend/native_kernels.ts. No
// stack, no data segment, no libc: the module imports tfjs's (shared) memory and only reads x / dy
// and writes its share of dW.
//
// dW[ky][kx][c][o] = sum over (b, oy, ox) of x[b][oy*sh + ky - pt][ox*sw + kx - pl][c] * dy[b][oy][ox][o]
// Work is split in units: unit u = (tap t = u / nct, channels 4*(u % nct) .. +4), nct = ceil(ci / 4).
// A call computes units [u0, u1) completely, so threads given disjoint ranges write disjoint rows.
#include "simd.h"


static inline int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

#if VW > 4
// Channels [c0, c0 + R) x outputs [o, o + NV*VW) with wide vectors: the same chain per dW
// element as the 128-bit tiles below (from d, over oy then ox).
INLINE void bpf_wide(const float* xb, const float* gb, float* d, int w, int ci, int wo, int co,
                     int o, int oy0, int oy1, int ox0, int ox1, int sh, int sw, int ky, int kx,
                     int pt, int pl, const int R, const int NV) {
  vf_t a[4][TILE_V];
  for (int k = 0; k < R; k++) {
    for (int j = 0; j < NV; j++) a[k][j] = vf_load(d + (long)k * co + o + VW * j);
  }
  for (int oy = oy0; oy <= oy1; oy++) {
    const int iy = oy * sh + ky - pt;
    const float* xp = xb + ((long)iy * w + ox0 * sw + kx - pl) * ci;
    const float* gp = gb + ((long)oy * wo + ox0) * co + o;
    for (int ox = ox0; ox <= ox1; ox++, xp += sw * ci, gp += co) {
      vf_t g[TILE_V];
      for (int j = 0; j < NV; j++) g[j] = vf_load(gp + VW * j);
      for (int k = 0; k < R; k++) {
        const vf_t s = vf_load_splat(xp + k);
        for (int j = 0; j < NV; j++) a[k][j] = vf_fma(s, g[j], a[k][j]);
      }
    }
  }
  for (int k = 0; k < R; k++) {
    for (int j = 0; j < NV; j++) vf_store(d + (long)k * co + o + VW * j, a[k][j]);
  }
}
#endif

EXPORT("conv_bpf")
void conv_bpf(const float* x, const float* dy, float* dw, int n, int h, int w, int ci, int ho,
              int wo, int co, int kh, int kw, int sh, int sw, int pt, int pl, int u0, int u1) {
  const int nct = (ci + 3) / 4;
  // Zero this call's rows.
  for (int u = u0; u < u1; u++) {
    const int t = u / nct, c0 = (u % nct) * 4, cn = ci - c0 < 4 ? ci - c0 : 4;
    float* d = dw + ((long)t * ci + c0) * co;
    for (int i = 0; i < cn * co; i++) d[i] = 0.f;
  }
  for (int b = 0; b < n; b++) {
    const float* xb = x + (long)b * h * w * ci;
    const float* gb = dy + (long)b * ho * wo * co;
    for (int u = u0; u < u1; u++) {
      const int t = u / nct, c0 = (u % nct) * 4, cn = ci - c0 < 4 ? ci - c0 : 4;
      const int ky = t / kw, kx = t % kw;
      int oy0 = ceil_div(pt - ky, sh), oy1 = floor_div(h - 1 + pt - ky, sh);
      int ox0 = ceil_div(pl - kx, sw), ox1 = floor_div(w - 1 + pl - kx, sw);
      if (oy0 < 0) oy0 = 0;
      if (ox0 < 0) ox0 = 0;
      if (oy1 > ho - 1) oy1 = ho - 1;
      if (ox1 > wo - 1) ox1 = wo - 1;
      if (oy0 > oy1 || ox0 > ox1) continue;
      float* d = dw + ((long)t * ci + c0) * co;
      int o = 0;
#if VW > 4
#define BPF_WIDE1(R) \
  bpf_wide(xb + c0, gb, d, w, ci, wo, co, o, oy0, oy1, ox0, ox1, sh, sw, ky, kx, pt, pl, R, 1)
      for (; o + TILE_V * VW <= co; o += TILE_V * VW) {
#define BPF_WIDE(R) \
  bpf_wide(xb + c0, gb, d, w, ci, wo, co, o, oy0, oy1, ox0, ox1, sh, sw, ky, kx, pt, pl, R, TILE_V)
        if (cn == 4) BPF_WIDE(4);
        else if (cn == 3) BPF_WIDE(3);
        else if (cn == 2) BPF_WIDE(2);
        else BPF_WIDE(1);
#undef BPF_WIDE
      }
      // One wide vector at a time for the rest (e.g. co = 16 on AVX-512): same chain per element.
      for (; o + VW <= co; o += VW) {
        if (cn == 4) BPF_WIDE1(4);
        else if (cn == 3) BPF_WIDE1(3);
        else if (cn == 2) BPF_WIDE1(2);
        else BPF_WIDE1(1);
      }
#endif
      const int ow = o;
      if (cn == 4) {
        for (; o + 8 <= co; o += 8) {
          v128_t a00 = wasm_v128_load(d + o), a01 = wasm_v128_load(d + o + 4);
          v128_t a10 = wasm_v128_load(d + co + o), a11 = wasm_v128_load(d + co + o + 4);
          v128_t a20 = wasm_v128_load(d + 2 * co + o), a21 = wasm_v128_load(d + 2 * co + o + 4);
          v128_t a30 = wasm_v128_load(d + 3 * co + o), a31 = wasm_v128_load(d + 3 * co + o + 4);
          for (int oy = oy0; oy <= oy1; oy++) {
            const int iy = oy * sh + ky - pt;
            const float* xp = xb + ((long)iy * w + ox0 * sw + kx - pl) * ci + c0;
            const float* gp = gb + ((long)oy * wo + ox0) * co + o;
            const int xs = sw * ci;
            for (int ox = ox0; ox <= ox1; ox++, xp += xs, gp += co) {
              const v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
              v128_t s = wasm_v128_load32_splat(xp);
              a00 = wasm_f32x4_relaxed_madd(s, g0, a00);
              a01 = wasm_f32x4_relaxed_madd(s, g1, a01);
              s = wasm_v128_load32_splat(xp + 1);
              a10 = wasm_f32x4_relaxed_madd(s, g0, a10);
              a11 = wasm_f32x4_relaxed_madd(s, g1, a11);
              s = wasm_v128_load32_splat(xp + 2);
              a20 = wasm_f32x4_relaxed_madd(s, g0, a20);
              a21 = wasm_f32x4_relaxed_madd(s, g1, a21);
              s = wasm_v128_load32_splat(xp + 3);
              a30 = wasm_f32x4_relaxed_madd(s, g0, a30);
              a31 = wasm_f32x4_relaxed_madd(s, g1, a31);
            }
          }
          wasm_v128_store(d + o, a00), wasm_v128_store(d + o + 4, a01);
          wasm_v128_store(d + co + o, a10), wasm_v128_store(d + co + o + 4, a11);
          wasm_v128_store(d + 2 * co + o, a20), wasm_v128_store(d + 2 * co + o + 4, a21);
          wasm_v128_store(d + 3 * co + o, a30), wasm_v128_store(d + 3 * co + o + 4, a31);
        }
      }
      // Fewer than 4 channels (e.g. an RGB input): one channel × 8 outputs at a time.
      if (cn < 4) {
        for (int c = 0; c < cn; c++) {
          for (o = ow; o + 8 <= co; o += 8) {
            float* dc = d + c * co + o;
            v128_t a0 = wasm_v128_load(dc), a1 = wasm_v128_load(dc + 4);
            for (int oy = oy0; oy <= oy1; oy++) {
              const int iy = oy * sh + ky - pt;
              const float* xp = xb + ((long)iy * w + ox0 * sw + kx - pl) * ci + c0 + c;
              const float* gp = gb + ((long)oy * wo + ox0) * co + o;
              for (int ox = ox0; ox <= ox1; ox++, xp += sw * ci, gp += co) {
                const v128_t s = wasm_v128_load32_splat(xp);
                a0 = wasm_f32x4_relaxed_madd(s, wasm_v128_load(gp), a0);
                a1 = wasm_f32x4_relaxed_madd(s, wasm_v128_load(gp + 4), a1);
              }
            }
            wasm_v128_store(dc, a0), wasm_v128_store(dc + 4, a1);
          }
        }
      }
      // Remainder: the last co % 8 outputs, one (channel, output) at a time.
      for (int c = 0; c < cn; c++) {
        for (int oo = o; oo < co; oo++) {
          float acc = d[c * co + oo];
          for (int oy = oy0; oy <= oy1; oy++) {
            const int iy = oy * sh + ky - pt;
            const float* xp = xb + ((long)iy * w + ox0 * sw + kx - pl) * ci + c0 + c;
            const float* gp = gb + ((long)oy * wo + ox0) * co + oo;
            for (int ox = ox0; ox <= ox1; ox++, xp += sw * ci, gp += co) acc += *xp * *gp;
          }
          d[c * co + oo] = acc;
        }
      }
    }
  }
}

// Winograd F(4x4, 3x3) convolution for tfjs-wasm's heap, NHWC, wasm SIMD128 + relaxed-SIMD FMA
// (Lavin & Gray, CVPR 2016; interpolation points 0, +-1, +-2, infinity). Built by
// tools/build_kernels.sh; loaded by lib/backend/native_kernels.ts. No stack, no data segment.
//
// Each 4x4 output tile is Y = At [ (G g Gt) . (Bt d B) ] A, d the 6x6 input patch at
// (4*ty - pt, 4*tx - pl) (zero outside x): 36 products per tile and channel pair instead of 144
// (F(2x2, 3x3): 64). The 36 products over channels are 36 GEMMs (winograd.h).
//   Bt = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   At = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
#include "winograd4.h"

// U[p][c][o] (p = 6*i + j, o < co4, zero for o >= co) from w[3][3][ci][co], positions `ups`
// floats apart; units: channels.
EXPORT("wino4_filter")
void wino4_filter(const float* w, float* u, int ci, int co, int co4, int ups, int u0, int u1) {
  const long ps = ups;
  for (int c = u0; c < u1; c++) {
    for (int o = 0; o < co4; o += 4) {
      v128_t g[3][3];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          g[i][j] = load_cols(w + ((long)(i * 3 + j) * ci + c) * co + o, o, co);
        }
      }
      v128_t t[3][6];  // columns j of G g, as t[j][i]
      for (int j = 0; j < 3; j++) filter_col(g[0][j], g[1][j], g[2][j], t[j]);
      float* uo = u + (long)c * co4 + o;
      for (int i = 0; i < 6; i++) {  // row i of (G g) Gt
        v128_t r[6];
        filter_col(t[0][i], t[1][i], t[2][i], r);
        for (int j = 0; j < 6; j++) wasm_v128_store(uo + (i * 6 + j) * ps, r[j]);
      }
    }
  }
}

// units: blocks of `block` (even) tiles over all n * ceil(ho/4) * ceil(wo/4) tiles. Thread
// `thread` uses scratch + thread * slot floats: V [36][block][ci], then M [36][block][co4], their
// positions `vps` and `mps` floats apart (U's: `ups`). `bias4`: bias zero-padded to co4 values,
// or 0. ci % 4 == 0.
EXPORT("wino4_conv")
void wino4_conv(const float* x, const float* u, const float* bias4, float* y, float* scratch,
                int n, int h, int w, int ci, int ho, int wo, int co, int co4, int pt, int pl,
                int relu, int block, int vps, int ups, int mps, int slot, int u0, int u1,
                int thread) {
  const int tiles_w = (wo + 3) / 4, tiles_img = ((ho + 3) / 4) * tiles_w;
  const int total = n * tiles_img;
  float* vb = scratch + (long)thread * slot;
  float* mb = vb + 36L * vps;
  for (int unit = u0; unit < u1; unit++) {
    const int t0 = unit * block, nb = total - t0 < block ? total - t0 : block;
    const Tiles g = {x, h, w, ci, tiles_w, tiles_img, pt, pl};
    for (int r = 0; r < nb; r++) {
      int c = 0;
#if VW > 4
      for (; c + VW <= ci; c += VW) input_tile4_wide(&g, vb + (long)r * ci + c, vps, t0 + r, c);
#endif
      for (; c < ci; c += 4) input_tile4(&g, vb + (long)r * ci + c, vps, t0 + r, c);
    }
    block_gemm(vb, u, mb, 36, nb, vps, ups, mps, ci, co4);
    for (int r = 0; r < nb; r++) {
      const int t = t0 + r, b = t / tiles_img, tt = t % tiles_img;
      const int oy = 4 * (tt / tiles_w), ox = 4 * (tt % tiles_w);
      const int rows = ho - oy < 4 ? ho - oy : 4, cols = wo - ox < 4 ? wo - ox : 4;
      float* yt = y + (((long)b * ho + oy) * wo + ox) * co;
      const float* m = mb + (long)r * co4;
      int o = 0;
#if VW > 4
      for (; o + VW <= co; o += VW) {
        output_tile4_wide(m + o, mps, yt + o, (long)wo * co, co, rows, cols, VW, bias4, o, relu);
      }
#endif
      for (; o < co4; o += 4) {
        const int lanes = co - o < 4 ? co - o : 4;
        output_tile4(m + o, mps, yt + o, (long)wo * co, co, rows, cols, lanes, bias4, o, relu);
      }
    }
  }
}

// Winograd F(2x2, 3x3) convolution for tfjs-wasm's heap, NHWC, wasm SIMD128 + relaxed-SIMD FMA
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016). Built by
// tools/build_kernels.sh; loaded by lib/backend/native_kernels.ts. No stack, no data segment.
//
// For a 3x3 kernel, stride 1: each 2x2 output tile is Y = At [ (G g Gt) . (Bt d B) ] A with d the
// 4x4 input patch at (2*ty - pt, 2*tx - pl) (zero outside x): 16 products per tile and channel
// pair instead of 36. The 16 elementwise products over channels are 16 GEMMs
// M[p][t][o] = sum_c V[p][t][c] * U[p][c][o], p = 4*i + j.
//   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]      (exact in float32)
//   Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]       At = [1 1 1 0; 0 1 -1 -1]
#include "winograd.h"

// U[p][c][o] (o < co4, zero for o >= co) from the HWIO filter w[3][3][ci][co], positions `ups`
// floats apart; units: input channels [u0, u1). Four output channels at a time; the last co % 4
// are gathered one by one.
EXPORT("wino_filter")
void wino_filter(const float* w, float* u, int ci, int co, int co4, int ups, int u0, int u1) {
  const long ps = ups;  // stride between the 16 positions
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int c = u0; c < u1; c++) {
    for (int o = 0; o < co4; o += 4) {
      v128_t g[3][3];
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          g[i][j] = load_cols(w + ((long)(i * 3 + j) * ci + c) * co + o, o, co);
        }
      }
      v128_t t[4][3];  // G g
      for (int j = 0; j < 3; j++) {
        const v128_t h02 = wasm_f32x4_mul(half, wasm_f32x4_add(g[0][j], g[2][j]));
        const v128_t h1 = wasm_f32x4_mul(half, g[1][j]);
        t[0][j] = g[0][j];
        t[1][j] = wasm_f32x4_add(h02, h1);
        t[2][j] = wasm_f32x4_sub(h02, h1);
        t[3][j] = g[2][j];
      }
      float* uo = u + (long)c * co4 + o;
      for (int i = 0; i < 4; i++) {  // (G g) Gt
        const v128_t h02 = wasm_f32x4_mul(half, wasm_f32x4_add(t[i][0], t[i][2]));
        const v128_t h1 = wasm_f32x4_mul(half, t[i][1]);
        wasm_v128_store(uo + (i * 4 + 0) * ps, t[i][0]);
        wasm_v128_store(uo + (i * 4 + 1) * ps, wasm_f32x4_add(h02, h1));
        wasm_v128_store(uo + (i * 4 + 2) * ps, wasm_f32x4_sub(h02, h1));
        wasm_v128_store(uo + (i * 4 + 3) * ps, t[i][2]);
      }
    }
  }
}

// units: blocks of `block` (even) tiles over all n * tiles_h * tiles_w tiles, row-major. Thread
// `thread` uses scratch + thread * slot floats: V [16][block][ci], then M [16][block][co4], their
// positions `vps` and `mps` floats apart (U's: `ups`). `bias4`: bias zero-padded to co4 values,
// or 0. ci % 4 == 0.
EXPORT("wino_conv")
void wino_conv(const float* x, const float* u, const float* bias4, float* y, float* scratch,
               int n, int h, int w, int ci, int ho, int wo, int co, int co4, int pt, int pl,
               int relu, int block, int vps, int ups, int mps, int slot, int u0, int u1,
               int thread) {
  const int tiles_w = (wo + 1) / 2, tiles_img = ((ho + 1) / 2) * tiles_w;
  const int total = n * tiles_img;
  const Tiles g = {x, h, w, ci, tiles_w, tiles_img, pt, pl};
  float* vb = scratch + (long)thread * slot;
  float* mb = vb + 16L * vps;
  for (int unit = u0; unit < u1; unit++) {
    const int t0 = unit * block, nb = total - t0 < block ? total - t0 : block;
    for (int r = 0; r < nb; r++) {
      for (int c = 0; c < ci; c += 4) input_tile2(&g, vb + (long)r * ci + c, vps, t0 + r, c);
    }
    block_gemm(vb, u, mb, 16, nb, vps, ups, mps, ci, co4);
    for (int r = 0; r < nb; r++) {
      const int t = t0 + r, b = t / tiles_img, tt = t % tiles_img;
      const int oy = 2 * (tt / tiles_w), ox = 2 * (tt % tiles_w);
      float* yt = y + (((long)b * ho + oy) * wo + ox) * co;
      const int down = oy + 1 < ho, right = ox + 1 < wo;
      for (int o = 0; o < co4; o += 4) {
        const float* m = mb + (long)r * co4 + o;
        const long ps = mps;
        v128_t a[2][4];  // At M
        for (int j = 0; j < 4; j++) {
          const v128_t m0 = wasm_v128_load(m + (0 * 4 + j) * ps);
          const v128_t m1 = wasm_v128_load(m + (1 * 4 + j) * ps);
          const v128_t m2 = wasm_v128_load(m + (2 * 4 + j) * ps);
          const v128_t m3 = wasm_v128_load(m + (3 * 4 + j) * ps);
          a[0][j] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
          a[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
        }
        const int lanes = co - o < 4 ? co - o : 4;
        for (int i = 0; i < 1 + down; i++) {  // (At M) A
          const v128_t y0 = wasm_f32x4_add(wasm_f32x4_add(a[i][0], a[i][1]), a[i][2]);
          float* yr = yt + (long)i * wo * co + o;
          store_lanes(yr, finish(y0, bias4, o, relu), lanes);
          if (right) {
            const v128_t y1 = wasm_f32x4_sub(wasm_f32x4_sub(a[i][1], a[i][2]), a[i][3]);
            store_lanes(yr + co, finish(y1, bias4, o, relu), lanes);
          }
        }
      }
    }
  }
}

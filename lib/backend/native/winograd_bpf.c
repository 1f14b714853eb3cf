// Conv2DBackpropFilter of a 3x3 stride-1 convolution through Winograd F(2x2, 3x3), NHWC, wasm
// SIMD128 + relaxed-SIMD FMA. Built by tools/build_kernels.sh; loaded by
// lib/backend/native_kernels.ts. No stack, no data segment.
//
// The forward identity Y = At [ U . V ] A (U = G g Gt, V = Bt d B, see winograd.c) is linear in
// U, so for an upstream gradient dY per 2x2 output tile (zero beyond the output):
//   dU[p][c][o] = sum over tiles t of V[p][t][c] * Z[p][t][o],  Z = A dY At   (16 GEMMs)
//   dg = Gt dU G                                                              (3x3 per (c, o))
// A = [1 0; 1 1; 1 -1; 0 -1]. Ci and Co are multiples of 4.
#include "winograd.h"

// Where the 2x2 tiles of the upstream gradient dy [n][ho][wo][co] are.
typedef struct {
  const float* dy;
  int ho, wo, co, tiles_w, tiles_img;
} Geo;

// Z[p][r][o..o+4) for tile t: A dY At of the 2x2 gradient tile (zero beyond the output).
INLINE void grad_tile(const Geo* g, float* zb, long ps, int r, int t, int o) {
  const int b = t / g->tiles_img, tt = t % g->tiles_img;
  const int oy = 2 * (tt / g->tiles_w), ox = 2 * (tt % g->tiles_w);
  const float* gp = g->dy + (((long)b * g->ho + oy) * g->wo + ox) * g->co + o;
  const v128_t zero = wasm_f32x4_splat(0.f);
  const int down = oy + 1 < g->ho, right = ox + 1 < g->wo;
  const v128_t d00 = wasm_v128_load(gp);
  const v128_t d01 = right ? wasm_v128_load(gp + g->co) : zero;
  const v128_t d10 = down ? wasm_v128_load(gp + (long)g->wo * g->co) : zero;
  const v128_t d11 = down && right ? wasm_v128_load(gp + ((long)g->wo + 1) * g->co) : zero;
  // W = A dY (4 x 2), then Z = W At (4 x 4).
  const v128_t w[4][2] = {
    {d00, d01},
    {wasm_f32x4_add(d00, d10), wasm_f32x4_add(d01, d11)},
    {wasm_f32x4_sub(d00, d10), wasm_f32x4_sub(d01, d11)},
    {wasm_f32x4_neg(d10), wasm_f32x4_neg(d11)},
  };
  float* z = zb + (long)r * g->co + o;
  for (int i = 0; i < 4; i++) {
    wasm_v128_store(z + (i * 4 + 0) * ps, w[i][0]);
    wasm_v128_store(z + (i * 4 + 1) * ps, wasm_f32x4_add(w[i][0], w[i][1]));
    wasm_v128_store(z + (i * 4 + 2) * ps, wasm_f32x4_sub(w[i][0], w[i][1]));
    wasm_v128_store(z + (i * 4 + 3) * ps, wasm_f32x4_neg(w[i][1]));
  }
}

// units: blocks of `block` tiles. Thread `thread` accumulates into its own dU (16 positions
// `aps` floats apart, at du + thread * 16 * aps), which it zeroes first (a thread with no units
// is not called: the caller zeroes every accumulator when there are fewer units than threads),
// using scratch + thread * slot: V [16][block][ci], then Z [16][block][co], positions `vps` and
// `zps` floats apart.
EXPORT("wino_bpf")
void wino_bpf(const float* x, const float* dy, float* du, float* scratch, int n, int h, int w,
              int ci, int ho, int wo, int co, int pt, int pl, int block, int vps, int zps, int aps,
              int slot, int u0, int u1, int thread) {
  const int tiles_w = (wo + 1) / 2, tiles_img = ((ho + 1) / 2) * tiles_w;
  const int total = n * tiles_img;
  const Geo g = {dy, ho, wo, co, tiles_w, tiles_img};
  const Tiles in = {x, h, w, ci, tiles_w, tiles_img, pt, pl};
  float* vb = scratch + (long)thread * slot;
  float* zb = vb + 16L * vps;
  float* acc = du + (long)thread * 16 * aps;
  zero_acc(acc, 16L * aps);
  for (int unit = u0; unit < u1; unit++) {
    const int t0 = unit * block, nb = total - t0 < block ? total - t0 : block;
    for (int r = 0; r < nb; r++) {
      for (int c = 0; c < ci; c += 4) input_tile2(&in, vb + (long)r * ci + c, vps, t0 + r, c);
      for (int o = 0; o < co; o += 4) grad_tile(&g, zb, zps, r, t0 + r, o);
    }
    block_gemm_at(vb, zb, acc, 16, nb, vps, zps, aps, ci, co);
  }
}

// dW[ky][kx][c][o] = (Gt dU G)[ky][kx], dU summed over the `threads` per-thread accumulators
// (positions `aps` floats apart); units: input channels [u0, u1).
EXPORT("wino_bpf_out")
void wino_bpf_out(const float* du, float* dw, int ci, int co, int aps, int threads, int u0,
                  int u1) {
  const long ps = (long)ci * co, ts = 16L * aps;
  for (int c = u0; c < u1; c++) {
    for (int o = 0; o < co; o += 4) {
      v128_t m[16];
      for (int p = 0; p < 16; p++) {
        const float* src = du + p * (long)aps + (long)c * co + o;
        v128_t s = wasm_v128_load(src);
        for (int t = 1; t < threads; t++) s = wasm_f32x4_add(s, wasm_v128_load(src + t * ts));
        m[p] = s;
      }
      const v128_t half = wasm_f32x4_splat(0.5f);
      v128_t s[3][4];  // Gt dU
      for (int j = 0; j < 4; j++) {
        const v128_t h12 = wasm_f32x4_mul(half, wasm_f32x4_add(m[4 + j], m[8 + j]));
        s[0][j] = wasm_f32x4_add(m[j], h12);
        s[1][j] = wasm_f32x4_mul(half, wasm_f32x4_sub(m[4 + j], m[8 + j]));
        s[2][j] = wasm_f32x4_add(h12, m[12 + j]);
      }
      for (int i = 0; i < 3; i++) {  // (Gt dU) G
        const v128_t h12 = wasm_f32x4_mul(half, wasm_f32x4_add(s[i][1], s[i][2]));
        float* d = dw + ((long)(i * 3) * ci + c) * co + o;
        wasm_v128_store(d, wasm_f32x4_add(s[i][0], h12));
        wasm_v128_store(d + ps, wasm_f32x4_mul(half, wasm_f32x4_sub(s[i][1], s[i][2])));
        wasm_v128_store(d + 2 * ps, wasm_f32x4_add(h12, s[i][3]));
      }
    }
  }
}

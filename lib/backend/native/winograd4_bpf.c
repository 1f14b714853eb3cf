// Conv2DBackpropFilter of a 3x3 stride-1 convolution through Winograd F(4x4, 3x3) (matrices in
// winograd4.c; the derivation is winograd_bpf.c's): per 4x4 output tile,
//   dU[p][c][o] += V[p][t][c] * Z[p][t][o],  V = Bt d B (6x6 patch),  Z = A dY At (dY: 4x4, zero
//   beyond the output), then dg = Gt dU G.
// A = (At)t: A (y0..y3) = (y0, y0+y1+y2+y3, y0-y1+y2-y3, y0+2y1+4y2+8y3, y0-2y1+4y2-8y3, y3).
// Built by tools/build_kernels.sh. No stack, no data segment. Ci, Co multiples of 4.
#include "winograd4.h"

// out = Gt (u0..u5) for one column: 3 values.
INLINE void unfilter_col(const v128_t* u, v128_t* out) {
  const v128_t s12 = wasm_f32x4_add(u[1], u[2]), s34 = wasm_f32x4_add(u[3], u[4]);
  const v128_t d21 = wasm_f32x4_sub(u[2], u[1]), d34 = wasm_f32x4_sub(u[3], u[4]);
  const v128_t sixth = SPLAT(1.f / 6);
  const v128_t q0 = MADD(SPLAT(-1.f / 6), s12, wasm_f32x4_mul(SPLAT(0.25f), u[0]));
  out[0] = MADD(SPLAT(1.f / 24), s34, q0);
  out[1] = MADD(SPLAT(1.f / 12), d34, wasm_f32x4_mul(sixth, d21));
  out[2] = wasm_f32x4_add(wasm_f32x4_mul(sixth, wasm_f32x4_sub(s34, s12)), u[5]);
}

// units: blocks of `block` tiles. Thread `thread` accumulates into its own dU (36 positions
// `aps` floats apart, at du + thread * 36 * aps), which it zeroes first (a thread with no units
// is not called: the caller zeroes every accumulator when there are fewer units than threads),
// using scratch + thread * slot: V [36][block][ci], then Z [36][block][co], positions `vps` and
// `zps` floats apart.
EXPORT("wino4_bpf")
void wino4_bpf(const float* x, const float* dy, float* du, float* scratch, int n, int h, int w,
               int ci, int ho, int wo, int co, int pt, int pl, int block, int vps, int zps, int aps,
               int slot, int u0, int u1, int thread) {
  const int tiles_w = (wo + 3) / 4, tiles_img = ((ho + 3) / 4) * tiles_w;
  const int total = n * tiles_img;
  const Tiles g = {x, h, w, ci, tiles_w, tiles_img, pt, pl};
  float* vb = scratch + (long)thread * slot;
  float* zb = vb + 36L * vps;
  float* acc = du + (long)thread * 36 * aps;
  zero_acc(acc, 36L * aps);
  for (int unit = u0; unit < u1; unit++) {
    const int t0 = unit * block, nb = total - t0 < block ? total - t0 : block;
    for (int r = 0; r < nb; r++) {
      const int t = t0 + r, b = t / tiles_img, tt = t % tiles_img;
      int c = 0;
#if VW > 4
      for (; c + VW <= ci; c += VW) input_tile4_wide(&g, vb + (long)r * ci + c, vps, t, c);
#endif
      for (; c < ci; c += 4) input_tile4(&g, vb + (long)r * ci + c, vps, t, c);
      const int oy = 4 * (tt / tiles_w), ox = 4 * (tt % tiles_w);
      const float* gb = dy + (((long)b * ho + oy) * wo + ox) * co;
      const int rows = ho - oy < 4 ? ho - oy : 4, cols = wo - ox < 4 ? wo - ox : 4;
      float* z = zb + (long)r * co;
      int o = 0;
#if VW > 4
      for (; o + VW <= co; o += VW) {
        grad_tile4_wide(gb + o, (long)wo * co, co, rows, cols, z + o, zps);
      }
#endif
      for (; o < co; o += 4) grad_tile4(gb + o, (long)wo * co, co, rows, cols, z + o, zps);
    }
    block_gemm_at(vb, zb, acc, 36, nb, vps, zps, aps, ci, co);
  }
}

// dW[ky][kx][c][o] = (Gt dU G)[ky][kx], dU summed over the `threads` accumulators (positions
// `aps` floats apart); units: input channels [u0, u1).
EXPORT("wino4_bpf_out")
void wino4_bpf_out(const float* du, float* dw, int ci, int co, int aps, int threads, int u0,
                   int u1) {
  const long ps = (long)ci * co, ts = 36L * aps;
  for (int c = u0; c < u1; c++) {
    for (int o = 0; o < co; o += 4) {
      v128_t q[6][3];  // q[j] = Gt (column j of dU)
#pragma clang loop unroll(full)
      for (int j = 0; j < 6; j++) {
        v128_t col[6];
        for (int i = 0; i < 6; i++) {
          const float* src = du + (i * 6 + j) * (long)aps + (long)c * co + o;
          v128_t s = wasm_v128_load(src);
          for (int t = 1; t < threads; t++) s = wasm_f32x4_add(s, wasm_v128_load(src + t * ts));
          col[i] = s;
        }
        unfilter_col(col, q[j]);
      }
#pragma clang loop unroll(full)
      for (int i = 0; i < 3; i++) {  // row i of (Gt dU) G
        v128_t row[6], out[3];
        for (int j = 0; j < 6; j++) row[j] = q[j][i];
        unfilter_col(row, out);
        float* d = dw + ((long)(i * 3) * ci + c) * co + o;
        for (int j = 0; j < 3; j++) wasm_v128_store(d + j * ps, out[j]);
      }
    }
  }
}

// Batch-norm training passes over a [rows, cols] float32 matrix (channels last) on tfjs-wasm's
// heap, float64 accumulators, per-column work units of 16 columns (moments, sums) or row blocks
// (elementwise). Used by lib/backend/batch_norm_train.ts.
#include "simd.h"


static inline v128_t hi_f64(v128_t v) {
  return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
}

// A whole 16-column unit in one pass over the rows (one 64-byte line per row instead of four
// passes of 16 bytes): the same float64 chain per column as the 4-column loops below.
typedef float bn_f16 __attribute__((ext_vector_type(16)));
typedef double bn_d16 __attribute__((ext_vector_type(16)));

// A macro, not a function: a 64-byte vector return would change the ABI on the AVX2 build.
#define BN_LOAD16(v, p) __builtin_memcpy(&(v), (p), sizeof(bn_f16))

// mean[c] = Σ_r x / rows, var[c] = max(0, Σ_r x² / rows − mean²) (the biased variance).
EXPORT("moments_rows")
void moments_rows(const float* x, float* mean, float* var, int rows, int cols, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int c0 = u * 16, c1 = c0 + 16 < cols ? c0 + 16 : cols;
    if (c1 - c0 == 16) {
      bn_d16 s = (bn_d16)0, q = (bn_d16)0;
      const float* p = x + c0;
      for (int r = 0; r < rows; r++, p += cols) {
        bn_f16 f;
        BN_LOAD16(f, p);
        const bn_d16 v = __builtin_convertvector(f, bn_d16);
        s += v, q += v * v;
      }
      for (int i = 0; i < 16; i++) {
        const double m = s[i] / rows, v = q[i] / rows - m * m;
        mean[c0 + i] = (float)m;
        var[c0 + i] = (float)(v > 0 ? v : 0);
      }
      continue;
    }
    for (int c = c0; c + 4 <= c1; c += 4) {
      v128_t s0 = wasm_f64x2_splat(0), s1 = s0, q0 = s0, q1 = s0;
      const float* p = x + c;
      for (int r = 0; r < rows; r++, p += cols) {
        const v128_t v = wasm_v128_load(p);
        const v128_t lo = wasm_f64x2_promote_low_f32x4(v), hi = hi_f64(v);
        s0 = wasm_f64x2_add(s0, lo), s1 = wasm_f64x2_add(s1, hi);
        q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(lo, lo)), q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(hi, hi));
      }
      const double s[4] = {wasm_f64x2_extract_lane(s0, 0), wasm_f64x2_extract_lane(s0, 1),
                           wasm_f64x2_extract_lane(s1, 0), wasm_f64x2_extract_lane(s1, 1)};
      const double q[4] = {wasm_f64x2_extract_lane(q0, 0), wasm_f64x2_extract_lane(q0, 1),
                           wasm_f64x2_extract_lane(q1, 0), wasm_f64x2_extract_lane(q1, 1)};
      for (int i = 0; i < 4; i++) {
        const double m = s[i] / rows, v = q[i] / rows - m * m;
        mean[c + i] = (float)m;
        var[c + i] = (float)(v > 0 ? v : 0);
      }
    }
    for (int c = c0 + ((c1 - c0) / 4) * 4; c < c1; c++) {
      double s = 0, q = 0;
      const float* p = x + c;
      for (int r = 0; r < rows; r++, p += cols) s += *p, q += (double)*p * *p;
      const double m = s / rows, v = q / rows - m * m;
      mean[c] = (float)m;
      var[c] = (float)(v > 0 ? v : 0);
    }
  }
}

// s1[c] = Σ_r dy, s2[c] = Σ_r dy · (x − m[c]).
EXPORT("bn_grad_sums")
void bn_grad_sums(const float* dy, const float* x, const float* m, float* s1, float* s2, int rows,
                  int cols, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int c0 = u * 16, c1 = c0 + 16 < cols ? c0 + 16 : cols;
    if (c1 - c0 == 16) {
      bn_d16 a = (bn_d16)0, b = (bn_d16)0;
      bn_f16 mv, gv, xv;
      BN_LOAD16(mv, m + c0);
      const float* g = dy + c0;
      const float* p = x + c0;
      for (int r = 0; r < rows; r++, g += cols, p += cols) {
        BN_LOAD16(gv, g);
        BN_LOAD16(xv, p);
        const bn_f16 prod = gv * (xv - mv);
        a += __builtin_convertvector(gv, bn_d16), b += __builtin_convertvector(prod, bn_d16);
      }
      for (int i = 0; i < 16; i++) s1[c0 + i] = (float)a[i], s2[c0 + i] = (float)b[i];
      continue;
    }
    for (int c = c0; c + 4 <= c1; c += 4) {
      v128_t a0 = wasm_f64x2_splat(0), a1 = a0, b0 = a0, b1 = a0;
      const v128_t mv = wasm_v128_load(m + c);
      const float* g = dy + c;
      const float* p = x + c;
      for (int r = 0; r < rows; r++, g += cols, p += cols) {
        const v128_t gv = wasm_v128_load(g);
        const v128_t prod = wasm_f32x4_mul(gv, wasm_f32x4_sub(wasm_v128_load(p), mv));
        a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(gv)), a1 = wasm_f64x2_add(a1, hi_f64(gv));
        b0 = wasm_f64x2_add(b0, wasm_f64x2_promote_low_f32x4(prod));
        b1 = wasm_f64x2_add(b1, hi_f64(prod));
      }
      s1[c] = (float)wasm_f64x2_extract_lane(a0, 0), s1[c + 1] = (float)wasm_f64x2_extract_lane(a0, 1);
      s1[c + 2] = (float)wasm_f64x2_extract_lane(a1, 0), s1[c + 3] = (float)wasm_f64x2_extract_lane(a1, 1);
      s2[c] = (float)wasm_f64x2_extract_lane(b0, 0), s2[c + 1] = (float)wasm_f64x2_extract_lane(b0, 1);
      s2[c + 2] = (float)wasm_f64x2_extract_lane(b1, 0), s2[c + 3] = (float)wasm_f64x2_extract_lane(b1, 1);
    }
    for (int c = c0 + ((c1 - c0) / 4) * 4; c < c1; c++) {
      double a = 0, b = 0;
      for (int r = 0; r < rows; r++) {
        const float gv = dy[(long)r * cols + c];
        a += gv, b += gv * (x[(long)r * cols + c] - m[c]);
      }
      s1[c] = (float)a, s2[c] = (float)b;
    }
  }
}

// out[r, c] = dy[r, c]·a[c] + (x[r, c] − m[c])·b[c] + d[c]; units are blocks of `block` rows.
EXPORT("bn_grad_apply")
void bn_grad_apply(const float* dy, const float* x, const float* m, const float* a, const float* b,
                   const float* d, float* out, int rows, int cols, int block, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int r0 = u * block, r1 = r0 + block < rows ? r0 + block : rows;
    for (int r = r0; r < r1; r++) {
      const long o = (long)r * cols;
      int c = 0;
      for (; c + 4 <= cols; c += 4) {
        const v128_t t = wasm_f32x4_mul(wasm_v128_load(dy + o + c), wasm_v128_load(a + c));
        const v128_t xm = wasm_f32x4_sub(wasm_v128_load(x + o + c), wasm_v128_load(m + c));
        const v128_t v = wasm_f32x4_add(t, wasm_f32x4_mul(xm, wasm_v128_load(b + c)));
        wasm_v128_store(out + o + c, wasm_f32x4_add(v, wasm_v128_load(d + c)));
      }
      for (; c < cols; c++) out[o + c] = dy[o + c] * a[c] + (x[o + c] - m[c]) * b[c] + d[c];
    }
  }
}

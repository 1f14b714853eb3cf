// Elementwise float32 kernels on tfjs-wasm's heap (SIMD128). Work unit u = rows (affine_rows) or
// elements (relu_grad) [u*block, (u+1)*block), so threads write disjoint ranges.
#include "simd.h"


// out[r, c] = (x[r, c] - m[c]) * s[c] + t[c] for a [rows, cols] matrix; a null m or t is 0.
// Units are blocks of `block` rows.
EXPORT("affine_rows")
void affine_rows(const float* x, const float* m, const float* s, const float* t, float* out,
                 int rows, int cols, int block, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int r0 = u * block, r1 = r0 + block < rows ? r0 + block : rows;
    for (int r = r0; r < r1; r++) {
      const float* xr = x + (long)r * cols;
      float* orow = out + (long)r * cols;
      int c = 0;
      if (m && t) {
        for (; c + 4 <= cols; c += 4) {
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(m + c));
          const v128_t v = wasm_f32x4_mul(d, wasm_v128_load(s + c));
          wasm_v128_store(orow + c, wasm_f32x4_add(v, wasm_v128_load(t + c)));
        }
      } else if (!m && !t) {
        for (; c + 4 <= cols; c += 4) {
          wasm_v128_store(orow + c, wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(s + c)));
        }
      }
      for (; c < cols; c++) orow[c] = (xr[c] - (m ? m[c] : 0.f)) * s[c] + (t ? t[c] : 0.f);
    }
  }
}

// ReLU gradient: out = dy · step(x) with step = 1 for x > 0, 0 for x <= 0, NaN for NaN, as in
// tfjs-core (so a negative dy times 0 gives -0). Units are blocks of `block` elements.
EXPORT("relu_grad")
void relu_grad(const float* dy, const float* x, float* out, int n, int block, int u0, int u1) {
  const v128_t zero = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.f);
  for (int u = u0; u < u1; u++) {
    int i = u * block;
    const int end = i + block < n ? i + block : n;
    for (; i + 4 <= end; i += 4) {
      const v128_t xv = wasm_v128_load(x + i);
      const v128_t pos = wasm_f32x4_gt(xv, zero), nan = wasm_f32x4_ne(xv, xv);
      const v128_t step = wasm_v128_or(wasm_v128_and(one, pos), wasm_v128_and(xv, nan));
      wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
    }
    for (; i < end; i++) out[i] = dy[i] * (x[i] > 0.f ? 1.f : (x[i] != x[i] ? x[i] : 0.f));
  }
}

// ReLU forward exactly as tfjs-wasm's `Relu` kernel (XNNPACK's f32 vrelu, which works on the bits):
// a value whose sign bit is set (negatives, −0, negative NaNs) becomes +0, everything else passes.
// Units are blocks of `block` elements; the loop vectorizes.
EXPORT("relu_fwd")
void relu_fwd(const int* x, int* out, int n, int block, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int end = (u + 1) * block < n ? (u + 1) * block : n;
    for (int i = u * block; i < end; i++) out[i] = x[i] & ~(x[i] >> 31);
  }
}

// out = a (op) b for op 0: a * b, 1: a + b, 2: a - b (IEEE, one rounding: what tfjs-wasm's
// Multiply / Add / Sub compute). `mode` says how the operands line up with the n-element output:
// 0 both full, 1 a is one value, 2 b is one value (units: blocks of `block` elements); 3 a is a
// [cols] row repeated over the rows of b, 4 b is that row for a (units: blocks of `block` rows).
#define ARITH_LOOP(I0, I1, A, B)                                          \
  switch (op) {                                                           \
    case 0: for (long i = I0; i < I1; i++) out[i] = (A) * (B); break;     \
    case 1: for (long i = I0; i < I1; i++) out[i] = (A) + (B); break;     \
    default: for (long i = I0; i < I1; i++) out[i] = (A) - (B); break;    \
  }

EXPORT("arith")
void arith(const float* a, const float* b, float* out, int n, int cols, int mode, int op,
           int block, int u0, int u1) {
  if (mode <= 2) {
    const long i0 = (long)u0 * block, i1 = (long)u1 * block < n ? (long)u1 * block : n;
    if (mode == 0) {
      ARITH_LOOP(i0, i1, a[i], b[i]);
    } else if (mode == 1) {
      const float s = a[0];
      ARITH_LOOP(i0, i1, s, b[i]);
    } else {
      const float s = b[0];
      ARITH_LOOP(i0, i1, a[i], s);
    }
    return;
  }
  const long rows = n / cols;
  const long r1 = (long)u1 * block < rows ? (long)u1 * block : rows;
  for (long r = (long)u0 * block; r < r1; r++) {
    const long o = r * cols;
    if (mode == 3) {
      ARITH_LOOP(o, o + cols, a[i - o], b[i]);
    } else {
      ARITH_LOOP(o, o + cols, a[i], b[i - o]);
    }
  }
}

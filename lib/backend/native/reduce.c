// Sums (or means) over the leading rows of a [rows, cols] float32 matrix on tfjs-wasm's heap,
// per column, with float64 accumulators (f64x2), as the project's JS reduction did. Work unit u =
// columns 16u .. 16u+15, so threads read disjoint cache lines and write disjoint outputs.
#include "simd.h"


EXPORT("sum_rows")
void sum_rows(const float* x, float* out, int rows, int cols, int mean, int u0, int u1) {
  const double scale = mean ? 1.0 / rows : 1.0;
  for (int u = u0; u < u1; u++) {
    const int c0 = u * 16, c1 = c0 + 16 <= cols ? c0 + 16 : cols;
    if (c1 - c0 == 16) {
      v128_t a[8];
      for (int k = 0; k < 8; k++) a[k] = wasm_f64x2_splat(0.0);
      const float* p = x + c0;
      for (int r = 0; r < rows; r++, p += cols) {
        for (int k = 0; k < 4; k++) {
          const v128_t v = wasm_v128_load(p + 4 * k);
          a[2 * k] = wasm_f64x2_add(a[2 * k], wasm_f64x2_promote_low_f32x4(v));
          a[2 * k + 1] = wasm_f64x2_add(
              a[2 * k + 1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
        }
      }
      const v128_t s = wasm_f64x2_splat(scale);
      for (int k = 0; k < 4; k++) {
        const v128_t lo = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(a[2 * k], s));
        const v128_t hi = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(a[2 * k + 1], s));
        wasm_v128_store(out + c0 + 4 * k, wasm_i32x4_shuffle(lo, hi, 0, 1, 4, 5));
      }
    } else {
      for (int c = c0; c < c1; c++) {
        double acc = 0.0;
        const float* p = x + c;
        for (int r = 0; r < rows; r++, p += cols) acc += *p;
        out[c] = (float)(acc * scale);
      }
    }
  }
}

// Elementwise float32 kernels on tfjs-wasm's heap (SIMD128). Work unit u = rows
// [u*block, (u+1)*block), so threads write disjoint ranges.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

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

// The deploy engine's float convolution (convFloat in lib/deploy/float_ops.ts), for the native
// library: lib/deploy/native_kernel.ts runs it through Deno FFI on the engine's own memory.
//
// For output position p and channel co, in float64 and in exactly convFloat's order:
//   acc = 0; for each tap (ky, kx) inside the image, for ci: if x != 0, acc += x * w
// (each product of two float32 values is exact in float64; each sum rounds once), then
// y[p*cout + co] = (float)(scale[co] * acc + shift[co]). Lanes of a vector are different output
// channels, so vectors change nothing in any channel's sequence of operations, and the build has
// no contraction into fused multiply-adds (-ffp-contract=off natively; the pragma below for wasm):
// the results equal convFloat's bit for bit on every target.
//
// w: float64 weights [kh][kw][cin][cp], cp = cout rounded up to a multiple of 8 (zeros past
// cout). x: float32 [h][wd][cin]. Unit = one output position (oy * ow + ox).
//
// Near-tie filter (lib/deploy/exact_ties.ts), where `ta` is set: near[p] = how many outputs of
// position p are not above ta[co] * sx + tb[co] in magnitude (NaN counts), sx = the sum of |x|
// over the valid taps in the same order; the bound is widened by 2^-30 of itself, so the filter
// never misses an output the TypeScript test would pick (which decides, position by position).
#include <stdint.h>

#include "simd.h"

#pragma clang fp contract(off)

typedef double f64x8 __attribute__((__vector_size__(64), __aligned__(8)));

// An unaligned load (the type's alignment is 8); a macro, as a 64-byte vector return would
// change the ABI of the AVX2 build.
#define load8(p) (*(const f64x8*)(p))

EXPORT("dep_conv_f64")
void dep_conv_f64(const float* x, const double* w, const float* scale, const float* shift,
                  float* y, const double* ta, const double* tb, int32_t* near, int h, int wd,
                  int cin, int cout, int kh, int kw, int sh, int sw, int pt, int pl, int ow, int u0,
                  int u1) {
  const int cp = (cout + 7) / 8 * 8;
  for (int p = u0; p < u1; p++) {
    const int oy = p / ow, ox = p % ow;
    // Σ|x| over the window for the near-tie filter, in the first pass (the skipped zeros add 0).
    double sx = 0;
    for (int c0 = 0; c0 < cp; c0 += 32) {
      const int scan = ta && c0 == 0;
      const int nv = cp - c0 >= 32 ? 4 : (cp - c0) / 8;
      f64x8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
      for (int ky = 0; ky < kh; ky++) {
        const int iy = oy * sh + ky - pt;
        if (iy < 0 || iy >= h) continue;
        for (int kx = 0; kx < kw; kx++) {
          const int ix = ox * sw + kx - pl;
          if (ix < 0 || ix >= wd) continue;
          const float* xr = x + ((long)iy * wd + ix) * cin;
          const double* wr = w + (long)(ky * kw + kx) * cin * cp + c0;
          for (int ci = 0; ci < cin; ci++, wr += cp) {
            const float xf = xr[ci];
            if (scan) sx += __builtin_fabs((double)xf);
            if (xf == 0.f) continue;
            const double xv = (double)xf;
            a0 += xv * load8(wr);
            if (nv > 1) a1 += xv * load8(wr + 8);
            if (nv > 2) a2 += xv * load8(wr + 16);
            if (nv > 3) a3 += xv * load8(wr + 24);
          }
        }
      }
      float* yp = y + (long)p * cout;
      const f64x8 acc[4] = {a0, a1, a2, a3};
      for (int v = 0; v < nv; v++) {
        for (int l = 0; l < 8; l++) {
          const int co = c0 + 8 * v + l;
          if (co < cout) yp[co] = (float)((double)scale[co] * acc[v][l] + (double)shift[co]);
        }
      }
    }
    if (ta) {
      const float* yp = y + (long)p * cout;
      int count = 0;
      for (int co = 0; co < cout; co++) {
        const double bound = ta[co] * sx + tb[co], v = __builtin_fabs((double)yp[co]);
        count += !(v > bound + bound * 0x1p-30);
      }
      near[p] = count;
    }
  }
}

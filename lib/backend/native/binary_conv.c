// XNOR-popcount forward of a binary conv / dense layer (both input and kernel are +-1), NHWC, on
// tfjs-wasm's heap. Built by tools/build_kernels.sh; driven by lib/backend/binary_conv.ts. No
// stack, no data segment, no libc. Portable C: the only target-specific parts are the float-sign
// packing (wasm SIMD128 bitmask, else scalar) and the popcount (__builtin_popcountll: wasm
// i64.popcnt, x86 POPCNT).
//
// Signs are packed along channels into 64-bit words: bit j of word k of a pixel is 1 iff channel
// 64k + j is negative (sign bit set); padding bits past C are 0 in both operands, so their XOR is
// 0 and they do not count. For one tap, x.w = C - 2 popcount(x XOR w) exactly.
//
// y[b][oy][ox][o] = s(o) * sum over the VALID taps (ky, kx) of (C - 2 popcount(xp[b][iy][ix] XOR
// wp[o][ky][kx])) (+ bias[o]), iy = oy*sh + ky - pt, ix = ox*sw + kx - pl. Taps outside x are
// skipped: 'same' zero padding contributes 0, exactly as the float conv of the +-1 values. The
// integer is exact (|sum| <= kh*kw*C < 2^24 is checked by the caller), so (float)sum * s(o) is
// bit-identical to the float product of +-1 values times alpha. s(o) = alpha[o] (mode 2),
// alpha[0] (mode 1) or 1 (mode 0).
#include <stdint.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

// Sign bits of n <= 64 floats (as raw 32-bit words), bit j = sign of p[j].
INLINE uint64_t sign_bits(const uint32_t* p, int n) {
  uint64_t b = 0;
  int j = 0;
#ifdef __wasm_simd128__
  for (; j + 4 <= n; j += 4) {
    b |= (uint64_t)wasm_i32x4_bitmask(wasm_v128_load(p + j)) << j;
  }
#endif
  for (; j < n; j++) b |= (uint64_t)(p[j] >> 31) << j;
  return b;
}

// Packs `rows` rows of c floats: out[r][k], words = ceil(c / 64). Unit = one row.
EXPORT("bin_pack")
void bin_pack(const uint32_t* x, uint64_t* out, int c, int words, int u0, int u1) {
  for (int r = u0; r < u1; r++) {
    const uint32_t* p = x + (long)r * c;
    uint64_t* o = out + (long)r * words;
    for (int k = 0; k < words; k++) {
      const int n = c - 64 * k < 64 ? c - 64 * k : 64;
      o[k] = sign_bits(p + 64 * k, n);
    }
  }
}

// Packs an HWIO filter [taps][ci][co] into out[o][tap][k]. Unit = one output channel.
EXPORT("bin_pack_filter")
void bin_pack_filter(const uint32_t* w, uint64_t* out, int taps, int ci, int co, int words,
                     int u0, int u1) {
  for (int o = u0; o < u1; o++) {
    for (int t = 0; t < taps; t++) {
      const uint32_t* p = w + (long)t * ci * co + o;
      uint64_t* d = out + ((long)o * taps + t) * words;
      for (int k = 0; k < words; k++) {
        uint64_t b = 0;
        const int c0 = 64 * k, c1 = c0 + 64 < ci ? c0 + 64 : ci;
        for (int c = c0; c < c1; c++) b |= (uint64_t)(p[(long)c * co] >> 31) << (c - c0);
        d[k] = b;
      }
    }
  }
}

INLINE float scale_of(const float* alpha, int mode, int o) {
  return mode == 2 ? alpha[o] : mode == 1 ? alpha[0] : 1.f;
}

// One output pixel, channels [0, co): 4 channels per pass (each x word is loaded once for 4).
INLINE void pixel(const uint64_t* xb, const uint64_t* wp, const float* alpha, const float* bias,
                  float* y, int w, int ci, int words, int co, int kh, int kw, int iy0, int ky0,
                  int ky1, int ix0, int kx0, int kx1, int mode) {
  const long fstride = (long)kh * kw * words;
  const int base = (ky1 - ky0) * (kx1 - kx0) * ci;
  int o = 0;
  for (; o + 4 <= co; o += 4) {
    long a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    const uint64_t* w0 = wp + o * fstride;
    for (int ky = ky0; ky < ky1; ky++) {
      const uint64_t* xr = xb + ((long)(iy0 + ky) * w + ix0 + kx0) * words;
      const uint64_t* wr = w0 + ((long)ky * kw + kx0) * words;
      const int n = (kx1 - kx0) * words;
      for (int k = 0; k < n; k++) {
        const uint64_t v = xr[k];
        a0 += __builtin_popcountll(v ^ wr[k]);
        a1 += __builtin_popcountll(v ^ wr[k + fstride]);
        a2 += __builtin_popcountll(v ^ wr[k + 2 * fstride]);
        a3 += __builtin_popcountll(v ^ wr[k + 3 * fstride]);
      }
    }
    y[o] = (float)(base - 2 * a0) * scale_of(alpha, mode, o);
    y[o + 1] = (float)(base - 2 * a1) * scale_of(alpha, mode, o + 1);
    y[o + 2] = (float)(base - 2 * a2) * scale_of(alpha, mode, o + 2);
    y[o + 3] = (float)(base - 2 * a3) * scale_of(alpha, mode, o + 3);
  }
  for (; o < co; o++) {
    long a = 0;
    const uint64_t* w0 = wp + o * fstride;
    for (int ky = ky0; ky < ky1; ky++) {
      const uint64_t* xr = xb + ((long)(iy0 + ky) * w + ix0 + kx0) * words;
      const uint64_t* wr = w0 + ((long)ky * kw + kx0) * words;
      const int n = (kx1 - kx0) * words;
      for (int k = 0; k < n; k++) a += __builtin_popcountll(xr[k] ^ wr[k]);
    }
    y[o] = (float)(base - 2 * a) * scale_of(alpha, mode, o);
  }
  if (bias) {
    for (o = 0; o < co; o++) y[o] += bias[o];
  }
}

// Unit u = one output row (b = u / ho, oy = u % ho). bias may be 0 (none). Dilation 1.
EXPORT("bin_conv")
void bin_conv(const uint64_t* xp, const uint64_t* wp, const float* alpha, const float* bias,
              float* y, int h, int w, int ci, int words, int ho, int wo, int co, int kh, int kw,
              int sh, int sw, int pt, int pl, int mode, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int b = u / ho, oy = u % ho;
    const int iy0 = oy * sh - pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0;
    const int ky1 = iy0 + kh > h ? h - iy0 : kh;
    const uint64_t* xb = xp + (long)b * h * w * words;
    float* yr = y + (long)u * wo * co;
    for (int ox = 0; ox < wo; ox++) {
      const int ix0 = ox * sw - pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0;
      const int kx1 = ix0 + kw > w ? w - ix0 : kw;
      pixel(xb, wp, alpha, bias, yr + (long)ox * co, w, ci, words, co, kh, kw, iy0, ky0,
            ky1 > ky0 ? ky1 : ky0, ix0, kx0, kx1 > kx0 ? kx1 : kx0, mode);
    }
  }
}

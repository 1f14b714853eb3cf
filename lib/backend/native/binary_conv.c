// XNOR-popcount forward of a binary conv / dense layer (both input and kernel are +-1), NHWC, on
// tfjs-wasm's heap. Driven by lib/backend/binary_conv.ts; built by tools/build_kernels.sh for
// wasm SIMD128 (scalar i64.popcnt) and natively: AVX-512 (VPOPCNTDQ where cpuid has it, else a
// vpshufb nibble-table popcount + vpsadbw, AVX-512BW) and AVX2 (the nibble table on 256 bits).
// No stack on wasm, no data segment, no libc.
//
// Signs are packed along channels into 64-bit words: bit j of word k of a pixel is 1 iff channel
// 64k + j is negative (sign bit set); padding bits past C are 0 in both operands, so their XOR is
// 0 and they do not count. For one tap, x.w = C - 2 popcount(x XOR w) exactly.
//
// y[b][oy][ox][o] = s(o) * sum over the VALID taps (ky, kx) of (C - 2 popcount(xp[b][iy][ix] XOR
// wp[o][ky][kx])) (+ bias[o]), iy = oy*sh + ky - pt, ix = ox*sw + kx - pl. Taps outside x are
// skipped: 'same' zero padding contributes 0, exactly as the float conv of the +-1 values. The
// integer is exact (|sum| <= kh*kw*C < 2^24 is checked by the caller), so (float)sum * s(o) is
// bit-identical to the float product of +-1 values times alpha, on every target. s(o) = alpha[o]
// (mode 2), alpha[0] (mode 1) or 1 (mode 0).
//
// Packed filter layout: blocks of 8 output channels, wp[ob][tap][k][lane] (lane = o - 8 ob; lanes
// past co are 0), so one input word is XORed with 8 channels' words in one 512-bit vector.
#include <stdint.h>

#include "popcount.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#endif

// Sign bits of n <= 64 floats (as raw 32-bit words), bit j = sign of p[j].
INLINE uint64_t sign_bits(const uint32_t* p, int n) {
  uint64_t b = 0;
  int j = 0;
#if defined(__wasm__)
  for (; j + 4 <= n; j += 4) b |= (uint64_t)wasm_i32x4_bitmask(wasm_v128_load(p + j)) << j;
#elif defined(__AVX512DQ__)
  for (; j + 16 <= n; j += 16) {
    b |= (uint64_t)_mm512_movepi32_mask(_mm512_loadu_si512(p + j)) << j;
  }
#elif defined(__AVX2__)
  for (; j + 8 <= n; j += 8) {
    b |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_loadu_ps((const float*)(p + j))) << j;
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

// Packs an HWIO filter [taps][ci][co] into out[ob][tap][k][8]. Unit = one block of 8 channels.
EXPORT("bin_pack_filter")
void bin_pack_filter(const uint32_t* w, uint64_t* out, int taps, int ci, int co, int words,
                     int u0, int u1) {
  for (int ob = u0; ob < u1; ob++) {
    for (int t = 0; t < taps; t++) {
      for (int k = 0; k < words; k++) {
        uint64_t* d = out + (((long)ob * taps + t) * words + k) * 8;
        const int c0 = 64 * k, c1 = c0 + 64 < ci ? c0 + 64 : ci;
        for (int lane = 0; lane < 8; lane++) {
          const int o = 8 * ob + lane;
          uint64_t b = 0;
          if (o < co) {
            const uint32_t* p = w + (long)t * ci * co + o;
            for (int c = c0; c < c1; c++) b |= (uint64_t)(p[(long)c * co] >> 31) << (c - c0);
          }
          d[lane] = b;
        }
      }
    }
  }
}

__attribute__((unused)) INLINE float scale_of(const float* alpha, int mode, int o) {
  return mode == 2 ? alpha[o] : mode == 1 ? alpha[0] : 1.f;
}

// One output value from its popcount total.
__attribute__((unused)) INLINE void finish1(float* y, const float* alpha, const float* bias, int mode, int o, int base,
                    long count) {
  float v = (float)(base - 2 * count) * scale_of(alpha, mode, o);
  if (bias) v += bias[o];
  y[o] = v;
}

// The geometry of one output pixel's valid taps.
typedef struct {
  const uint64_t* xr;  // packed input at (iy0 + ky0, ix0 + kx0)
  long xstride;        // words between input rows
  int rows;            // valid kernel rows
  int n;               // valid words per kernel row: (kx1 - kx0) * words
  long wtap0;          // first valid tap's word offset in a filter block: (ky0 kw + kx0) words
  long wstride;        // words between kernel rows in a filter block: kw * words
  long wblock;         // words per filter block: kh kw words
  int base;            // number of valid +-1 products: valid taps * C
} Taps;

#if defined(__x86_64__) && defined(__AVX512BW__)

#define BLOCK_BODY(POPCNT)                                                                 \
  __m512i acc = _mm512_setzero_si512();                                                    \
  for (int r = 0; r < g->rows; r++) {                                                      \
    const uint64_t* xr = g->xr + r * g->xstride;                                           \
    const uint64_t* wr = wb + (g->wtap0 + r * g->wstride) * 8;                             \
    for (int k = 0; k < g->n; k++) {                                                       \
      const __m512i x = _mm512_set1_epi64((long long)xr[k]);                               \
      acc = _mm512_add_epi64(acc, POPCNT(_mm512_xor_si512(x, _mm512_loadu_si512(wr + 8 * k)))); \
    }                                                                                      \
  }                                                                                        \
  return acc;

__attribute__((target("avx512vpopcntdq"))) static __m512i block_vpop(const Taps* g,
                                                                     const uint64_t* wb) {
  BLOCK_BODY(_mm512_popcnt_epi64)
}

INLINE __m512i block_lut(const Taps* g, const uint64_t* wb) { BLOCK_BODY(popcnt_lut512) }

// All channel blocks of one pixel.
INLINE void pixel(const Taps* g, const uint64_t* wp, const float* alpha, const float* bias,
                  float* y, int co, int mode, int vpop) {
  for (int o = 0; o < co; o += 8) {
    const uint64_t* wb = wp + (long)(o / 8) * g->wblock * 8;
    const __m512i cnt = vpop ? block_vpop(g, wb) : block_lut(g, wb);
    const __m512i dot = _mm512_sub_epi64(_mm512_set1_epi64(g->base), _mm512_slli_epi64(cnt, 1));
    const __mmask8 m = co - o >= 8 ? 0xff : (__mmask8)((1u << (co - o)) - 1);
    __m256 v = _mm512_cvtepi64_ps(dot);  // exact: |dot| < 2^24
    if (mode == 2) v = _mm256_mul_ps(v, _mm256_maskz_loadu_ps(m, alpha + o));
    if (mode == 1) v = _mm256_mul_ps(v, _mm256_set1_ps(alpha[0]));
    if (bias) v = _mm256_add_ps(v, _mm256_maskz_loadu_ps(m, bias + o));
    _mm256_mask_storeu_ps(y + o, m, v);
  }
}

#elif defined(__x86_64__) && defined(__AVX2__)

INLINE void pixel(const Taps* g, const uint64_t* wp, const float* alpha, const float* bias,
                  float* y, int co, int mode, int vpop) {
  (void)vpop;
  for (int o = 0; o < co; o += 8) {
    const uint64_t* wb = wp + (long)(o / 8) * g->wblock * 8;
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    for (int r = 0; r < g->rows; r++) {
      const uint64_t* xr = g->xr + r * g->xstride;
      const uint64_t* wr = wb + (g->wtap0 + r * g->wstride) * 8;
      for (int k = 0; k < g->n; k++) {
        const __m256i x = _mm256_set1_epi64x((long long)xr[k]);
        const __m256i* w = (const __m256i*)(wr + 8 * k);
        a0 = _mm256_add_epi64(a0, popcnt_lut256(_mm256_xor_si256(x, _mm256_loadu_si256(w))));
        a1 = _mm256_add_epi64(a1, popcnt_lut256(_mm256_xor_si256(x, _mm256_loadu_si256(w + 1))));
      }
    }
    long long c[8];
    _mm256_storeu_si256((__m256i*)c, a0);
    _mm256_storeu_si256((__m256i*)(c + 4), a1);
    const int n = co - o < 8 ? co - o : 8;
    for (int l = 0; l < n; l++) finish1(y, alpha, bias, mode, o + l, g->base, (long)c[l]);
  }
}

#else  // wasm and other targets: scalar popcount (wasm i64.popcnt), 8 channels per pass

#define POP(v) ((long)__builtin_popcountll(v))

INLINE void pixel(const Taps* g, const uint64_t* wp, const float* alpha, const float* bias,
                  float* y, int co, int mode, int vpop) {
  (void)vpop;
  for (int o = 0; o < co; o += 8) {
    const uint64_t* wb = wp + (long)(o / 8) * g->wblock * 8;
    long a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (int r = 0; r < g->rows; r++) {
      const uint64_t* xr = g->xr + r * g->xstride;
      const uint64_t* wr = wb + (g->wtap0 + r * g->wstride) * 8;
      for (int k = 0; k < g->n; k++, wr += 8) {
        const uint64_t x = xr[k];
        a0 += POP(x ^ wr[0]), a1 += POP(x ^ wr[1]), a2 += POP(x ^ wr[2]), a3 += POP(x ^ wr[3]);
        a4 += POP(x ^ wr[4]), a5 += POP(x ^ wr[5]), a6 += POP(x ^ wr[6]), a7 += POP(x ^ wr[7]);
      }
    }
    const int n = co - o;
    finish1(y, alpha, bias, mode, o, g->base, a0);
    if (n > 1) finish1(y, alpha, bias, mode, o + 1, g->base, a1);
    if (n > 2) finish1(y, alpha, bias, mode, o + 2, g->base, a2);
    if (n > 3) finish1(y, alpha, bias, mode, o + 3, g->base, a3);
    if (n > 4) finish1(y, alpha, bias, mode, o + 4, g->base, a4);
    if (n > 5) finish1(y, alpha, bias, mode, o + 5, g->base, a5);
    if (n > 6) finish1(y, alpha, bias, mode, o + 6, g->base, a6);
    if (n > 7) finish1(y, alpha, bias, mode, o + 7, g->base, a7);
  }
}

#endif

// Unit u = one output row (b = u / ho, oy = u % ho). bias may be 0 (none). Dilation 1. vpop_ok = 0
// keeps the AVX-512 build on its nibble-table popcount even where the CPU has VPOPCNTDQ.
EXPORT("bin_conv")
void bin_conv(const uint64_t* xp, const uint64_t* wp, const float* alpha, const float* bias,
              float* y, int h, int w, int ci, int words, int ho, int wo, int co, int kh, int kw,
              int sh, int sw, int pt, int pl, int mode, int vpop_ok, int u0, int u1) {
#if defined(__x86_64__) && defined(__AVX512BW__)
  const int vpop = vpop_ok && __builtin_cpu_supports("avx512vpopcntdq");
#else
  const int vpop = vpop_ok & 0;
#endif
  for (int u = u0; u < u1; u++) {
    const int b = u / ho, oy = u % ho;
    const int iy0 = oy * sh - pt;
    const int ky0 = iy0 < 0 ? -iy0 : 0;
    int ky1 = iy0 + kh > h ? h - iy0 : kh;
    if (ky1 < ky0) ky1 = ky0;
    const uint64_t* xb = xp + (long)b * h * w * words;
    float* yr = y + (long)u * wo * co;
    for (int ox = 0; ox < wo; ox++) {
      const int ix0 = ox * sw - pl;
      const int kx0 = ix0 < 0 ? -ix0 : 0;
      int kx1 = ix0 + kw > w ? w - ix0 : kw;
      if (kx1 < kx0) kx1 = kx0;
      Taps g;
      g.xr = xb + ((long)(iy0 + ky0) * w + ix0 + kx0) * words;
      g.xstride = (long)w * words;
      g.rows = ky1 - ky0;
      g.n = (kx1 - kx0) * words;
      g.wtap0 = ((long)ky0 * kw + kx0) * words;
      g.wstride = (long)kw * words;
      g.wblock = (long)kh * kw * words;
      g.base = (ky1 - ky0) * (kx1 - kx0) * ci;
      pixel(&g, wp, alpha, bias, yr + (long)ox * co, co, mode, vpop);
    }
  }
}

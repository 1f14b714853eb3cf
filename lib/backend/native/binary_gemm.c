// The deploy engine's popcount GEMM and thresholds (lib/deploy/wasm.ts semantics), for the native
// library: lib/deploy/native_kernel.ts runs them through Deno FFI on the engine's own memory.
// Built for every target by tools/build_kernels.sh (the wasm build carries them too, unused: the
// engine's wasm path assembles its own module, lib/deploy/wasm_asm.ts).
//
// bin_gemm: out[p*ldo + j] = sum over the 2*kv 64-bit words of popcount(a[p] XOR b[j]), for rows
// p in [u0, u1) of `a` and the m rows of `b` (rows of kv 128-bit vectors, padding bits 0).
// bin_threshold: for position p, bit c of out[p*cw + c/32] = [lo[c] <= cnt[p*m + c] <= hi[c]],
// lo / hi = the m + m int32 at byte offset pos[p] of the memory, reached as anchor + pos[p] - 16
// (`anchor` is the pointer to byte 16: pointer arguments are heap offsets, 0 being NULL).
// Integers only: every target gives the same bits.
#include <stdint.h>

#include "popcount.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__x86_64__) && defined(__AVX512BW__)

// One row of a against 4 rows of b (n words each), 8 words per step, masked tail.
#define ROW4_BODY(POPCNT)                                                                   \
  __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;                           \
  int k = 0;                                                                                \
  for (; k < n; k += 8) {                                                                   \
    const __mmask8 mk = n - k >= 8 ? 0xff : (__mmask8)((1u << (n - k)) - 1);                \
    const __m512i x = _mm512_maskz_loadu_epi64(mk, a + k);                                  \
    c0 = _mm512_add_epi64(c0, POPCNT(_mm512_xor_si512(x, _mm512_maskz_loadu_epi64(mk, b0 + k)))); \
    c1 = _mm512_add_epi64(c1, POPCNT(_mm512_xor_si512(x, _mm512_maskz_loadu_epi64(mk, b1 + k)))); \
    c2 = _mm512_add_epi64(c2, POPCNT(_mm512_xor_si512(x, _mm512_maskz_loadu_epi64(mk, b2 + k)))); \
    c3 = _mm512_add_epi64(c3, POPCNT(_mm512_xor_si512(x, _mm512_maskz_loadu_epi64(mk, b3 + k)))); \
  }                                                                                         \
  out[0] = (int32_t)_mm512_reduce_add_epi64(c0);                                            \
  out[1] = (int32_t)_mm512_reduce_add_epi64(c1);                                            \
  out[2] = (int32_t)_mm512_reduce_add_epi64(c2);                                            \
  out[3] = (int32_t)_mm512_reduce_add_epi64(c3);

__attribute__((target("avx512vpopcntdq"))) static void row4_vpop(
    const uint64_t* a, const uint64_t* b0, const uint64_t* b1, const uint64_t* b2,
    const uint64_t* b3, int n, int32_t* out) {
  ROW4_BODY(_mm512_popcnt_epi64)
}

static void row4_lut(const uint64_t* a, const uint64_t* b0, const uint64_t* b1, const uint64_t* b2,
                     const uint64_t* b3, int n, int32_t* out) {
  ROW4_BODY(popcnt_lut512)
}

INLINE void row4(const uint64_t* a, const uint64_t* b, int n, int32_t* out, int vpop) {
  if (vpop) {
    row4_vpop(a, b, b + n, b + 2 * n, b + 3 * n, n, out);
  } else {
    row4_lut(a, b, b + n, b + 2 * n, b + 3 * n, n, out);
  }
}

#else

#if defined(__x86_64__)
#define POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define POPCNT_TARGET
#endif

// Hardware POPCNT on x86 (every AVX2 CPU has it; the AVX2 build's flags do not imply it).
POPCNT_TARGET static long row1(const uint64_t* a, const uint64_t* b, int n) {
  long s = 0;
  for (int k = 0; k < n; k++) s += (long)__builtin_popcountll(a[k] ^ b[k]);
  return s;
}

INLINE void row4(const uint64_t* a, const uint64_t* b, int n, int32_t* out, int vpop) {
  (void)vpop;
  out[0] = (int32_t)row1(a, b, n);
  out[1] = (int32_t)row1(a, b + n, n);
  out[2] = (int32_t)row1(a, b + 2 * n, n);
  out[3] = (int32_t)row1(a, b + 3 * n, n);
}

#endif

EXPORT("bin_gemm")
void bin_gemm(const uint64_t* a, const uint64_t* b, int32_t* out, int m, int kv, int ldo,
              int vpop_ok, int u0, int u1) {
#if defined(__x86_64__) && defined(__AVX512BW__)
  const int vpop = vpop_ok && __builtin_cpu_supports("avx512vpopcntdq");
#else
  const int vpop = vpop_ok & 0;
#endif
  const int n = 2 * kv;
  for (int p = u0; p < u1; p++) {
    const uint64_t* ar = a + (long)p * n;
    int32_t* o = out + (long)p * ldo;
    int j = 0;
    for (; j + 4 <= m; j += 4) row4(ar, b + (long)j * n, n, o + j, vpop);
    for (; j < m; j++) {
      long s = 0;
      const uint64_t* br = b + (long)j * n;
      for (int k = 0; k < n; k++) s += (long)__builtin_popcountll(ar[k] ^ br[k]);
      o[j] = (int32_t)s;
    }
  }
}

EXPORT("bin_threshold")
void bin_threshold(const int32_t* cnt, const int32_t* pos, const uint8_t* anchor, uint32_t* out,
                   int m, int cw, int u0, int u1) {
  for (int p = u0; p < u1; p++) {
    const int32_t* cp = cnt + (long)p * m;
    const int32_t* lo = (const int32_t*)(anchor + pos[p] - 16);
    const int32_t* hi = lo + m;
    for (int w = 0; w < cw; w++) {
      uint32_t word = 0;
      const int c0 = 32 * w, c1 = c0 + 32 < m ? c0 + 32 : m;
      for (int c = c0; c < c1; c++) {
        word |= (uint32_t)(cp[c] >= lo[c] && cp[c] <= hi[c]) << (c - c0);
      }
      out[(long)p * cw + w] = word;
    }
  }
}

// The deploy engine's conv patch from packed input bits x[h][w][cw] (32-bit words): row p (output
// position oy*ow + ox) of `patch` holds the taps in (ky, kx) order, cw words each, zero words for
// taps in the padding, zeros up to row_words. Unit = one output position.
EXPORT("bin_im2col")
void bin_im2col(const uint32_t* x, uint32_t* patch, int h, int w, int cw, int kh, int kw, int sh,
                int sw, int pt, int pl, int ow, int row_words, int u0, int u1) {
  for (int p = u0; p < u1; p++) {
    const int oy = p / ow, ox = p % ow;
    uint32_t* d = patch + (long)p * row_words;
    int i = 0;
    for (int ky = 0; ky < kh; ky++) {
      const int iy = oy * sh + ky - pt;
      for (int kx = 0; kx < kw; kx++) {
        const int ix = ox * sw + kx - pl;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
          const uint32_t* s = x + ((long)iy * w + ix) * cw;
          for (int k = 0; k < cw; k++) d[i + k] = s[k];
        } else {
          for (int k = 0; k < cw; k++) d[i + k] = 0;
        }
        i += cw;
      }
    }
    for (; i < row_words; i++) d[i] = 0;
  }
}

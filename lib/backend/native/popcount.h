// Popcount of each 64-bit lane by nibble table (vpshufb) and byte sums (vpsadbw), for the x86
// builds where VPOPCNTDQ is missing or switched off: the binary conv (binary_conv.c) and the
// deploy engine's GEMM (binary_gemm.c).
#ifndef BNN_POPCOUNT_H
#define BNN_POPCOUNT_H
#include "simd.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

INLINE __m256i popcnt_lut256(__m256i v) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(v, low));
  const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
  return _mm256_sad_epu8(_mm256_add_epi8(lo, hi), _mm256_setzero_si256());
}
#endif

#if defined(__x86_64__) && defined(__AVX512BW__)
INLINE __m512i popcnt_lut512(__m512i v) {
  const __m512i lut = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
  const __m512i low = _mm512_set1_epi8(0x0f);
  const __m512i lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(v, low));
  const __m512i hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(v, 4), low));
  return _mm512_sad_epu8(_mm512_add_epi8(lo, hi), _mm512_setzero_si512());
}
#endif

#endif

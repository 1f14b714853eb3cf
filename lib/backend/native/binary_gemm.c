// The deploy engine's popcount GEMM, thresholds, conv patches and sign packing (the semantics of
// lib/deploy/wasm.ts), for the native library: lib/deploy/native_kernel.ts runs them through Deno
// FFI on the engine's own memory. Built for every target by tools/build_kernels.sh (the wasm build
// carries them too, unused: the engine's wasm path assembles its own module, wasm_asm.ts).
//
// The counts: for rows p in [u0, u1) of `a` and the m weight rows (each 2*kv 64-bit words, padding
// bits 0), count[p][j] = sum over the words of popcount(a[p] XOR w[j]). The thresholds: bit c of
// position p's output words is [lo[c] <= count[p][c] <= hi[c]], lo / hi = the m + m int32 at byte
// offset pos[p] of the memory, reached as anchor + pos[p] - 16 (`anchor` is the pointer to byte
// 16: pointer arguments are heap offsets, 0 being NULL). Integers only: every target gives the
// same bits.
#include <stdint.h>

#include "popcount.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__x86_64__)
#define GEMM_POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define GEMM_POPCNT_TARGET
#endif

// The weights are stored in panels of 16 rows: panels[q][k][r] is word k of row 16q + r (rows
// past m are 0), so one broadcast word of `a` is XORed with 16 rows' words in two 512-bit vectors
// and each accumulator lane is one output: no horizontal sums and no partial vectors at the row's
// end. bin_gemm_panel writes the counts, out[p*ldo + j] for j < m; bin_gemm_panel_bits the
// thresholded bits.
#define PANEL 16

#if defined(__x86_64__) && defined(__AVX512BW__)

// What a panel pass writes: counts (out[p*ldo + j + r]) or, where `bits` is set, the thresholded
// bits of channels j..j+15 (the thresholds above, lo / hi of position p at anchor + pos[p] - 16)
// as the 16-bit half (j / 16) of position p's cw output words.
typedef struct {
  int32_t* out;
  int ldo;
  uint16_t* bits;
  const int32_t* pos;
  const uint8_t* anchor;
  int m, cw, j;
  __mmask16 mask;
} PanelOut;

INLINE void panel_store(const PanelOut* o, int p, __m512i c0, __m512i c1) {
  const __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(c0)),
                                       _mm512_cvtepi64_epi32(c1), 1);
  if (!o->bits) {
    _mm512_mask_storeu_epi32(o->out + (long)p * o->ldo + o->j, o->mask, v);
    return;
  }
  const int32_t* lo = (const int32_t*)(o->anchor + o->pos[p] - 16) + o->j;
  const __m512i l = _mm512_maskz_loadu_epi32(o->mask, lo);
  const __m512i h = _mm512_maskz_loadu_epi32(o->mask, lo + o->m);
  const __mmask16 in = _mm512_mask_cmpge_epi32_mask(o->mask, v, l) & _mm512_cmple_epi32_mask(v, h);
  o->bits[(long)p * o->cw * 2 + o->j / 16] = (uint16_t)in;
}

// Rows p .. p+R-1 of `a` (R <= 4, a constant after inlining) against one panel.
#define PANEL_BODY(POPCNT)                                                                  \
  __m512i c[4][2];                                                                          \
  const uint64_t* a = a0 + (long)p * n;                                                     \
  for (int r = 0; r < R; r++) c[r][0] = c[r][1] = _mm512_setzero_si512();                   \
  for (int k = 0; k < n; k++) {                                                             \
    const __m512i w0 = _mm512_loadu_si512(pn + (long)k * PANEL);                            \
    const __m512i w1 = _mm512_loadu_si512(pn + (long)k * PANEL + 8);                        \
    for (int r = 0; r < R; r++) {                                                           \
      const __m512i x = _mm512_set1_epi64((long long)a[(long)r * n + k]);                   \
      c[r][0] = _mm512_add_epi64(c[r][0], POPCNT(_mm512_xor_si512(x, w0)));                 \
      c[r][1] = _mm512_add_epi64(c[r][1], POPCNT(_mm512_xor_si512(x, w1)));                 \
    }                                                                                       \
  }                                                                                         \
  for (int r = 0; r < R; r++) panel_store(o, p + r, c[r][0], c[r][1]);

__attribute__((target("avx512vpopcntdq"), always_inline)) static inline void panel_vpop(
    const uint64_t* a0, const uint64_t* pn, int n, const PanelOut* o, int p, int R) {
  PANEL_BODY(_mm512_popcnt_epi64)
}

INLINE void panel_lut(const uint64_t* a0, const uint64_t* pn, int n, const PanelOut* o, int p,
                      int R) {
  PANEL_BODY(popcnt_lut512)
}

// Rows [p0, p1) of `a` against one panel, 4 rows at a time.
#define PANEL_ROWS(FN)                              \
  int p = p0;                                       \
  for (; p + 4 <= p1; p += 4) FN(a, pn, n, o, p, 4); \
  switch (p1 - p) {                                 \
    case 3: FN(a, pn, n, o, p, 3); break;           \
    case 2: FN(a, pn, n, o, p, 2); break;           \
    case 1: FN(a, pn, n, o, p, 1); break;           \
    default: break;                                 \
  }

__attribute__((target("avx512vpopcntdq"))) static void panel_rows_vpop(
    const uint64_t* a, const uint64_t* pn, int n, const PanelOut* o, int p0, int p1) {
  PANEL_ROWS(panel_vpop)
}

static void panel_rows_lut(const uint64_t* a, const uint64_t* pn, int n, const PanelOut* o,
                           int p0, int p1) {
  PANEL_ROWS(panel_lut)
}

#else

// One output at a time (hardware POPCNT on x86; the AVX2 build's flags do not imply it): counts
// into out[p*ldo + j + r], or where `bits` is set the thresholded bits (see the AVX-512 PanelOut).
GEMM_POPCNT_TARGET static void panel_rows_scalar(const uint64_t* a, const uint64_t* pn, int n,
                                                 int p0, int p1, int32_t* out, int ldo,
                                                 uint32_t* bits, const int32_t* pos,
                                                 const uint8_t* anchor, int m, int cw, int j) {
  const int cols = m - j < PANEL ? m - j : PANEL;
  for (int p = p0; p < p1; p++) {
    const uint64_t* ar = a + (long)p * n;
    const int32_t* lo = bits ? (const int32_t*)(anchor + pos[p] - 16) : 0;
    for (int r = 0; r < cols; r++) {
      long s = 0;
      for (int k = 0; k < n; k++) s += (long)__builtin_popcountll(ar[k] ^ pn[(long)k * PANEL + r]);
      if (!bits) {
        out[(long)p * ldo + j + r] = (int32_t)s;
      } else if (s >= lo[j + r] && s <= lo[m + j + r]) {
        bits[(long)p * cw + (j + r) / 32] |= 1u << ((j + r) % 32);
      }
    }
  }
}

#endif

// The passes of bin_gemm_panel and bin_gemm_panel_bits: panel by panel, rows [u0, u1).
INLINE void panel_gemm(const uint64_t* a, const uint64_t* panels, int m, int kv, int vpop_ok,
                       int u0, int u1, int32_t* out, int ldo, uint32_t* bits, const int32_t* pos,
                       const uint8_t* anchor, int cw) {
  const int n = 2 * kv;
  if (bits) {  // halves past the last panel stay 0
    for (long i = (long)u0 * cw; i < (long)u1 * cw; i++) bits[i] = 0;
  }
#if defined(__x86_64__) && defined(__AVX512BW__)
  const int vpop = vpop_ok && __builtin_cpu_supports("avx512vpopcntdq");
  for (int j = 0; j < m; j += PANEL) {
    const uint64_t* pn = panels + (long)j * n;
    const PanelOut o = {out, ldo, (uint16_t*)bits, pos, anchor, m, cw, j,
                        m - j >= PANEL ? 0xffff : (__mmask16)((1u << (m - j)) - 1)};
    if (vpop) {
      panel_rows_vpop(a, pn, n, &o, u0, u1);
    } else {
      panel_rows_lut(a, pn, n, &o, u0, u1);
    }
  }
#else
  (void)vpop_ok;
  for (int j = 0; j < m; j += PANEL) {
    panel_rows_scalar(a, panels + (long)j * n, n, u0, u1, out, ldo, bits, pos, anchor, m, cw, j);
  }
#endif
}

EXPORT("bin_gemm_panel")
void bin_gemm_panel(const uint64_t* a, const uint64_t* panels, int32_t* out, int m, int kv,
                    int ldo, int vpop_ok, int u0, int u1) {
  panel_gemm(a, panels, m, kv, vpop_ok, u0, u1, out, ldo, 0, 0, 0, 0);
}

// The thresholded bits of positions [u0, u1), without the counts: out[p*cw + w] (m <= 32 cw; the
// words of position p are written whole, bits past m 0).
EXPORT("bin_gemm_panel_bits")
void bin_gemm_panel_bits(const uint64_t* a, const uint64_t* panels, const int32_t* pos,
                         const uint8_t* anchor, uint32_t* out, int m, int kv, int cw, int vpop_ok,
                         int u0, int u1) {
  panel_gemm(a, panels, m, kv, vpop_ok, u0, u1, 0, 0, out, pos, anchor, cw);
}

// Copies n 32-bit words (no libc: the wasm builds have none).
INLINE void copy_words(uint32_t* d, const uint32_t* s, int n) {
  for (int k = 0; k < n; k++) d[k] = s[k];
}

INLINE void zero_words(uint32_t* d, int n) {
  for (int k = 0; k < n; k++) d[k] = 0;
}

// The deploy engine's conv patch from packed input bits x[h][w][cw] (32-bit words): row p (output
// position oy*ow + ox) of `patch` holds the taps in (ky, kx) order, cw words each, zero words for
// taps in the padding, zeros up to row_words. A kernel row whose taps are all inside the image is
// kw*cw adjacent words of x, copied as one run. Unit = one output position.
EXPORT("bin_im2col")
void bin_im2col(const uint32_t* x, uint32_t* patch, int h, int w, int cw, int kh, int kw, int sh,
                int sw, int pt, int pl, int ow, int row_words, int u0, int u1) {
  const int span = kw * cw;
  for (int p = u0; p < u1; p++) {
    const int oy = p / ow, ox = p % ow;
    const int ix0 = ox * sw - pl;
    const int inside = ix0 >= 0 && ix0 + kw <= w;
    uint32_t* d = patch + (long)p * row_words;
    for (int ky = 0; ky < kh; ky++, d += span) {
      const int iy = oy * sh + ky - pt;
      if (iy < 0 || iy >= h) {
        zero_words(d, span);
      } else if (inside) {
        copy_words(d, x + ((long)iy * w + ix0) * cw, span);
      } else {
        for (int kx = 0; kx < kw; kx++) {
          const int ix = ix0 + kx;
          if (ix >= 0 && ix < w) {
            copy_words(d + kx * cw, x + ((long)iy * w + ix) * cw, cw);
          } else {
            zero_words(d + kx * cw, cw);
          }
        }
      }
    }
    zero_words(d, row_words - kh * span);
  }
}

// The deploy engine's max-pool on packed bits (poolBits in lib/deploy/bit_ops.ts): word i of
// output position p is (OR of the words of the window's taps inside the input & or_mask[i]) |
// (their AND & ~or_mask[i]); a window with no tap inside gives OR 0 and AND all ones. The masks'
// 0 bits are the channels pooled by min (a negative batch-norm slope folded before the pool).
// Unit = one output position.
EXPORT("bin_pool_bits")
void bin_pool_bits(const uint32_t* x, uint32_t* out, const uint32_t* or_mask, int h, int w, int cw,
                   int kh, int kw, int sh, int sw, int pt, int pl, int ow, int u0, int u1) {
  for (int p = u0; p < u1; p++) {
    const int oy = p / ow, ox = p % ow;
    const int y0 = oy * sh - pt, x0 = ox * sw - pl;
    const int ya = y0 < 0 ? 0 : y0, yb = y0 + kh > h ? h : y0 + kh;
    const int xa = x0 < 0 ? 0 : x0, xb = x0 + kw > w ? w : x0 + kw;
    uint32_t* o = out + (long)p * cw;
    for (int i = 0; i < cw; i++) {
      uint32_t or_ = 0, and_ = 0xffffffffu;
      for (int iy = ya; iy < yb; iy++) {
        for (int ix = xa; ix < xb; ix++) {
          const uint32_t v = x[((long)iy * w + ix) * cw + i];
          or_ |= v;
          and_ &= v;
        }
      }
      o[i] = (or_ & or_mask[i]) | (and_ & ~or_mask[i]);
    }
  }
}

// The deploy engine's binarize (lib/deploy/bit_ops.ts): bit c of position p's cw words is 1 iff
// x[p*c_in + c] >= 0 or, for eps > 0, x > -eps, compared in double (eps is the double whose bits
// are eps_lo, eps_hi). NaN gives 0. Unit = one position.
EXPORT("bin_sign_pack")
void bin_sign_pack(const float* x, uint32_t* out, int c, int cw, int eps_lo, int eps_hi, int u0,
                   int u1) {
  const uint64_t eb = (uint64_t)(uint32_t)eps_lo | (uint64_t)(uint32_t)eps_hi << 32;
  double eps;
  __builtin_memcpy(&eps, &eb, 8);
  const double neg = -eps;
  for (int p = u0; p < u1; p++) {
    const float* xp = x + (long)p * c;
    uint32_t* o = out + (long)p * cw;
    for (int w = 0; w < cw; w++) {
      const int c0 = 32 * w, n = c - c0 < 32 ? c - c0 : 32;
      uint32_t word = 0;
#if defined(__x86_64__) && defined(__AVX512BW__)
      for (int h = 0; h < n; h += 16) {
        const __mmask16 in = n - h >= 16 ? 0xffff : (__mmask16)((1u << (n - h)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(in, xp + c0 + h);
        __mmask16 b = _mm512_mask_cmp_ps_mask(in, v, _mm512_setzero_ps(), _CMP_GE_OQ);
        if (eps > 0) {
          const __m512d d = _mm512_set1_pd(neg);
          const __mmask8 lo = _mm512_cmp_pd_mask(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), d,
                                                 _CMP_GT_OQ);
          const __mmask8 hi = _mm512_cmp_pd_mask(
              _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))),
              d, _CMP_GT_OQ);
          b |= (__mmask16)(lo | (unsigned)hi << 8) & in;
        }
        word |= (uint32_t)b << h;
      }
#else
      for (int i = 0; i < n; i++) {
        const float v = xp[c0 + i];
        word |= (uint32_t)(v >= 0.f || (eps > 0 && (double)v > neg)) << i;
      }
#endif
      o[w] = word;
    }
  }
}

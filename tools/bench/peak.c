// The machine's ceiling for the deploy target of issue #14: how many binary multiply-adds per
// second one core does as XNOR–popcount, against float32 FMAs and the exact low-precision dot
// products (bf16, int8 VNNI) that could compute the same ±1 products. Each loop has the shape of
// a real GEMM micro-kernel with its operands in L1 (a broadcast activation word against two
// weight vectors, several rows at once), so the rates are what a kernel at full speed reaches,
// not what the lab's kernels reach. The ratios are clock-independent (same core, same run).
//
// Every loop's result is checked against its closed form, so a loop the compiler shortened
// fails the run (exit 1). Build and run: tools/bench/peak.sh (`deno task bench:peak`).
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K 64  // inner-loop length (L1-resident operands)
#define R 8   // the most rows per pass (each row: two 512-bit accumulators)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t xw[R * K];      // activation words (broadcast)
static uint64_t ww[K * 16];     // weight words: 16 rows side by side
static float xf[R * K];         // float activations (broadcast)
static float wf[K * 32];        // float weights: 32 columns
static uint32_t xb[R * K];      // bf16 pairs / int8 quads (broadcast)
static uint32_t wb[K * 32];     // bf16 pairs / int8 quads: 32 columns
static volatile int64_t sink;

// The four loops, each for RR rows per pass (RR broadcast operands against two weight vectors per
// k: 2·RR accumulators); every pass reloads its operands (the empty asm), so none is hoisted.
#define LOOPS(RR)                                                                                \
  __attribute__((target("avx512f,avx512vpopcntdq"), noinline)) static double xnor_##RR(long reps) { \
    int64_t total = 0;                                                                           \
    for (long r = 0; r < reps; r++) {                                                            \
      __asm__ volatile("" ::: "memory");                                                         \
      __m512i c[RR][2];                                                                          \
      for (int i = 0; i < RR; i++) c[i][0] = c[i][1] = _mm512_setzero_si512();                   \
      for (int k = 0; k < K; k++) {                                                              \
        const __m512i w0 = _mm512_loadu_si512(ww + k * 16);                                      \
        const __m512i w1 = _mm512_loadu_si512(ww + k * 16 + 8);                                  \
        for (int i = 0; i < RR; i++) {                                                           \
          const __m512i x = _mm512_set1_epi64((long long)xw[i * K + k]);                         \
          c[i][0] = _mm512_add_epi64(c[i][0], _mm512_popcnt_epi64(_mm512_xor_si512(x, w0)));     \
          c[i][1] = _mm512_add_epi64(c[i][1], _mm512_popcnt_epi64(_mm512_xor_si512(x, w1)));     \
        }                                                                                        \
      }                                                                                          \
      for (int i = 0; i < RR; i++) {                                                             \
        total += _mm512_reduce_add_epi64(_mm512_add_epi64(c[i][0], c[i][1]));                    \
      }                                                                                          \
    }                                                                                            \
    return (double)total;                                                                        \
  }                                                                                              \
  __attribute__((target("avx512f"), noinline)) static double fma_##RR(long reps) {               \
    double total = 0;                                                                            \
    for (long r = 0; r < reps; r++) {                                                            \
      __asm__ volatile("" ::: "memory");                                                         \
      __m512 c[RR][2];                                                                           \
      for (int i = 0; i < RR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();                      \
      for (int k = 0; k < K; k++) {                                                              \
        const __m512 w0 = _mm512_loadu_ps(wf + k * 32), w1 = _mm512_loadu_ps(wf + k * 32 + 16);  \
        for (int i = 0; i < RR; i++) {                                                           \
          const __m512 x = _mm512_set1_ps(xf[i * K + k]);                                        \
          c[i][0] = _mm512_fmadd_ps(x, w0, c[i][0]);                                             \
          c[i][1] = _mm512_fmadd_ps(x, w1, c[i][1]);                                             \
        }                                                                                        \
      }                                                                                          \
      for (int i = 0; i < RR; i++) total += _mm512_reduce_add_ps(_mm512_add_ps(c[i][0], c[i][1])); \
    }                                                                                            \
    return total;                                                                                \
  }                                                                                              \
  __attribute__((target("avx512f,avx512bf16"), noinline)) static double bf16_##RR(long reps) {   \
    double total = 0;                                                                            \
    for (long r = 0; r < reps; r++) {                                                            \
      __asm__ volatile("" ::: "memory");                                                         \
      __m512 c[RR][2];                                                                           \
      for (int i = 0; i < RR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();                      \
      for (int k = 0; k < K; k++) {                                                              \
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512(wb + k * 32);                          \
        const __m512bh w1 = (__m512bh)_mm512_loadu_si512(wb + k * 32 + 16);                     \
        for (int i = 0; i < RR; i++) {                                                           \
          const __m512bh x = (__m512bh)_mm512_set1_epi32((int)xb[i * K + k]);                    \
          c[i][0] = _mm512_dpbf16_ps(c[i][0], x, w0);                                            \
          c[i][1] = _mm512_dpbf16_ps(c[i][1], x, w1);                                            \
        }                                                                                        \
      }                                                                                          \
      for (int i = 0; i < RR; i++) total += _mm512_reduce_add_ps(_mm512_add_ps(c[i][0], c[i][1])); \
    }                                                                                            \
    return total;                                                                                \
  }                                                                                              \
  __attribute__((target("avx512f,avx512vnni"), noinline)) static double vnni_##RR(long reps) {   \
    int64_t total = 0;                                                                           \
    for (long r = 0; r < reps; r++) {                                                            \
      __asm__ volatile("" ::: "memory");                                                         \
      __m512i c[RR][2];                                                                          \
      for (int i = 0; i < RR; i++) c[i][0] = c[i][1] = _mm512_setzero_si512();                   \
      for (int k = 0; k < K; k++) {                                                              \
        const __m512i w0 = _mm512_loadu_si512(wb + k * 32);                                      \
        const __m512i w1 = _mm512_loadu_si512(wb + k * 32 + 16);                                 \
        for (int i = 0; i < RR; i++) {                                                           \
          const __m512i x = _mm512_set1_epi32((int)xb[i * K + k]);                               \
          c[i][0] = _mm512_dpbusd_epi32(c[i][0], x, w0);                                         \
          c[i][1] = _mm512_dpbusd_epi32(c[i][1], x, w1);                                         \
        }                                                                                        \
      }                                                                                          \
      for (int i = 0; i < RR; i++) {                                                             \
        total += _mm512_reduce_add_epi32(_mm512_add_epi32(c[i][0], c[i][1]));                    \
      }                                                                                          \
    }                                                                                            \
    return (double)total;                                                                        \
  }

LOOPS(4)
LOOPS(6)
LOOPS(8)

typedef double (*LoopFn)(long);
// [loop][rows 4, 6, 8]
static const LoopFn FNS[4][3] = {{xnor_4, xnor_6, xnor_8},
                                 {fma_4, fma_6, fma_8},
                                 {bf16_4, bf16_6, bf16_8},
                                 {vnni_4, vnni_6, vnni_8}};
static const int ROWS[3] = {4, 6, 8};

// Passes per second of `fn`: the repetitions doubled until one run takes a third of `seconds`,
// then the fastest of 3 runs. Stores the result of one pass in *got.
static double rate(LoopFn fn, double seconds, double* got) {
  long reps = 16;
  double t0 = now(), v = fn(reps);
  while (now() - t0 < seconds / 3) {
    reps *= 2;
    t0 = now();
    v = fn(reps);
  }
  double best = 1e300;
  for (int i = 0; i < 3; i++) {
    t0 = now();
    v = fn(reps);
    const double t = now() - t0;
    if (t < best) best = t;
  }
  sink = (int64_t)v;
  *got = v / (double)reps;
  return (double)reps / best;
}

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  __builtin_cpu_init();
  // Operands with closed-form results. xnor: x = all ones, w = alternating bits: every word
  // XORs to 32 ones. float: x = 1, w = 0.5: each product 0.5. bf16: pairs (1, 1) · (0.5, 0.5)
  // (bf16 0x3f80 = 1, 0x3f00 = 0.5). int8: quads (1,1,1,1)·(1,1,1,1).
  for (int i = 0; i < R * K; i++) {
    xw[i] = ~0ull;
    xf[i] = 1.f;
  }
  for (int i = 0; i < K * 16; i++) ww[i] = 0x5555555555555555ull;
  for (int i = 0; i < K * 32; i++) wf[i] = 0.5f;
  static const char* const NAMES[4] = {
      "XNOR-popcount (xor, vpopcntq, add; 512 bits)",
      "float32 FMA (vfmadd231ps, 16 lanes)",
      "bf16 dot (vdpbf16ps, 2 per lane)",
      "int8 dot (vpdpbusd, 4 per lane)",
  };
  // Multiply-adds per accumulator and k, and the closed-form sum per accumulator and k.
  const double macs[4] = {512, 16, 32, 64};
  const double per_acc[4] = {8 * 32, 16 * 0.5, 16 * 1.0, 16 * 4};
  const int has[4] = {__builtin_cpu_supports("avx512vpopcntdq"), __builtin_cpu_supports("avx512f"),
                      __builtin_cpu_supports("avx512bf16"), __builtin_cpu_supports("avx512vnni")};
  double rates[4] = {0, 0, 0, 0};
  int ok = 1;
  printf("| loop | G multiply-adds/s, one core, 4 / 6 / 8 rows | check |\n| --- | --- | --- |\n");
  for (int i = 0; i < 4; i++) {
    if (!has[i]) {
      printf("| %s | (not on this CPU) | |\n", NAMES[i]);
      continue;
    }
    if (i == 2 || i == 3) {  // bf16 pairs (1, 1)·(0.5, 0.5); int8 quads of ones
      const uint32_t xv = i == 2 ? 0x3f803f80u : 0x01010101u;
      const uint32_t wv = i == 2 ? 0x3f003f00u : 0x01010101u;
      for (int j = 0; j < R * K; j++) xb[j] = xv;
      for (int j = 0; j < K * 32; j++) wb[j] = wv;
    }
    int good = 1;
    printf("| %s |", NAMES[i]);
    for (int r = 0; r < 3; r++) {
      double got = 0;
      const double v = rate(FNS[i][r], seconds, &got) * 2 * ROWS[r] * K * macs[i];
      good &= got == 2 * ROWS[r] * K * per_acc[i];
      if (v > rates[i]) rates[i] = v;
      printf(" %.1f%s", v / 1e9, r < 2 ? " /" : "");
    }
    ok &= good;
    printf(" | %s |\n", good ? "ok" : "WRONG");
  }
  if (rates[0] > 0) {
    printf("\nXNOR-popcount against, per core, each at its best row count:\n");
    if (rates[1] > 0) {
      printf("- float32 FMA, direct convolution: %.1fx\n", rates[0] / rates[1]);
      printf("- float32 FMA, Winograd F(4x4, 3x3) (36 instead of 144 products per tile): %.1fx\n",
             rates[0] / (4 * rates[1]));
    }
    if (rates[2] > 0) printf("- bf16 dot (exact on +-1): %.1fx\n", rates[0] / rates[2]);
    if (rates[3] > 0) printf("- int8 dot (exact on +-1): %.1fx\n", rates[0] / rates[3]);
  }
  printf("\nchecksums: %s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}

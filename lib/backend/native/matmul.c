// Float matrix product C = A . B (or A . Bt) for tfjs-wasm's heap (BatchMatMul): A [m][k], B
// [k][n] (transposed: [n][k]), C [m][n], row-major, per batch. Built by tools/build_kernels.sh.
// No stack, no data segment.
//
// Every element of C is XNNPACK's f32 GEMM chain (what tfjs-wasm's BatchMatMul computes):
// acc = +0, then acc = acc + A[i][p] * B[p][j] for p ascending, the product and the sum each
// rounded (no fused multiply-add; the native build has -ffp-contract=off). Blocking over k keeps
// the chain: a block stores its partial sums in C and the next block continues from them.
#include "simd.h"

// k per block: a register panel of B over one block (KB x TILE_V*VW floats) stays in L1.
#define KB 256
// Columns per work unit: a multiple of every build's register panel (TILE_V * VW: 16 or 32).
#define UNIT_COLS 32

// C[0..R)[0..NV*VW) over kn values of p, A and B already at the block's first p; continues from
// C unless `first`.
INLINE void mm_tile(const float* a, long lda, const float* b, long ldb, float* c, long ldc, int kn,
                    int first, const int R, const int NV) {
  vf_t acc[TILE_R][TILE_V];
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < NV; v++) acc[r][v] = first ? vf_splat(0.f) : vf_load(c + r * ldc + VW * v);
  }
  for (int p = 0; p < kn; p++, b += ldb) {
    vf_t bv[TILE_V];
    for (int v = 0; v < NV; v++) bv[v] = vf_load(b + VW * v);
    for (int r = 0; r < R; r++) {
      const vf_t s = vf_load_splat(a + r * lda + p);
      for (int v = 0; v < NV; v++) acc[r][v] = vf_add(acc[r][v], vf_mul(s, bv[v]));
    }
  }
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < NV; v++) vf_store(c + r * ldc + VW * v, acc[r][v]);
  }
}

// C[0..R)[0] (one column, scalar: R independent chains), as mm_tile.
INLINE void mm_column(const float* a, long lda, const float* b, long ldb, float* c, long ldc,
                      int kn, int first, const int R) {
  float acc[8];
  for (int r = 0; r < R; r++) acc[r] = first ? 0.f : c[r * ldc];
  for (int p = 0; p < kn; p++, b += ldb) {
    const float bv = *b;
    for (int r = 0; r < R; r++) acc[r] = acc[r] + a[r * lda + p] * bv;
  }
  for (int r = 0; r < R; r++) c[r * ldc] = acc[r];
}

// All m rows of C's columns [0, cols) over one k block (A, B, C at the block's origin): register
// panels, then single vectors, then single columns; TILE_R (8) rows at a time, then one by one.
INLINE void mm_block(const float* a, long lda, const float* b, long ldb, float* c, long ldc, int m,
                     int cols, int kn, int first) {
  const int pw = TILE_V * VW;
  int j = 0;
  for (; j + pw <= cols; j += pw) {
    int r = 0;
    for (; r + TILE_R <= m; r += TILE_R) {
      mm_tile(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, TILE_R, TILE_V);
    }
    for (; r < m; r++) {
      mm_tile(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, 1, TILE_V);
    }
  }
  for (; j + VW <= cols; j += VW) {
    int r = 0;
    for (; r + TILE_R <= m; r += TILE_R) {
      mm_tile(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, TILE_R, 1);
    }
    for (; r < m; r++) mm_tile(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, 1, 1);
  }
  for (; j < cols; j++) {
    int r = 0;
    for (; r + 8 <= m; r += 8) {
      mm_column(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, 8);
    }
    for (; r < m; r++) {
      mm_column(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kn, first, 1);
    }
  }
}

// units: batch * ceil(n / UNIT_COLS) (the last unit of a batch narrower). `sa`, `sb`: floats
// between the batches of A and B (0: one matrix for every batch); C's batches are m * n apart.
// `tb`: B is stored transposed ([n][k]); each k block of a unit's B rows is then copied into
// thread `thread`'s KB x UNIT_COLS floats at `pack` + thread * KB * UNIT_COLS first.
EXPORT("matmul")
void matmul(const float* a, const float* b, float* c, float* pack, int m, int k, int n, int sa,
            int sb, int tb, int u0, int u1, int thread) {
  const int chunks = (n + UNIT_COLS - 1) / UNIT_COLS;
  float* pk = pack + (long)thread * KB * UNIT_COLS;
  for (int unit = u0; unit < u1; unit++) {
    const int bi = unit / chunks, j0 = (unit % chunks) * UNIT_COLS;
    const int cols = n - j0 < UNIT_COLS ? n - j0 : UNIT_COLS;
    const float* ab = a + (long)bi * sa;
    const float* bb = b + (long)bi * sb;
    float* cb = c + (long)bi * m * n + j0;
    if (k == 0) {  // empty sums: +0
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < cols; j++) cb[(long)i * n + j] = 0.f;
      }
      continue;
    }
    for (int p0 = 0; p0 < k; p0 += KB) {
      const int kn = k - p0 < KB ? k - p0 : KB, first = p0 == 0;
      if (tb) {
        for (int j = 0; j < cols; j++) {
          const float* src = bb + (long)(j0 + j) * k + p0;
          for (int p = 0; p < kn; p++) pk[p * UNIT_COLS + j] = src[p];
        }
        mm_block(ab + p0, k, pk, UNIT_COLS, cb, n, m, cols, kn, first);
      } else {
        mm_block(ab + p0, k, bb + (long)p0 * n + j0, n, cb, n, m, cols, kn, first);
      }
    }
  }
}

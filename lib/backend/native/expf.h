// Single-precision e^x, bit for bit the expf of musl libc (src/math/expf.c and exp2f_data.c,
// from Arm's optimized-routines), which is what tfjs-wasm's `Exp` kernel calls (std::exp on float,
// emscripten's libc is musl). The kernels that fuse an Exp into a longer chain use it so that
// their results equal the chain of tfjs kernels bit for bit (tests/backend/quantizer_grad_test.ts
// compares it with tfjs-wasm's Exp). Double arithmetic, no FMA (-ffp-contract=off natively; wasm
// has none), ULP error 0.502.
//
// Copyright (c) 2017-2018, Arm Limited. SPDX-License-Identifier: MIT
// (musl: Copyright © 2005-2020 Rich Felker, et al., MIT license.)
#ifndef BNN_EXPF_H
#define BNN_EXPF_H
#include <stdint.h>

#define BNN_EXP2F_N 32
// The table tab[i] = uint(2^(i/N)) - (i << 52-BITS) of exp2f_data.c is passed in by the caller
// (EXP2F_TABLE in lib/backend/quantizer_grad.ts, written to the heap once): the wasm build must
// not have a data segment, which wasm-ld would place in tfjs's memory.

static inline uint32_t bnn_asuint(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  return u;
}
static inline uint64_t bnn_asuint64(double x) {
  uint64_t u;
  __builtin_memcpy(&u, &x, 8);
  return u;
}
static inline double bnn_asdouble(uint64_t u) {
  double x;
  __builtin_memcpy(&x, &u, 8);
  return x;
}

// The normal path of musl's expf: exact for |x| < 88, and musl takes it for every finite x that
// neither overflows nor underflows.
static inline double bnn_expf_core(float x, const uint64_t* tab) {
  const double invln2n = 0x1.71547652b82fep+0 * BNN_EXP2F_N;
  const double shift = 0x1.8p+52;
  const double c0 = 0x1.c6af84b912394p-5 / BNN_EXP2F_N / BNN_EXP2F_N / BNN_EXP2F_N;
  const double c1 = 0x1.ebfce50fac4f3p-3 / BNN_EXP2F_N / BNN_EXP2F_N;
  const double c2 = 0x1.62e42ff0c52d6p-1 / BNN_EXP2F_N;
  const double xd = (double)x;
  // x*N/Ln2 = k + r with r in [-1/2, 1/2] and int k.
  double z = invln2n * xd;
  double kd = z + shift;
  const uint64_t ki = bnn_asuint64(kd);
  kd -= shift;
  const double r = z - kd;
  // exp(x) = 2^(k/N) * 2^(r/N) ~= s * (C0*r^3 + C1*r^2 + C2*r + 1)
  uint64_t t = tab[ki % BNN_EXP2F_N];
  t += ki << (52 - 5);
  const double s = bnn_asdouble(t);
  z = c0 * r + c1;
  const double r2 = r * r;
  double y = c2 * r + 1;
  y = z * r2 + y;
  return y * s;
}

// musl's expf with its special cases as selects instead of an early-return branch, so that a loop
// over it vectorizes (the table read becomes a gather on AVX-512/AVX2). Same value for every
// input: where musl branches (|x| >= 88 or NaN) it returns 0 for x = -inf or x below the underflow
// bound, x + x for NaN and +inf, +inf above the overflow bound, and otherwise the normal path.
static inline float bnn_expf(float x, const uint64_t* tab) {
  float y = (float)bnn_expf_core(x, tab);
  y = x > 0x1.62e42ep6f ? __builtin_inff() : y;  // overflow (and +inf: x + x = +inf)
  y = x < -0x1.9fe368p6f ? 0.0f : y;              // underflow (and -inf)
  return x != x ? x + x : y;                      // NaN
}

#endif

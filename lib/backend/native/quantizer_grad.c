// The binarizing quantizers of lib/quantizers.ts in one pass each: the forward sign and the
// pseudo-gradients dy·dq/dx of STE and SignSwish. Each computes exactly the float32 operations of
// the tfjs op chain it replaces, in the same order, so its results equal that chain's on tfjs-wasm
// bit for bit (the Exp of SignSwish is musl's expf, expf.h, with its table at `exp_tab`). Elementwise: work unit u = elements
// [u*block, (u+1)*block), so any thread split gives the same bits. Scalars (β, the STE clip) come
// as the bits of their float32 value.
#include "simd.h"
#include "expf.h"

static inline float bits_f32(int b) {
  float f;
  __builtin_memcpy(&f, &b, 4);
  return f;
}

// sign(x) = −step(−x, −1): +1 for x ≥ 0 (either zero), −1 for x < 0, NaN for NaN.
EXPORT("sign_pm1")
void sign_pm1(const float* x, float* out, int n, int block, int u0, int u1) {
  for (int u = u0; u < u1; u++) {
    const int end = (u + 1) * block < n ? (u + 1) * block : n;
    for (int i = u * block; i < end; i++) {
      const float v = x[i];
      out[i] = v < 0.f ? -1.f : (v == v ? 1.f : v);
    }
  }
}

// STE: dx = dy · float(|x| ≤ clip)   (tf.mul(dy, cast(lessEqual(abs(x), clip)))).
EXPORT("ste_sign_grad")
void ste_sign_grad(const float* x, const float* dy, float* dx, int n, int clip_bits, int block,
                   int u0, int u1) {
  const float clip = bits_f32(clip_bits);
  for (int u = u0; u < u1; u++) {
    const int end = (u + 1) * block < n ? (u + 1) * block : n;
    for (int i = u * block; i < end; i++) {
      dx[i] = dy[i] * (__builtin_fabsf(x[i]) <= clip ? 1.f : 0.f);
    }
  }
}

// SignSwish: dx = dy · (β · g(β·x)) with g(t) = (2 − a(1−u)/(1+u)) · (2u/(1+u)²), a = |t|,
// u = e^(−a): the chain of quantizers.ts' swishKernel, operation by operation.
EXPORT("swish_sign_grad")
void swish_sign_grad(const float* x, const float* dy, float* dx, const uint64_t* exp_tab, int n,
                     int beta_bits, int block, int u0, int u1) {
  const float beta = bits_f32(beta_bits);
  for (int u = u0; u < u1; u++) {
    const int end = (u + 1) * block < n ? (u + 1) * block : n;
    for (int i = u * block; i < end; i++) {
      const float t = beta * x[i];
      const float a = __builtin_fabsf(t);
      const float e = bnn_expf(-a, exp_tab);
      const float one_plus = 1.f + e;
      const float t_tanh = (a * (1.f - e)) / one_plus;
      const float inv = (2.f * e) / (one_plus * one_plus);
      const float g = (2.f - t_tanh) * inv;
      dx[i] = dy[i] * (beta * g);
    }
  }
}

// One Adam step for one variable in one pass, exactly the float32 operations of tfjs-core 4.22's
// AdamOptimizer.applyGradients, in the same order (lib/backend/adam.ts):
//   m' = m·β1 + g·(1−β1)            v' = v·β2 + g²·(1−β2)
//   w' = ((m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε))·(−lr) + w
// so the results equal tfjs's chain of 14 kernels on tfjs-wasm bit for bit. The scalars come as the
// bits of the float32 values tfjs's scalar tensors hold: s = [β1, 1−β1, β2, 1−β2, 1−β1^t, 1−β2^t,
// ε, −lr]. Outputs go to new buffers (tfjs assigns them to the variables). Work unit u = elements
// [u*block, (u+1)*block).
#include "simd.h"

EXPORT("adam_update")
void adam_update(const float* w, const float* m, const float* v, const float* g, float* w_out,
                 float* m_out, float* v_out, const float* s, int n, int block, int u0, int u1) {
  const float b1 = s[0], c1 = s[1], b2 = s[2], c2 = s[3], d1 = s[4], d2 = s[5], eps = s[6];
  const float neg_lr = s[7];
  for (int u = u0; u < u1; u++) {
    const int end = (u + 1) * block < n ? (u + 1) * block : n;
    for (int i = u * block; i < end; i++) {
      const float gi = g[i];
      const float m1 = m[i] * b1 + gi * c1;
      const float v1 = v[i] * b2 + (gi * gi) * c2;
      const float mh = m1 / d1, vh = v1 / d2;
      w_out[i] = (mh / (__builtin_sqrtf(vh) + eps)) * neg_lr + w[i];
      m_out[i] = m1;
      v_out[i] = v1;
    }
  }
}

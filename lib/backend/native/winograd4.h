// Transforms of Winograd F(4x4, 3x3) (matrices in winograd4.c), shared by the forward kernel and
// the filter gradient. Header-only (static inline).
#include "winograd.h"

#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#define SPLAT(v) wasm_f32x4_splat(v)

// t = G (g0, g1, g2) for one column: 6 values.
INLINE void filter_col(v128_t g0, v128_t g1, v128_t g2, v128_t* t) {
  const v128_t s02 = wasm_f32x4_add(g0, g2);
  t[0] = wasm_f32x4_mul(SPLAT(0.25f), g0);
  t[1] = wasm_f32x4_mul(SPLAT(-1.f / 6), wasm_f32x4_add(s02, g1));
  t[2] = wasm_f32x4_mul(SPLAT(-1.f / 6), wasm_f32x4_sub(s02, g1));
  const v128_t a = MADD(SPLAT(1.f / 6), g2, wasm_f32x4_mul(SPLAT(1.f / 24), g0));
  t[3] = MADD(SPLAT(1.f / 12), g1, a);
  t[4] = MADD(SPLAT(-1.f / 12), g1, a);
  t[5] = g2;
}

// The per-tile transforms (winograd4_tiles.h) on 4 channels: input_tile4, output_tile4,
// grad_tile4, …
#define WT v128_t
#define WT_(name) name
#define WT_ADD wasm_f32x4_add
#define WT_SUB wasm_f32x4_sub
#define WT_FMA MADD
#define WT_SPLAT SPLAT
#define WT_LOAD wasm_v128_load
#define WT_STORE wasm_v128_store
#define WT_FINISH finish
#define WT_STORE_LANES store_lanes
#include "winograd4_tiles.h"

#if VW > 4
// … and on VW channels (one wide vector): input_tile4_wide, output_tile4_wide, grad_tile4_wide.
INLINE vf_t finish_wide(vf_t a, const float* bias, int o, int relu) {
  if (bias) a = vf_add(a, vf_load(bias + o));
  return relu ? vf_relu(a) : a;
}
#define WT vf_t
#define WT_(name) name##_wide
#define WT_ADD vf_add
#define WT_SUB vf_sub
#define WT_FMA vf_fma
#define WT_SPLAT vf_splat
#define WT_LOAD vf_load
#define WT_STORE vf_store
#define WT_FINISH finish_wide
#define WT_STORE_LANES(p, a, lanes) vf_store(p, a)
#include "winograd4_tiles.h"
#endif

// One kernel source, several targets. Every kernel in this folder includes this header and is
// written with the wasm SIMD128 intrinsics (wasm_f32x4_add, …) plus a few "wide" vector helpers
// (vf_*). tools/build_kernels.sh compiles the same sources
//   - for wasm32 + SIMD128 + relaxed SIMD (kernels.wasm: the portable path, run on tfjs-wasm's
//     heap by lib/backend/native_pool.ts), where the intrinsics are the real ones and a wide
//     vector is one v128 (VW = 4 floats);
//   - natively (x86-64 AVX2 + FMA, x86-64 AVX-512, aarch64 NEON; libbnn_kernels.*.so, run
//     through Deno FFI by lib/backend/ffi.ts), where the intrinsics below are Clang vector
//     extensions with the same per-lane meaning and a wide vector has VW = 8 (AVX2) or 16
//     (AVX-512) floats.
//
// Determinism: each intrinsic computes every lane exactly as wasm does (relaxed_madd is a fused
// multiply-add on every target: V8 emits vfmadd on x86 with FMA), and the wide helpers only
// change how many lanes one instruction computes, never the operations or their order per output
// element. So a kernel gives bit-identical results on every target for the same thread split.
#ifndef BNN_SIMD_H
#define BNN_SIMD_H

#define INLINE static inline __attribute__((always_inline))

#if defined(__wasm__)

#include <wasm_simd128.h>
#define EXPORT(name) __attribute__((export_name(name)))
#define VW 4
typedef v128_t vf_t;
#define vf_load(p) wasm_v128_load(p)
#define vf_store(p, v) wasm_v128_store(p, v)
#define vf_splat(x) wasm_f32x4_splat(x)
#define vf_load_splat(p) wasm_v128_load32_splat(p)
#define vf_fma(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#define vf_add(a, b) wasm_f32x4_add(a, b)
#define vf_sub(a, b) wasm_f32x4_sub(a, b)
#define vf_mul(a, b) wasm_f32x4_mul(a, b)
#define vf_relu(a) wasm_f32x4_max(a, wasm_f32x4_splat(0.f))

#else  // native: Clang vector extensions

#define EXPORT(name)
typedef int v128_t __attribute__((__vector_size__(16), __aligned__(16)));
typedef float bnn_f32x4 __attribute__((__vector_size__(16)));
typedef double bnn_f64x2 __attribute__((__vector_size__(16)));
typedef int bnn_i32x4 __attribute__((__vector_size__(16)));
typedef long long bnn_i64x2 __attribute__((__vector_size__(16)));

INLINE v128_t wasm_v128_load(const void* p) {
  v128_t v;
  __builtin_memcpy(&v, p, 16);
  return v;
}
INLINE void wasm_v128_store(void* p, v128_t v) { __builtin_memcpy(p, &v, 16); }
INLINE v128_t wasm_v128_load32_splat(const void* p) {
  int x;
  __builtin_memcpy(&x, p, 4);
  return (v128_t){x, x, x, x};
}
INLINE v128_t wasm_f32x4_splat(float x) { return (v128_t)(bnn_f32x4){x, x, x, x}; }
INLINE v128_t wasm_f32x4_make(float a, float b, float c, float d) {
  return (v128_t)(bnn_f32x4){a, b, c, d};
}
INLINE v128_t wasm_i32x4_splat(int x) { return (v128_t){x, x, x, x}; }
INLINE v128_t wasm_f64x2_splat(double x) { return (v128_t)(bnn_f64x2){x, x}; }
INLINE v128_t wasm_f32x4_add(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a + (bnn_f32x4)b); }
INLINE v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a - (bnn_f32x4)b); }
INLINE v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a * (bnn_f32x4)b); }
INLINE v128_t wasm_f32x4_neg(v128_t a) { return (v128_t)(-(bnn_f32x4)a); }
INLINE v128_t wasm_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_elementwise_fma((bnn_f32x4)a, (bnn_f32x4)b, (bnn_f32x4)c);
}
INLINE v128_t wasm_f32x4_gt(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a > (bnn_f32x4)b); }
INLINE v128_t wasm_f32x4_eq(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a == (bnn_f32x4)b); }
INLINE v128_t wasm_f32x4_ne(v128_t a, v128_t b) { return (v128_t)((bnn_f32x4)a != (bnn_f32x4)b); }
INLINE v128_t wasm_v128_and(v128_t a, v128_t b) { return a & b; }
INLINE v128_t wasm_v128_or(v128_t a, v128_t b) { return a | b; }
INLINE v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t m) { return (a & m) | (b & ~m); }
// wasm's f32x4.max: NaN if either lane is NaN, max(−0, +0) = +0.
INLINE v128_t wasm_f32x4_max(v128_t a, v128_t b) {
  v128_t r = wasm_v128_bitselect(a, b, wasm_f32x4_gt(a, b));
  r = wasm_v128_bitselect(a & b, r, wasm_f32x4_eq(a, b));
  const v128_t nan = wasm_f32x4_ne(a, a) | wasm_f32x4_ne(b, b);
  return wasm_v128_bitselect(wasm_f32x4_add(a, b), r, nan);
}
#define wasm_f32x4_extract_lane(v, i) (((bnn_f32x4)(v))[i])
#define wasm_i32x4_extract_lane(v, i) (((bnn_i32x4)(v))[i])
#define wasm_f64x2_extract_lane(v, i) (((bnn_f64x2)(v))[i])
#define wasm_i32x4_shuffle(a, b, i0, i1, i2, i3) \
  ((v128_t)__builtin_shufflevector((bnn_i32x4)(a), (bnn_i32x4)(b), i0, i1, i2, i3))
INLINE v128_t wasm_f64x2_add(v128_t a, v128_t b) { return (v128_t)((bnn_f64x2)a + (bnn_f64x2)b); }
INLINE v128_t wasm_f64x2_mul(v128_t a, v128_t b) { return (v128_t)((bnn_f64x2)a * (bnn_f64x2)b); }
INLINE v128_t wasm_f64x2_promote_low_f32x4(v128_t a) {
  const bnn_f32x4 f = (bnn_f32x4)a;
  return (v128_t)(bnn_f64x2){(double)f[0], (double)f[1]};
}
INLINE v128_t wasm_f32x4_demote_f64x2_zero(v128_t a) {
  const bnn_f64x2 d = (bnn_f64x2)a;
  return (v128_t)(bnn_f32x4){(float)d[0], (float)d[1], 0.f, 0.f};
}

#if defined(__AVX512F__)
#define VW 16
#elif defined(__AVX__)
#define VW 8
#else
#define VW 4
#endif
typedef float vf_t __attribute__((ext_vector_type(VW)));
INLINE vf_t vf_load(const float* p) {
  vf_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
INLINE void vf_store(float* p, vf_t v) { __builtin_memcpy(p, &v, sizeof v); }
INLINE vf_t vf_splat(float x) { return (vf_t)x; }
INLINE vf_t vf_load_splat(const float* p) { return (vf_t)*p; }
INLINE vf_t vf_fma(vf_t a, vf_t b, vf_t c) { return __builtin_elementwise_fma(a, b, c); }
INLINE vf_t vf_add(vf_t a, vf_t b) { return a + b; }
INLINE vf_t vf_sub(vf_t a, vf_t b) { return a - b; }
INLINE vf_t vf_mul(vf_t a, vf_t b) { return a * b; }
typedef int vi_t __attribute__((ext_vector_type(VW)));
// wasm's f32x4.max(a, 0) per lane: a if a > 0 or a is NaN, else +0.
INLINE vf_t vf_relu(vf_t a) {
  const vi_t keep = (a > 0.f) | (a != a);
  return (vf_t)((vi_t)a & keep);
}

#endif

// Wide vectors per 16 floats (4 on wasm, 2 with AVX2, 1 with AVX-512).
#define VN16 (16 / VW)

// Register tiles of the wide kernels: TILE_R rows (broadcast operands) x TILE_V wide vectors
// (TILE_V * VW columns), so that TILE_R * TILE_V accumulators fill the register file: 6 x 16
// with AVX2 (16 ymm registers), 8 x 32 with AVX-512 (32 zmm). The wasm build keeps its own
// 2 x 16 tiles (VW == 4: the wide paths are compiled out).
#if VW == 16
#define TILE_R 8
#define TILE_V 2
#elif VW == 8
#define TILE_R 6
#define TILE_V 2
#else
#define TILE_R 2
#define TILE_V 4
#endif

#endif

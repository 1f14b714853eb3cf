// The filter of a transposed convolution (Conv2DBackpropInput as a conv of dy): HWIO [kh][kw][a][c]
// to [kh][kw][c][a] with both spatial axes reversed, dst[taps - 1 - t][j][i] = src[t][i][j]. Pure
// data movement (as 32-bit words, so NaN payloads pass unchanged): the same bits as
// wasmOps.flipFilter in lib/backend/wasm_ops.ts. Unit = one tap; 16 x 16 blocks.
#include <stdint.h>

#include "simd.h"

EXPORT("flip_filter")
void flip_filter(const uint32_t* src, uint32_t* dst, int taps, int a, int c, int u0, int u1) {
  for (int t = u0; t < u1; t++) {
    const uint32_t* s = src + (long)t * a * c;
    uint32_t* d = dst + (long)(taps - 1 - t) * a * c;
    for (int i0 = 0; i0 < a; i0 += 16) {
      const int i1 = i0 + 16 < a ? i0 + 16 : a;
      for (int j0 = 0; j0 < c; j0 += 16) {
        const int j1 = j0 + 16 < c ? j0 + 16 : c;
        for (int j = j0; j < j1; j++) {
          for (int i = i0; i < i1; i++) d[(long)j * a + i] = s[(long)i * c + j];
        }
      }
    }
  }
}

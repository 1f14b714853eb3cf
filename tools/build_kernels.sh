#!/bin/bash
# Builds the project's own wasm SIMD kernels (lib/backend/native/*.c, linked into one module)
# with clang 19 + wasm-ld (Debian 12: apt-get install clang-19 lld-19; `CLANG=…` picks another;
# clang 14 emits pre-standard relaxed-SIMD opcodes that V8 rejects). Two variants: `kernels.wasm`
# imports a shared memory (tfjs's threaded build), `kernels.single.wasm` a plain one (its
# single-threaded build). The built files are committed; tests/backend/native_kernels_test.ts rebuilds them and
# compares the bytes.
# Usage: tools/build_kernels.sh [OUT_DIR]   (default: lib/backend/native)
set -euo pipefail
cd "$(dirname "$0")/.."
src=lib/backend/native
out="${1:-$src}"
mkdir -p "$out"
cc="${CLANG:-clang-19}"
common=(--target=wasm32 -O3 -msimd128 -mrelaxed-simd -nostdlib -fno-builtin -Wall -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all)
srcs=("$src"/*.c)
"$cc" "${common[@]}" -matomics -mbulk-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--initial-memory=131072 -Wl,--no-check-features -o "$out/kernels.wasm" "${srcs[@]}"
"$cc" "${common[@]}" -Wl,--initial-memory=131072 -o "$out/kernels.single.wasm" "${srcs[@]}"
# The kernels run on tfjs's heap, so they must not use wasm-ld's shadow stack (it lives at the
# bottom of linear memory, which is tfjs's): no function may touch a global. Checked with wabt's
# wasm-objdump where it is installed (Debian: wabt; .ci/run installs it).
if command -v wasm-objdump >/dev/null; then
  for f in "$out"/kernels.wasm "$out"/kernels.single.wasm; do
    if wasm-objdump -d "$f" | grep -q "global\.[gs]et"; then
      echo "build_kernels: $f uses the shadow stack (an array indexed at run time?)" >&2
      exit 1
    fi
  done
fi
echo "built: $(ls "$out"/*.wasm | tr '\n' ' ')"

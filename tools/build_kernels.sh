#!/bin/bash
# Builds the project's own kernels (lib/backend/native/*.c: one source, several targets; see
# lib/backend/native/simd.h and docs/native_kernels.md) with clang 19 + lld 19 (Debian 12:
# apt-get install clang-19 lld-19; `CLANG=…` picks another; clang 14 emits pre-standard
# relaxed-SIMD opcodes that V8 rejects):
#   - kernels.wasm (imports a shared memory: tfjs's threaded build) and kernels.single.wasm (a
#     plain one: its single-threaded build), wasm32 SIMD128 + relaxed SIMD: the portable path;
#   - libbnn_kernels.linux-x86_64.so: the same kernels natively, an AVX2+FMA variant and an
#     AVX-512 variant (chosen at run time by cpuid, host/pool.c), a pthread pool, for Deno FFI
#     (lib/backend/ffi.ts);
#   - libbnn_kernels.linux-aarch64.so (NEON) when Debian's aarch64 cross C library is installed
#     (apt-get install libc6-dev-arm64-cross libgcc-12-dev-arm64-cross: clang finds it by itself),
#     else skipped with a note.
# The built files are committed; tests/backend/native_kernels_test.ts rebuilds them and compares
# the bytes, so the build is reproducible: no build ids, paths or compiler ident in the outputs.
#
# Every kernel `EXPORT("name") void name(..., int u0, int u1[, int thread])` is run by both pools;
# its pointer parameters are heap offsets on wasm, and a generated thunk per native variant maps
# them to `heap base + offset` (0 stays NULL). Functions exported without the trailing unit range
# are built for wasm only.
# Usage: tools/build_kernels.sh [OUT_DIR]   (default: lib/backend/native)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
src=lib/backend/native
out="${1:-$src}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cc="${CLANG:-clang-19}"
srcs=("$src"/*.c)

# --- wasm ---------------------------------------------------------------------------------------
common=(--target=wasm32 -O3 -msimd128 -mrelaxed-simd -nostdlib -fno-builtin -Wall -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all)
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
    # Nor may it have a data segment (a static table): wasm-ld would write it into tfjs's heap.
    if wasm-objdump -h "$f" | grep -q "^ *Data "; then
      echo "build_kernels: $f has a data segment (a static const table? pass it in from JS)" >&2
      exit 1
    fi
  done
fi

# --- native -------------------------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The pool-run kernels: "name|params" per line, in file order (sources sorted by name).
awk '
  /^EXPORT\("[A-Za-z0-9_]+"\)/ { match($0, /"[A-Za-z0-9_]+"/); name = substr($0, RSTART + 1, RLENGTH - 2); sig = ""; grab = 1; next }
  grab { sig = sig " " $0; if (index($0, "{")) { grab = 0; s = sig; sub(/^[^(]*\(/, "", s); sub(/\)[^)]*$/, "", s); gsub(/[ \t]+/, " ", s); print name "|" s } }
' "${srcs[@]}" >"$tmp/kernels.txt"

# table.c: a prototype, a thunk and a table entry per pool-run kernel (compiled per variant,
# where -D renames every kernel to <variant>_<name>).
{
  echo '#include <stdint.h>'
  echo 'typedef void (*Thunk)(uint8_t*, const int32_t*, int, int, int);'
  echo 'typedef struct { const char* name; Thunk fn; } Kernel;'
  echo '#define P(i) (a[i] ? (void*)(base + (uint32_t)a[i]) : (void*)0)'
  entries=()
  while IFS='|' read -r name params; do
    IFS=',' read -ra ps <<<"$params"
    n=${#ps[@]}
    last=$(sed -E 's/.*[ *]([A-Za-z0-9_]+) *$/\1/' <<<"${ps[n - 1]}")
    tail=2
    [ "$last" = thread ] && tail=3
    u0=$(sed -E 's/.*[ *]([A-Za-z0-9_]+) *$/\1/' <<<"${ps[n - tail]}")
    [ "$u0" = u0 ] || continue
    call=()
    for ((i = 0; i < n - tail; i++)); do
      if [[ "${ps[i]}" == *"*"* ]]; then call+=("P($i)"); else call+=("a[$i]"); fi
    done
    call+=(u0 u1)
    [ $tail = 3 ] && call+=(thread)
    echo "void $name($params);"
    echo "static void t_$name(uint8_t* base, const int32_t* a, int u0, int u1, int thread) {"
    echo "  (void)base, (void)a, (void)thread;"
    echo "  $name($(IFS=,; echo "${call[*]}" | sed 's/,/, /g'));"
    echo "}"
    entries+=("  {\"$name\", t_$name},")
  done <"$tmp/kernels.txt"
  echo 'const Kernel BNN_TABLE[] = {'
  printf '%s\n' "${entries[@]}"
  echo '  {0, 0},'
  echo '};'
} >"$tmp/table.c"
renames=()
while IFS='|' read -r name _; do renames+=("-D$name=BNN_VARIANT_$name"); done <"$tmp/kernels.txt"

# Reproducible native objects: no paths (file-prefix-map), no ident, no build id, stripped.
native=(-O3 -fPIC -fvisibility=hidden -ffp-contract=off -fno-ident -Wall -Werror
  "-ffile-prefix-map=$root=." "-ffile-prefix-map=$tmp=.")
link=(-shared -fuse-ld=lld -Wl,--build-id=none -Wl,-z,nodelete -Wl,--strip-all -Wl,-z,noexecstack
  -Wl,--hash-style=gnu)

# native_lib TARGET OS_ARCH "TARGET_FLAGS" VARIANT:FLAGS... (TARGET_FLAGS: for every object and
# the link, e.g. a cross sysroot)
native_lib() {
  local target=$1 name=$2 tflags=$3
  shift 3
  local objs=()
  for spec in "$@"; do
    local v=${spec%%:*} flags=${spec#*:}
    mkdir -p "$tmp/$name/$v"
    # shellcheck disable=SC2086
    for f in "${srcs[@]}" "$tmp/table.c"; do
      local o
      o="$tmp/$name/$v/$(basename "$f" .c).o"
      "$cc" --target="$target" $tflags "${native[@]}" $flags "${renames[@]/BNN_VARIANT/$v}" \
        -DBNN_TABLE="bnn_table_$v" -I"$src" -c "$f" -o "$o"
      objs+=("$o")
    done
  done
  # shellcheck disable=SC2086
  "$cc" --target="$target" $tflags "${native[@]}" -c "$src/host/pool.c" -o "$tmp/$name/pool.o"
  # shellcheck disable=SC2086
  "$cc" --target="$target" $tflags "${link[@]}" -o "$out/libbnn_kernels.$name.so" "$tmp/$name/pool.o" \
    "${objs[@]}" -lpthread
}

native_lib x86_64-linux-gnu linux-x86_64 "" "avx2:-mavx2 -mfma" \
  "avx512:-mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx2 -mfma"
built="kernels.wasm kernels.single.wasm libbnn_kernels.linux-x86_64.so"
if [ -d /usr/aarch64-linux-gnu/include ] && compgen -G "/usr/lib/gcc-cross/aarch64-linux-gnu/*/crtbeginS.o" >/dev/null; then
  native_lib aarch64-linux-gnu linux-aarch64 "" "neon:"
  built="$built libbnn_kernels.linux-aarch64.so"
else
  echo "build_kernels: no aarch64 cross C library (apt-get install libc6-dev-arm64-cross" \
    "libgcc-12-dev-arm64-cross); skipped the aarch64 library" >&2
fi
echo "built in $out: $built"

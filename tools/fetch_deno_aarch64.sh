#!/bin/bash
# Fetches Deno's linux-aarch64 build (npm: @deno/linux-arm64-glibc, the version of the deno that
# runs this script unless DENO_VERSION is set) into .cache/deno-linux-aarch64/deno (git-ignored).
# tests/backend/ffi_test.ts runs it under qemu-user (Debian: qemu-user libc6-arm64-cross) to check
# that the aarch64 NEON library computes what the x86-64 one does, bit for bit. .ci/run calls it.
# Usage: tools/fetch_deno_aarch64.sh   (prints the binary's path)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${DENO_VERSION:-$(deno --version 2>/dev/null | sed -nE 's/^deno ([0-9.]+).*/\1/p')}"
[ -n "$version" ] || { echo "fetch_deno_aarch64: no deno on PATH; set DENO_VERSION" >&2; exit 1; }
dir=.cache/deno-linux-aarch64
if [ -x "$dir/deno" ] && [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$version" ]; then
  echo "$PWD/$dir/deno"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@deno/linux-arm64-glibc@$version" >/dev/null)
tar xzf "$tmp"/deno-linux-arm64-glibc-*.tgz -C "$tmp"
mkdir -p "$dir"
mv "$tmp/package/deno" "$dir/deno"
chmod +x "$dir/deno"
echo "$version" >"$dir/VERSION"
echo "$PWD/$dir/deno"

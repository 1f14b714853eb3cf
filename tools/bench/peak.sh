#!/bin/bash
# The machine's ceiling for the deploy target of issue #14 (tools/bench/peak.c): binary
# multiply-adds per second of one core as XNOR–popcount against float32 FMA, bf16 and int8 dot
# products, each in a GEMM micro-kernel's loop at full speed, and their ratios.
# Builds peak.c with clang 19 (`CLANG=…` picks another) into a temporary folder and prints a
# Markdown report; `--save` also writes it to results/bench/peak-<UTC time>.md.
# Usage: tools/bench/peak.sh [--save] [--seconds S]   (S: seconds per loop and row count, 0.3)
set -euo pipefail
cd "$(dirname "$0")/../.."
save=0
seconds=0.3
while [ $# -gt 0 ]; do
  case "$1" in
    --save) save=1 ;;
    --seconds) seconds="${2:?--seconds needs a value}"; shift ;;
    *) echo "peak.sh: unknown argument $1 (expected --save or --seconds S)" >&2; exit 2 ;;
  esac
  shift
done
cc="${CLANG:-clang-19}"
if ! command -v "$cc" >/dev/null; then
  echo "peak.sh: $cc not found (Debian: apt-get install clang-19; CLANG=… picks another)" >&2
  exit 2
fi
if [ "$(uname -m)" != x86_64 ]; then
  echo "peak.sh: the loops are x86-64 AVX-512; this machine is $(uname -m)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cc" -O2 -Wall -Werror -o "$tmp/peak" tools/bench/peak.c
stamp=$(date -u +%Y-%m-%dT%H-%M-%S)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
{
  echo "# Machine ceiling: XNOR–popcount against float and integer dot products"
  echo
  echo "- when: $stamp UTC; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- machine: $cpu, $(nproc) cores; 1-minute load at the start $(cut -d' ' -f1 /proc/loadavg)"
  echo "- command: tools/bench/peak.sh --seconds $seconds (\`deno task bench:peak\`), one core,"
  echo "  operands in L1, fastest of 3 runs per loop and row count"
  echo
  "$tmp/peak" "$seconds"
} >"$tmp/report.md"
cat "$tmp/report.md"
if [ "$save" = 1 ]; then
  mkdir -p results/bench
  cp "$tmp/report.md" "results/bench/peak-$stamp.md"
  echo "saved results/bench/peak-$stamp.md"
fi

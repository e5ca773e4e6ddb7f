#!/bin/sh
# Rebuild the benchmark BPF objects (committed, so `npm run bench` needs no clang).
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
$CLANG -O2 -g -target bpf -I"$ARCH_INC" -c map_bench.c -o map_bench.o
echo "built: map_bench.o"

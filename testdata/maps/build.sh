#!/bin/sh
# Rebuilds the BPF objects of the maps tests (committed, so tests need no clang).
set -e
cd "$(dirname "$0")"
for c in *_rt.c; do
  clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu -c "$c" -o "${c%.c}.o"
done

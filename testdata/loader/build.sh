#!/bin/sh
# Rebuild the loader test objects from their C sources (tests use the committed .o files
# and never need clang). Run from anywhere: sh testdata/loader/build.sh
set -e
cd "$(dirname "$0")"
INC="-I/usr/include/$(uname -m)-linux-gnu"
CFLAGS="-O2 -g -Wall -Wno-unused-function $INC"
for src in xdp_counter multi legacy sections calls unknown kconfig ksyms; do
	[ -f "$src.c" ] || continue
	clang $CFLAGS -target bpf -c "$src.c" -o "$src.o"
done
# big-endian build of the counter
clang $CFLAGS -target bpfeb -c xdp_counter.c -o xdp_counter.bpfeb.o
# clang-19 with the v4 ISA (sign extension loads, bswap, gotol, sdiv/smod)
if command -v clang-19 >/dev/null 2>&1 && [ -f multi.c ]; then
	clang-19 $CFLAGS -target bpf -mcpu=v4 -c multi.c -o multi.v4.o
fi

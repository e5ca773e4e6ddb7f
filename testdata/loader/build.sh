#!/bin/sh
# Rebuild the loader test objects from their C sources (tests use the committed .o files
# and never need clang). Run from anywhere: sh testdata/loader/build.sh
set -e
cd "$(dirname "$0")"
INC="-I/usr/include/$(uname -m)-linux-gnu"
CFLAGS="-O2 -g -Wall -Wno-unused-function $INC"
for src in xdp_counter multi legacy sections calls unknown kconfig ksyms core iproute2 maptypes pinning longnames; do
	[ -f "$src.c" ] || continue
	clang $CFLAGS -target bpf -c "$src.c" -o "$src.o"
done
# against a vmlinux.h of the running kernel (skipped where there is no kernel BTF)
if [ -r /sys/kernel/btf/vmlinux ]; then
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > /tmp/vmlinux.h
	clang $CFLAGS -I/tmp -target bpf -c vmlinux_xdp.c -o vmlinux_xdp.o
	rm -f /tmp/vmlinux.h
fi
# without -g: no .BTF / .BTF.ext (legacy maps still work; BTF-defined maps cannot)
clang -O2 -Wall $INC -target bpf -c legacy.c -o legacy.nobtf.o
clang -O2 -Wall $INC -target bpf -c xdp_counter.c -o xdp_counter.nobtf.o
# big-endian build of the counter
clang $CFLAGS -target bpfeb -c xdp_counter.c -o xdp_counter.bpfeb.o
# clang-19 with the v4 ISA (sign extension loads, bswap, gotol, sdiv/smod)
if command -v clang-19 >/dev/null 2>&1 && [ -f multi.c ]; then
	clang-19 $CFLAGS -target bpf -mcpu=v4 -c multi.c -o multi.v4.o
fi
# golden outputs of the reference tools (bpftool v7.1, llvm-readelf-19) for the BTF and ELF tests
mkdir -p btf elf
for o in xdp_counter xdp_counter.bpfeb multi multi.v4 legacy calls sections kconfig ksyms core maptypes; do
	bpftool btf dump file $o.o > btf/$o.raw.txt
	bpftool btf dump file $o.o format c > btf/$o.c.txt
	bpftool -j btf dump file $o.o > btf/$o.raw.json
done
for o in xdp_counter xdp_counter.bpfeb multi legacy calls; do
	llvm-readelf-19 --elf-output-style=JSON -S --symbols -r $o.o > elf/$o.readelf.json
done
llvm-objdump-19 -dr core.o > elf/core.objdump.txt
# a call chain 12000 functions deep (no -g), gzipped: linking must not recurse
awk 'BEGIN {
	n = 12000
	print "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>"
	printf "static __attribute__((noinline)) int f%d(int x) { asm volatile(\"\" : \"+r\"(x)); return x; }\n", n
	for (i = n - 1; i >= 0; i--)
		printf "static __attribute__((noinline)) int f%d(int x) { asm volatile(\"\" : \"+r\"(x)); return f%d(x) + 1; }\n", i, i + 1
	print "SEC(\"socket\") int chain(void *ctx) { return f0(1); }\nchar LICENSE[] SEC(\"license\") = \"GPL\";"
}' > /tmp/deep_chain.c
clang -O2 -Wall $INC -target bpf -c /tmp/deep_chain.c -o deep_chain.o
gzip -9 -n -f deep_chain.o
rm -f /tmp/deep_chain.c

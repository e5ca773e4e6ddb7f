#!/bin/sh
# Rebuild the example BPF objects (committed, so nothing else needs clang).
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang}
ARCH_INC=/usr/include/$(uname -m)-linux-gnu
for src in proto_count flow_table lpm_firewall sock_filter tc_rewrite; do
	$CLANG -O2 -g -target bpf -I"$ARCH_INC" -c "$src.c" -o "$src.o"
done
echo "built: proto_count.o flow_table.o lpm_firewall.o sock_filter.o tc_rewrite.o"

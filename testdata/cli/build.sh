#!/bin/sh
# Rebuild the test objects of testdata/cli (committed, so tests need no clang).
set -eu
cd "$(dirname "$0")"
${CLANG:-clang} -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c printk.c -o printk.o
${CLANG:-clang} -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c bad_access.c -o bad_access.o
${CLANG:-clang} -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c tailcall.c -o tailcall.o

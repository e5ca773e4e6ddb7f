#!/bin/sh
# Rebuild the verifier test objects (tests use the committed .o files; no clang needed).
set -e
cd "$(dirname "$0")"
for c in xdp_parse bad_pkt no_null_check loops foreach_cb foreach_oob map_in_map mim_no_null spin_lock spin_no_unlock spin_direct; do
  clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/$(uname -m)-linux-gnu -c $c.c -o $c.o
done

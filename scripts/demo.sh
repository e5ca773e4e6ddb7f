#!/bin/sh
# What a new user sees first (npm run demo): the protocol counter example loaded into a
# fresh pin directory, run over the sample capture, and its map dumped — then a second run
# in another process, showing that pinned maps keep their state like bpffs does.
set -eu
cd "$(dirname "$0")/.."
PIN=$(mktemp -d "${TMPDIR:-/tmp}/tsbpf-demo.XXXXXX")
export TSBPF_STATE_DIR="$PIN/.state"
trap 'rm -rf "$PIN"' EXIT HUP INT PIPE TERM
tsbpf() { node dist/cli/main.js "$@"; }
if [ -t 1 ]; then B=$(printf '\033[1m') N=$(printf '\033[0m'); else B='' N=''; fi
show() { printf '\n%s$ tsbpf %s%s\n' "$B" "$(echo "$*" | sed "s#$PIN#\$PIN#g")" "$N"; tsbpf "$@"; }

echo "PIN=$PIN  (a plain directory standing in for /sys/fs/bpf)"
show prog load examples/proto_count.o "$PIN/proto_count" pinmaps "$PIN/maps"
show prog show pinned "$PIN/proto_count"
show prog run pinned "$PIN/proto_count" pcap_in examples/sample.pcap pcap_out "$PIN/passed.pcap"
show map dump pinned "$PIN/maps/proto_cnt"
echo "(keys: 0 other, 1 ARP, 2 ICMP, 3 TCP, 4 UDP, 5 ICMPv6, 6 other IP protocol)"
show prog run pinned "$PIN/proto_count" data_in testdata/cli/frames/arp.bin
show map lookup pinned "$PIN/maps/proto_cnt" key 1 0 0 0

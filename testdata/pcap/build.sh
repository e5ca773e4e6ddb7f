#!/bin/sh
# Rebuilds the capture fixtures: frames written by tsbpf's writer, then re-written by
# tcpdump (its own pcap writer, µs and ns, and with a snap length), a copy of frames cut at 32 bytes, plus a big-endian
# pcapng with two interfaces. Needs `npm run build` first and tcpdump.
set -eu
cd "$(dirname "$0")"
node ./build.mjs
tcpdump -r seed.pcapng -w tcpdump-us.pcap --time-stamp-precision=micro
tcpdump -r seed.pcapng -w tcpdump-ns.pcap --time-stamp-precision=nano
tcpdump -r seed-snap.pcap -w tcpdump-snap.pcap
rm -f seed.pcapng seed-snap.pcap

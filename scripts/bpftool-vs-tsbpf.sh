#!/bin/sh
# Run the same command script with bpftool (on the kernel, pins under /sys/fs/bpf) and with
# tsbpf (no kernel, pins in a temporary directory), normalise the volatile fields of both
# transcripts (testdata/cli/normalize.sed) and show the differences.
#
#   scripts/bpftool-vs-tsbpf.sh [--golden] FILE.cmds...
#
# A .cmds file has one command per line (the words after `bpftool`), `#` comments, and the
# placeholders $PIN (a fresh pin directory), $EX (examples/) and $TD (testdata/cli/).
# --golden writes bpftool's normalised transcript to FILE.golden (what test/cli/golden.test.ts
# compares tsbpf against) instead of diffing. Needs root, bpftool and a built tsbpf
# (npm run build). Exit status: 0 when every transcript matches.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EX="$ROOT/examples"
TD="$ROOT/testdata/cli"
TSBPF="node $ROOT/dist/cli/main.js"
GOLDEN=0
if [ "${1:-}" = "--golden" ]; then GOLDEN=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--golden] FILE.cmds..." >&2; exit 2; }
command -v bpftool >/dev/null || { echo "bpftool not found" >&2; exit 2; }
[ -f "$ROOT/dist/cli/main.js" ] || { echo "build tsbpf first: npm run build" >&2; exit 2; }

# transcript TOOL PIN CMDSFILE: one block per command
transcript() {
	tool=$1 pin=$2 file=$3
	out=$(mktemp) err=$(mktemp)
	grep -v '^[[:space:]]*#' "$file" | grep -v '^[[:space:]]*$' | while IFS= read -r line; do
		cmd=$(printf '%s' "$line" | sed -e "s#\$PIN#$pin#g" -e "s#\$EX#$EX#g" -e "s#\$TD#$TD#g")
		# shellcheck disable=SC2086
		$tool $cmd >"$out" 2>"$err"
		rc=$?
		printf '$ %s\n' "$line"
		cat "$out"
		if [ -s "$out" ] && [ "$(tail -c1 "$out" | od -An -tx1 | tr -d ' ')" != "0a" ]; then echo; fi
		sed 's/^/! /' "$err"
		echo "[rc=$rc]"
	done | sed -e "s#$pin#\$PIN#g" -e "s#$EX#\$EX#g" -e "s#$TD#\$TD#g" | sed -E -f "$TD/normalize.sed" |
		if [ -f "${file%.cmds}.sed" ]; then sed -E -f "${file%.cmds}.sed"; else cat; fi
	rm -f "$out" "$err"
}

status=0
for f in "$@"; do
	name=$(basename "$f" .cmds)
	kpin=/sys/fs/bpf/tsbpf-vs-$name-$$
	mkdir -p "$kpin"
	kout=$(mktemp)
	{ echo "# bpftool $(bpftool version | head -1 | cut -d' ' -f2), $(nproc) CPUs"; transcript bpftool "$kpin" "$f"; } >"$kout"
	rm -rf "$kpin"
	if [ $GOLDEN = 1 ]; then
		mv "$kout" "${f%.cmds}.golden"
		echo "wrote ${f%.cmds}.golden"
		continue
	fi
	tdir=$(mktemp -d)
	tout=$(mktemp)
	{ echo "# bpftool $(bpftool version | head -1 | cut -d' ' -f2), $(nproc) CPUs"; TSBPF_STATE_DIR="$tdir/state" TSBPF_NCPUS=$(nproc) transcript "$TSBPF" "$tdir" "$f"; } >"$tout"
	if diff -u --label "bpftool $name" --label "tsbpf $name" "$kout" "$tout"; then
		echo "$name: identical ($(grep -c '^\$ ' "$kout") commands)"
	else
		status=1
	fi
	rm -rf "$tdir" "$kout" "$tout"
done
exit $status

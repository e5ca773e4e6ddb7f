#!/bin/sh
# PREVAIL's YAML verifier tests (github.com/vbpf/ebpf-verifier, test-data/*.yaml, MIT) into
# ${TSBPF_CORPUS_DIR:-.corpus}/prevail/test-data. Only test-data is kept; nothing is committed.
set -e
cd "$(dirname "$0")/../.."
dest="${TSBPF_CORPUS_DIR:-.corpus}/prevail"
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
from_mirror() {
  git --git-dir="$1" archive HEAD test-data | tar -x -C "$tmp"
}
# a local mirror (TSBPF_PREVAIL_MIRROR, or the one the development machines keep) when there is
# one and the network is not wanted; else a shallow clone, falling back to the mirror
MIRROR="${TSBPF_PREVAIL_MIRROR:-/work/.mirror/vbpf+ebpf-verifier/repo}"
if [ -n "$TSBPF_PREVAIL_MIRROR" ] && [ -d "$MIRROR" ]; then
  from_mirror "$MIRROR" || { echo "prevail: cannot read test-data from $MIRROR" >&2; exit 1; }
else
  command -v git >/dev/null || { echo "prevail: git is not installed" >&2; exit 1; }
  if git clone --quiet --depth 1 https://github.com/vbpf/ebpf-verifier "$tmp/repo"; then
    mv "$tmp/repo/test-data" "$tmp/test-data"
    rm -rf "$tmp/repo"
  elif [ -d "$MIRROR" ]; then
    echo "prevail: clone failed, using the mirror $MIRROR" >&2
    rm -rf "$tmp/repo"
    from_mirror "$MIRROR" || { echo "prevail: cannot read test-data from $MIRROR" >&2; exit 1; }
  else
    echo "prevail: cannot clone https://github.com/vbpf/ebpf-verifier" >&2
    exit 1
  fi
fi
ls "$tmp"/test-data/*.yaml >/dev/null 2>&1 || { echo "prevail: no test-data/*.yaml" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT
echo "prevail: $(ls "$dest"/test-data/*.yaml | wc -l) files in $dest/test-data"

#!/bin/sh
# PREVAIL's YAML verifier tests (github.com/vbpf/ebpf-verifier, test-data/*.yaml, MIT) into
# ${TSBPF_CORPUS_DIR:-.corpus}/prevail/test-data. Only test-data is kept; nothing is committed.
# Uses a local mirror when TSBPF_PREVAIL_MIRROR names a git directory, else a shallow clone.
set -e
cd "$(dirname "$0")/../.."
dest="${TSBPF_CORPUS_DIR:-.corpus}/prevail"
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
if [ -n "$TSBPF_PREVAIL_MIRROR" ] && [ -d "$TSBPF_PREVAIL_MIRROR" ]; then
  git --git-dir="$TSBPF_PREVAIL_MIRROR" archive HEAD test-data | tar -x -C "$tmp" ||
    { echo "prevail: cannot read test-data from $TSBPF_PREVAIL_MIRROR" >&2; exit 1; }
else
  command -v git >/dev/null || { echo "prevail: git is not installed" >&2; exit 1; }
  git clone --quiet --depth 1 https://github.com/vbpf/ebpf-verifier "$tmp/repo" ||
    { echo "prevail: cannot clone https://github.com/vbpf/ebpf-verifier" >&2; exit 1; }
  mv "$tmp/repo/test-data" "$tmp/test-data"
  rm -rf "$tmp/repo"
fi
ls "$tmp"/test-data/*.yaml >/dev/null 2>&1 || { echo "prevail: no test-data/*.yaml" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT
echo "prevail: $(ls "$dest"/test-data/*.yaml | wc -l) files in $dest/test-data"

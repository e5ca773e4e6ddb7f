#!/bin/sh
# vbpf/ebpf-samples (compiled BPF objects from Cilium, Linux samples, Falco, OVS, Suricata,
# PREVAIL's own tests; third-party, not committed) into ${TSBPF_CORPUS_DIR:-.corpus}/ebpf-samples.
# From the local mirror the development machines keep (TSBPF_EBPF_SAMPLES_MIRROR, default
# /work/.mirror/vbpf+ebpf-samples/repo) when present, else a shallow clone from GitHub.
set -e
cd "$(dirname "$0")/../.."
dest="${TSBPF_CORPUS_DIR:-.corpus}/ebpf-samples"
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
MIRROR="${TSBPF_EBPF_SAMPLES_MIRROR:-/work/.mirror/vbpf+ebpf-samples/repo}"
if [ -d "$MIRROR" ]; then
  git --git-dir="$MIRROR" archive HEAD | tar -x -C "$tmp" || { echo "ebpf-samples: cannot read the mirror $MIRROR" >&2; exit 1; }
else
  command -v git >/dev/null || { echo "ebpf-samples: git is not installed" >&2; exit 1; }
  git clone --quiet --depth 1 https://github.com/vbpf/ebpf-samples "$tmp/repo" || { echo "ebpf-samples: cannot clone https://github.com/vbpf/ebpf-samples" >&2; exit 1; }
  rm -rf "$tmp/repo/.git"
  (cd "$tmp/repo" && tar -cf - .) | tar -xf - -C "$tmp"
  rm -rf "$tmp/repo"
fi
n=$(find "$tmp" -name '*.o' | wc -l)
[ "$n" -gt 0 ] || { echo "ebpf-samples: no .o objects found" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT
echo "ebpf-samples: $n objects in $dest"

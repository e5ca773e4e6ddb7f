#!/bin/sh
# Verdict agreement between tsbpf's verifier and the running kernel over a corpus of ELF
# objects (default: the vbpf/ebpf-samples repository, which is not committed).
#   scripts/verifier-corpus.sh [CORPUS_DIR]        (root, bpf() allowed, python3)
# Prints one line per program and the totals; -j in VERIFIER_CORPUS_JSON=file writes JSON.
set -e
cd "$(dirname "$0")/.."
CORPUS=${1:-}
if [ -z "$CORPUS" ]; then
  MIRROR=/work/.mirror/vbpf+ebpf-samples/repo
  CORPUS=$(mktemp -d /tmp/tsbpf-corpus.XXXXXX)
  if [ -d "$MIRROR" ]; then
    git --git-dir="$MIRROR" archive HEAD | tar -x -C "$CORPUS"
  else
    git clone -q --depth 1 https://github.com/vbpf/ebpf-samples "$CORPUS"
  fi
fi
[ -f dist/verifier/index.js ] || npx tsc -p . >/dev/null || true
exec node scripts/verifier-corpus.mjs "$CORPUS"

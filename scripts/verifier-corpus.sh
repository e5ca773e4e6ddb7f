#!/bin/sh
# Verdict agreement between tsbpf's verifier and the running kernel over a corpus of ELF
# objects (default: vbpf/ebpf-samples in ${TSBPF_CORPUS_DIR:-.corpus}/ebpf-samples, fetched by
# scripts/corpus/ebpf-samples.sh; never committed).
#   scripts/verifier-corpus.sh [CORPUS_DIR] [--labels FILE [--relabel]] [--kernel-only] [--only REGEX] [--json FILE]
# Needs root, bpf() and python3 for the kernel side (unless --labels without --relabel).
# Prints one line per program and the totals (skips counted by reason); VERIFIER_CORPUS_JSON=file
# or --json writes every row as JSON. Re-label (what test/verifier-corpus/ebpf-samples.test.ts reads):
#   scripts/verifier-corpus.sh .corpus/ebpf-samples --labels testdata/verifier/corpus/ebpf-samples/labels.json --relabel --kernel-only
set -e
cd "$(dirname "$0")/.."
CORPUS=
case "${1:-}" in --*|'') ;; *) CORPUS=$1; shift ;; esac
if [ -z "$CORPUS" ]; then
  CORPUS="${TSBPF_CORPUS_DIR:-.corpus}/ebpf-samples"
  [ -d "$CORPUS" ] || sh scripts/corpus/ebpf-samples.sh
fi
[ -f dist/verifier/testing.js ] || npx tsc -p . >/dev/null || true
exec node scripts/verifier-corpus.mjs "$CORPUS" "$@"

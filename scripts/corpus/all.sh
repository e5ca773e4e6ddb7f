#!/bin/sh
# Fetches and builds every external verifier corpus into ${TSBPF_CORPUS_DIR:-.corpus}/NAME
# (not committed: third-party sources). Each scripts/corpus/NAME.sh does one corpus and
# exits non-zero with a message when it cannot (no network, no package); the corpus tests
# under test/verifier-corpus/ skip cleanly when their directory is missing.
cd "$(dirname "$0")/../.."
status=0
for s in scripts/corpus/*.sh; do
  [ "$(basename "$s")" = all.sh ] && continue
  echo "corpus: $(basename "$s" .sh)"
  sh "$s" || { echo "corpus: $(basename "$s" .sh) not available" >&2; status=1; }
done
exit $status

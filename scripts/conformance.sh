#!/usr/bin/env bash
# Run the public bpf_conformance suite (github Alan-Jowett/bpf_conformance, tests/*.data)
# with its own runner against tsbpf's plugin (dist/conformance/plugin.js, bin
# `tsbpf-conformance-plugin`).
#
#   scripts/conformance.sh [PLUGIN_OPTIONS...]      default options: --interpret
#
# Environment:
#   RUNNER_DIR  where the runner is (or gets) built; default /tmp/bpf_conformance
#   MIRROR      folder holding bare-git snapshots OWNER+NAME/repo of Alan-Jowett/bpf_conformance
#               and serge1/ELFIO (for the build); default /work/.mirror
#   SETUP       the build recipe; default ../shared/tools/conformance/setup.sh beside this repo
#   EXTRA_TESTS also run this directory of .data files (e.g. testdata/golden)
#   KERNEL=1    also run the suite on the real kernel with tsbpf's harness (root, bpftool):
#               dist/conformance/kernel-suite.js compares the kernel with the expected results
# Prints the runner's per-test lines and ends with its `Passed N out of M tests.` line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNNER_DIR=${RUNNER_DIR:-/tmp/bpf_conformance}
RUNNER=$RUNNER_DIR/build/bin/bpf_conformance_runner
TESTS=$RUNNER_DIR/build/tests
if [ ! -x "$RUNNER" ]; then
  SETUP=${SETUP:-$ROOT/../shared/tools/conformance/setup.sh}
  [ -x "$SETUP" ] || { echo "no runner at $RUNNER and no build recipe at $SETUP" >&2; exit 2; }
  MIRROR=${MIRROR:-/work/.mirror} "$SETUP" "$RUNNER_DIR" >&2
fi
[ -d "$TESTS" ] || TESTS=$RUNNER_DIR/src/tests
if [ ! -f "$ROOT/dist/conformance/plugin.js" ] || [ -n "$(find "$ROOT/src" -name '*.ts' -newer "$ROOT/dist/conformance/plugin.js" -print -quit)" ]; then
  (cd "$ROOT" && npx tsc -p tsconfig.json >&2 || true)
fi
chmod +x "$ROOT/dist/conformance/plugin.js"
OPTS="$*"
[ -n "$OPTS" ] || OPTS=--interpret
run() {
  "$RUNNER" --test_file_directory "$1" --plugin_path "$ROOT/dist/conformance/plugin.js" \
    --cpu_version v4 --include_groups callx packet --plugin_options "$OPTS"
}
run "$TESTS"
if [ -n "${EXTRA_TESTS:-}" ]; then
  echo "--- $EXTRA_TESTS"
  run "$EXTRA_TESTS"
fi
if [ -n "${KERNEL:-}" ]; then
  echo "--- the same tests on the kernel (tsbpf harness: XDP / socket filter via bpftool prog run)"
  node "$ROOT/dist/conformance/kernel-suite.js" "$TESTS"
fi

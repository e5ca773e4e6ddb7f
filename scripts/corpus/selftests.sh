#!/bin/sh
# The kernel's own verifier selftests (tools/testing/selftests/bpf/progs/verifier_*.c of
# Linux 6.12, from Debian's linux-source-6.12) compiled into
# ${TSBPF_CORPUS_DIR:-.corpus}/selftests/obj/*.o, plus the kernel tree's libbpf as
# lib/libbpf.so (the kernel oracle of test/verifier-corpus/selftests.test.ts loads programs
# with it the way test_loader does). Third-party sources: never committed.
# Files that fail to compile are listed in failed.txt (not fatal).
set -u
cd "$(dirname "$0")/../.."
D="${TSBPF_CORPUS_DIR:-.corpus}/selftests"
TAR=/usr/src/linux-source-6.12.tar.xz
die() { echo "selftests corpus: $*" >&2; exit 1; }

if [ ! -f "$TAR" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "selftests corpus: installing linux-source-6.12"
    DEBIAN_FRONTEND=noninteractive apt-get install -y linux-source-6.12 >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y linux-source-6.12 >/dev/null 2>&1; } ||
      die "apt-get install linux-source-6.12 failed"
  fi
  [ -f "$TAR" ] || die "$TAR missing (install the Debian package linux-source-6.12 as root)"
fi
CLANG=
for c in clang-19 clang-18 clang-17 clang; do
  if command -v "$c" >/dev/null 2>&1; then
    v=$("$c" -dumpversion 2>/dev/null | cut -d. -f1)
    [ "${v:-0}" -ge 17 ] && { CLANG=$c; break; }
  fi
done
[ -n "$CLANG" ] || die "clang >= 17 with the bpf target is needed (the selftests use cpu v3/v4 asm)"

mkdir -p "$D/src" "$D/include/bpf" "$D/obj" "$D/lib" || die "cannot create $D"
S="$D/src/tools/testing/selftests/bpf"
if [ ! -f "$D/src/.extracted" ]; then
  echo "selftests corpus: extracting from $TAR"
  tar -xJf "$TAR" -C "$D/src" --strip-components=1 --wildcards \
    'linux-source-6.12/tools/testing/selftests/bpf/*.h' \
    'linux-source-6.12/tools/testing/selftests/bpf/progs/verifier_*.c' \
    'linux-source-6.12/tools/lib/bpf/*' 'linux-source-6.12/tools/include/*' \
    'linux-source-6.12/tools/arch/x86/include/*' 'linux-source-6.12/include/uapi/*' \
    'linux-source-6.12/arch/x86/include/uapi/*' 'linux-source-6.12/scripts/bpf_doc.py' ||
    die "extracting $TAR failed"
  touch "$D/src/.extracted"
fi
[ -f "$S/progs/bpf_misc.h" ] || die "$S/progs/bpf_misc.h missing after extraction"

# libbpf's headers as the selftests' Makefile installs them (bpf_helper_defs.h is generated)
cp "$D"/src/tools/lib/bpf/*.h "$D/include/bpf/"
if [ ! -s "$D/include/bpf/bpf_helper_defs.h" ]; then
  python3 "$D/src/scripts/bpf_doc.py" --header --file "$D/src/include/uapi/linux/bpf.h" > "$D/include/bpf/bpf_helper_defs.h" ||
    die "generating bpf_helper_defs.h failed (python3 needed)"
fi
if [ ! -s "$D/include/vmlinux.h" ]; then
  if [ -r /sys/kernel/btf/vmlinux ] && command -v bpftool >/dev/null 2>&1; then
    bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$D/include/vmlinux.h" || rm -f "$D/include/vmlinux.h"
  fi
  [ -s "$D/include/vmlinux.h" ] || echo "selftests corpus: no vmlinux.h (needs bpftool and /sys/kernel/btf/vmlinux); files including it will fail" >&2
fi

# the kernel tree's libbpf (1.5), for the kernel oracle; optional
if [ ! -f "$D/lib/libbpf.so" ]; then
  ( cd "$D/src" && ${CC:-cc} -O1 -shared -fPIC -D_GNU_SOURCE -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64 \
      -Itools/lib -Itools/include -Itools/include/uapi -Iarch/x86/include/uapi tools/lib/bpf/*.c -lelf -lz -o ../lib/libbpf.so ) \
    > "$D/lib/build.log" 2>&1 || echo "selftests corpus: libbpf build failed (see $D/lib/build.log): kernel labels cannot be refreshed" >&2
fi

# compile as the selftests' Makefile does (BPF_CFLAGS + -O2 --target=bpfel -mcpu=v3)
export CLANG S D
: > "$D/failed.txt"
ls "$S"/progs/verifier_*.c | xargs -P2 -n1 sh -c '
  f=$1; b=$(basename "$f" .c); o="$D/obj/$b.o"
  [ -f "$o" ] && [ "$o" -nt "$f" ] && exit 0
  "$CLANG" -g -Wall -Wno-compare-distinct-pointer-types -Wno-unused -D__TARGET_ARCH_x86 -mlittle-endian \
    -I"$D/include" -I"$S" -I"$S/progs" -I"$D/src/tools/include/uapi" -idirafter /usr/include/x86_64-linux-gnu \
    -std=gnu11 -fno-strict-aliasing -O2 --target=bpfel -mcpu=v3 -c "$f" -o "$o" 2> "$D/obj/$b.err" ||
    { rm -f "$o"; echo "$b" >> "$D/failed.txt"; }
' sh
n=$(ls "$D"/obj/*.o 2>/dev/null | wc -l)
nf=$(wc -l < "$D/failed.txt")
echo "selftests corpus: $n objects in $D/obj, $nf failed to compile${nf:+ (listed in $D/failed.txt)}"
[ "$n" -gt 0 ] || die "no object compiled"
exit 0

#!/usr/bin/env python3
# Kernel oracle for the verifier-selftests corpus (scripts/selftests-corpus.mjs): loads one
# program of a compiled tools/testing/selftests/bpf/progs/verifier_*.o the way the
# selftests' test_loader does (libbpf: open the object, autoload only the tested program and
# the __auxiliary ones, the test's prog flags and log level, bpf_object__load), and prints
# one JSON line per test: {"prog", "ok", "err", "log"}.
# The libbpf used is the one scripts/corpus/selftests.sh builds from the same kernel tree
# (.corpus/selftests/lib/libbpf.so), so section names and relocations match the selftests.
# Input (stdin, JSON): {"lib": "path/libbpf.so", "obj": "path.o",
#   "tests": [{"prog": name, "flags": N, "logLevel": N, "aux": [names]}]}
import ctypes, json, sys

req = json.load(sys.stdin)
lib = ctypes.CDLL(req['lib'])
vp = ctypes.c_void_p
lib.bpf_object__open_file.restype = vp
lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, vp]
lib.bpf_object__next_program.restype = vp
lib.bpf_object__next_program.argtypes = [vp, vp]
lib.bpf_program__name.restype = ctypes.c_char_p
lib.bpf_program__name.argtypes = [vp]
lib.bpf_program__set_autoload.argtypes = [vp, ctypes.c_bool]
lib.bpf_program__set_log_buf.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t]
lib.bpf_program__set_log_level.argtypes = [vp, ctypes.c_uint32]
lib.bpf_program__flags.restype = ctypes.c_uint32
lib.bpf_program__flags.argtypes = [vp]
lib.bpf_program__set_flags.argtypes = [vp, ctypes.c_uint32]
lib.bpf_object__load.argtypes = [vp]
lib.bpf_object__close.argtypes = [vp]
lib.libbpf_get_error.restype = ctypes.c_long
lib.libbpf_get_error.argtypes = [vp]
# silence libbpf's own warnings (the verifier log is what we record)
PRINT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, vp)
quiet = PRINT(lambda level, fmt, args: 0)
lib.libbpf_set_print.restype = vp
lib.libbpf_set_print(quiet)

LOGSIZE = 1 << 24
logbuf = ctypes.create_string_buffer(LOGSIZE)
path = req['obj'].encode()
for t in req['tests']:
    out = {'prog': t['prog'], 'ok': False, 'err': 0, 'log': ''}
    obj = lib.bpf_object__open_file(path, None)
    err = lib.libbpf_get_error(obj)
    if not obj or err:
        out['err'] = int(err) if err else -1
        out['stage'] = 'open'
        print(json.dumps(out), flush=True)
        continue
    target = None
    aux = set(t.get('aux', []))
    p = lib.bpf_object__next_program(obj, None)
    while p:
        name = lib.bpf_program__name(p).decode()
        load = name == t['prog'] or name in aux
        lib.bpf_program__set_autoload(p, load)
        if name == t['prog']:
            target = p
        p = lib.bpf_object__next_program(obj, p)
    if target is None:
        out['stage'] = 'no-such-program'
        print(json.dumps(out), flush=True)
        lib.bpf_object__close(obj)
        continue
    logbuf[0] = b'\0'
    lib.bpf_program__set_log_buf(target, logbuf, LOGSIZE)
    lib.bpf_program__set_log_level(target, t.get('logLevel', 1))
    lib.bpf_program__set_flags(target, lib.bpf_program__flags(target) | t.get('flags', 0))
    r = lib.bpf_object__load(obj)
    out['ok'] = r == 0
    out['err'] = r
    out['log'] = logbuf.value.decode(errors='replace')
    print(json.dumps(out), flush=True)
    lib.bpf_object__close(obj)

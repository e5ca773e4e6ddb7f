#!/usr/bin/env python3
# Kernel oracle for tsbpf's verifier tests: loads raw bytecode with bpf(BPF_PROG_LOAD) and
# prints {"ok", "errno", "log", "stage"} as JSON. Input (stdin, JSON):
#   {"insns": "<hex of the bytecode>", "progType": N, "expectedAttachType": N,
#    "logLevel": 1|2, "license": "GPL", "progFlags": N,
#    "maps": [{"type", "keySize", "valueSize", "maxEntries", "flags", "name", "numaNode",
#              "mapExtra", "btfKeyTypeId", "btfValueTypeId", "value", "freeze",
#              "inner": {a map of the same shape: the template of a map-in-map}}],
#    "mapRefs": [{"insn": slot, "map": index, "kind": "map"|"map_value", "offset": N}],
#    "btf": optional hex of the object's BTF (DATASECs fixed up),
#    "funcInfo": optional [[insnOff, typeId], ...] (needs "btf"),
#    "attachBtfId": optional BTF id in vmlinux (fentry/fexit/fmod_ret/tp_btf/lsm),
#    "logTail": optional, keep only the last N characters of the log}
# A JSON list of such requests is answered with a list of results (batch mode).
# Done the way libbpf does it: the BTF is loaded first (and dropped, with func info, when the
# kernel refuses it); maps are created with their BTF key/value ids (retried without when
# refused), map-in-map outer maps get an inner map made from their template, perf event
# arrays get 4-byte keys and values and, without max_entries, one slot per possible CPU, ring
# buffers no key or value sizes and a power-of-two number of pages; map fds are patched into the lddw slots named by mapRefs.
# "stage" says where a failure happened: btf_load, map_create or prog_load.
import ctypes, json, os, sys

SYS_BPF = 321
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keep = []  # buffers whose addresses are in attrs


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    return r, ctypes.get_errno()


def u32(v):
    return (v & 0xffffffff).to_bytes(4, 'little')


def u64(v):
    return (v & 0xffffffffffffffff).to_bytes(8, 'little')


def addr(data):
    b = ctypes.create_string_buffer(bytes(data), max(len(data), 1))
    keep.append(b)
    return ctypes.addressof(b)


def possible_cpus():
    try:
        n = 0
        for part in open('/sys/devices/system/cpu/possible').read().strip().split(','):
            a, _, b = part.partition('-')
            n += (int(b) - int(a) + 1) if b else 1
        return n
    except OSError:
        return os.cpu_count() or 1


def map_name(name):
    clean = ''.join(c if c.isalnum() or c in '_.' else '_' for c in name)
    return clean[:15].encode().ljust(16, b'\0')


def create_map(m, btf_fd, fds):
    inner_fd = 0
    if m.get('inner'):
        inner_fd, err = create_map(m['inner'], btf_fd, fds)
        if inner_fd < 0:
            return inner_fd, err
    mtype, max_entries = m['type'], m['maxEntries']
    key_size, value_size = m['keySize'], m['valueSize']
    if mtype == 4:  # PERF_EVENT_ARRAY: 4-byte keys and values (fds), one slot per CPU by default
        key_size = value_size = 4
        if max_entries == 0:
            max_entries = possible_cpus()
    if mtype in (27, 31):  # ring buffers have no keys or values (a value type in BTF is a hint)
        key_size = value_size = 0
    if mtype in (27, 31):  # RINGBUF, USER_RINGBUF: a power-of-two multiple of the page size
        page = os.sysconf('SC_PAGE_SIZE')
        pages = max(1, -(-max_entries // page))
        p = 1
        while p < pages:
            p <<= 1
        max_entries = p * page
    with_btf = btf_fd > 0 and (m.get('btfKeyTypeId') or m.get('btfValueTypeId'))
    for use_btf in ([True, False] if with_btf else [False]):
        attr = (u32(mtype) + u32(key_size) + u32(value_size) + u32(max_entries) +
                u32(m.get('flags', 0)) + u32(inner_fd) + u32(m.get('numaNode', 0)) + map_name(m.get('name', '')) +
                u32(0) + u32(btf_fd if use_btf else 0) + u32(m.get('btfKeyTypeId', 0) if use_btf else 0) +
                u32(m.get('btfValueTypeId', 0) if use_btf else 0) + u32(0) + u64(int(m.get('mapExtra', 0))))
        fd, err = bpf(0, attr.ljust(128, b'\0'))
        if fd >= 0:
            break
    if inner_fd > 0:
        os.close(inner_fd)
        fds.remove(inner_fd)
    if fd >= 0:
        fds.append(fd)
    return fd, err


def main():
    req = json.load(sys.stdin)
    # a JSON list of requests gives a list of results: one process for a whole corpus
    if isinstance(req, list):
        print(json.dumps([load(r) for r in req]))
    else:
        print(json.dumps(load(req)))


def load(req):
    code = bytearray(bytes.fromhex(req['insns']))
    level = req.get('logLevel', 1)
    fds = []
    out = None
    btf_fd = 0
    if req.get('btf'):
        raw = bytes.fromhex(req['btf'])
        blog = ctypes.create_string_buffer(1 << 16)
        attr = u64(addr(raw)) + u64(ctypes.addressof(blog)) + u32(len(raw)) + u32(1 << 16) + u32(1)
        btf_fd, _ = bpf(18, attr.ljust(128, b'\0'))
        if btf_fd > 0:
            fds.append(btf_fd)
        else:
            btf_fd = 0
    for m in req.get('maps', []):
        fd, err = create_map(m, btf_fd, fds)
        if fd < 0:
            out = {'ok': False, 'errno': err, 'log': '', 'stage': 'map_create', 'map': m.get('name', '')}
            break
        m['fd'] = fd
        if m.get('value'):
            # initial contents of key 0 (global data), then freeze like libbpf does for .rodata
            val = bytes.fromhex(m['value'])
            key = b'\0' * max(m['keySize'], 4)
            bpf(2, (u32(fd) + u32(0) + u64(addr(key)) + u64(addr(val)) + u64(0)).ljust(128, b'\0'))
        if m.get('freeze'):
            bpf(22, u32(fd).ljust(128, b'\0'))
    if out is None:
        maps = req.get('maps', [])
        for ref in req.get('mapRefs', []):
            o = ref['insn'] * 8
            code[o + 1] = (code[o + 1] & 0x0f) | ((1 if ref.get('kind', 'map') == 'map' else 2) << 4)
            code[o + 4:o + 8] = u32(maps[ref['map']]['fd'])
            if ref.get('kind') == 'map_value':
                code[o + 12:o + 16] = u32(ref.get('offset', 0))
        logsize = 1 << 24
        logbuf = ctypes.create_string_buffer(logsize)
        fi = req.get('funcInfo') or []
        if not btf_fd:
            fi = []
        finfo = b''.join(u32(a) + u32(b) for a, b in fi)
        attr = (u32(req['progType']) + u32(len(code) // 8) + u64(addr(code)) +
                u64(addr(req.get('license', 'GPL').encode() + b'\0')) + u32(level) + u32(logsize if level else 0) +
                u64(ctypes.addressof(logbuf) if level else 0) + u32(req.get('kernVersion', 0)) + u32(req.get('progFlags', 0)) +
                b'\0' * 16 + u32(0) + u32(req.get('expectedAttachType', 0)) +
                u32(btf_fd if fi else 0) + u32(8 if fi else 0) + u64(addr(finfo) if fi else 0) + u32(len(fi)) +
                u32(0) + u64(0) + u32(0) + u32(req.get('attachBtfId', 0)))
        fd, err = bpf(5, attr.ljust(160, b'\0'))
        out = {'ok': fd >= 0, 'errno': 0 if fd >= 0 else err, 'log': logbuf.value.decode(errors='replace'), 'stage': 'prog_load',
               'btf': bool(btf_fd), 'funcInfo': len(fi)}
        if fd >= 0:
            os.close(fd)
    for f in fds:
        os.close(f)
    if req.get('logTail') and out.get('log'):
        # only the end of the log (the error) is wanted: "logTail": N characters
        out['log'] = out['log'][-req['logTail']:]
    return out


main()

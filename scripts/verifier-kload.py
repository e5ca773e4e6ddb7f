#!/usr/bin/env python3
# Kernel oracle for tsbpf's verifier tests: loads raw bytecode with bpf(BPF_PROG_LOAD) and
# prints {"ok", "errno", "log"} as JSON. Input (stdin, JSON):
#   {"insns": "<hex of the bytecode>", "progType": N, "expectedAttachType": N,
#    "logLevel": 1|2, "license": "GPL",
#    "maps": [{"type", "keySize", "valueSize", "maxEntries", "flags", "name"}],
#    "mapRefs": [{"insn": slot, "map": index, "kind": "map"|"map_value", "offset": N}],
#    "funcInfo": optional}
# Maps are created first and their fds patched into the lddw slots named by mapRefs.
import ctypes, json, os, sys

SYS_BPF = 321
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    return r, ctypes.get_errno()


def u32(v):
    return (v & 0xffffffff).to_bytes(4, 'little')


def u64(v):
    return (v & 0xffffffffffffffff).to_bytes(8, 'little')


def main():
    req = json.load(sys.stdin)
    code = bytearray(bytes.fromhex(req['insns']))
    fds = []
    for m in req.get('maps', []):
        name = m.get('name', '')[:15].encode().ljust(16, b'\0')
        attr = (u32(m['type']) + u32(m['keySize']) + u32(m['valueSize']) + u32(m['maxEntries']) +
                u32(m.get('flags', 0)) + u32(0) + u32(0) + name).ljust(128, b'\0')
        fd, err = bpf(0, attr)
        if fd < 0:
            print(json.dumps({'ok': False, 'errno': err, 'log': '', 'stage': 'map_create'}))
            return
        fds.append(fd)
        if m.get('value'):
            # initial contents of key 0 (global data), then freeze like libbpf does for .rodata
            val = ctypes.create_string_buffer(bytes.fromhex(m['value']), len(m['value']) // 2)
            key = ctypes.create_string_buffer(b'\0' * max(m['keySize'], 4))
            bpf(2, (u32(fd) + u32(0) + u64(ctypes.addressof(key)) + u64(ctypes.addressof(val)) + u64(0)).ljust(128, b'\0'))
        if m.get('freeze'):
            bpf(22, u32(fd).ljust(128, b'\0'))
    for ref in req.get('mapRefs', []):
        o = ref['insn'] * 8
        code[o + 1] = (code[o + 1] & 0x0f) | ((1 if ref.get('kind', 'map') == 'map' else 2) << 4)
        code[o + 4:o + 8] = u32(fds[ref['map']])
        if ref.get('kind') == 'map_value':
            code[o + 12:o + 16] = u32(ref.get('offset', 0))
    level = req.get('logLevel', 1)
    logsize = 1 << 24
    logbuf = ctypes.create_string_buffer(logsize)
    insn_buf = ctypes.create_string_buffer(bytes(code), len(code))
    lic = ctypes.create_string_buffer(req.get('license', 'GPL').encode() + b'\0')
    attr = (u32(req['progType']) + u32(len(code) // 8) + u64(ctypes.addressof(insn_buf)) +
            u64(ctypes.addressof(lic)) + u32(level) + u32(logsize if level else 0) + u64(ctypes.addressof(logbuf) if level else 0) +
            u32(0) + u32(req.get('progFlags', 0)) + b'\0' * 16 + u32(0) + u32(req.get('expectedAttachType', 0)))
    attr = attr.ljust(160, b'\0')
    fd, err = bpf(5, attr)
    out = {'ok': fd >= 0, 'errno': 0 if fd >= 0 else err, 'log': logbuf.value.decode(errors='replace')}
    if fd >= 0:
        os.close(fd)
    for f in fds:
        os.close(f)
    print(json.dumps(out))


main()

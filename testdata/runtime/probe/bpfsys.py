# Minimal bpf(2) access through ctypes, for probing the running kernel (x86_64 / arm64).
# Used only to record kernel facts into testdata (helper availability, context access
# rules, xlated sizes); tsbpf itself never needs it.
import ctypes, os, struct, platform

libc = ctypes.CDLL(None, use_errno=True)
NR_BPF = {'x86_64': 321, 'aarch64': 280}[platform.machine()]
libc.syscall.restype = ctypes.c_long

def bpf(cmd, attr: bytearray):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(NR_BPF, cmd, buf, len(attr))
    err = ctypes.get_errno() if r < 0 else 0
    attr[:] = buf.raw[:len(attr)]
    return r, err

def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack('<BBhi', code, (src << 4) | dst, off, imm)

def lddw(dst, src, imm, imm2=0):
    return insn(0x18, dst, src, 0, imm) + insn(0, 0, 0, 0, imm2)

def prog_load(ptype, code: bytes, license=b'GPL', attach=0, log_level=1, flags=0, name=b''):
    logbuf = ctypes.create_string_buffer(1 << 20)
    ins = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(license + b'\0')
    attr = bytearray(160)
    struct.pack_into('<IIQQIIQII', attr, 0, ptype, len(code) // 8, ctypes.addressof(ins), ctypes.addressof(lic),
                     log_level, len(logbuf), ctypes.addressof(logbuf), 0, flags)
    attr[48:48 + len(name)] = name[:15]
    struct.pack_into('<I', attr, 68, attach)
    fd, err = bpf(5, attr)
    return fd, err, logbuf.value.decode(errors='replace')

def map_create(mtype, ksize, vsize, maxent, flags=0):
    attr = bytearray(80)
    struct.pack_into('<IIIII', attr, 0, mtype, ksize, vsize, maxent, flags)
    fd, err = bpf(0, attr)
    return fd if fd >= 0 else -err

def prog_info(fd):
    info = bytearray(256)
    ibuf = ctypes.create_string_buffer(bytes(info), len(info))
    attr = bytearray(16)
    struct.pack_into('<IIQ', attr, 0, fd, len(info), ctypes.addressof(ibuf))
    r, err = bpf(15, attr)
    raw = ibuf.raw
    # struct bpf_prog_info: type u32, id u32, tag[8], jited_prog_len u32, xlated_prog_len u32
    ptype, pid = struct.unpack_from('<II', raw, 0)
    tag = raw[8:16].hex()
    jlen, xlen = struct.unpack_from('<II', raw, 16)
    return {'type': ptype, 'id': pid, 'tag': tag, 'jited_len': jlen, 'xlated_len': xlen}

def xlated(fd, n):
    buf = ctypes.create_string_buffer(n)
    info = bytearray(256)
    struct.pack_into('<IQ', info, 20, n, 0)  # xlated_prog_len at 20, xlated_prog_insns at 32
    struct.pack_into('<Q', info, 32, ctypes.addressof(buf))
    ibuf = ctypes.create_string_buffer(bytes(info), len(info))
    attr = bytearray(16)
    struct.pack_into('<IIQ', attr, 0, fd, len(info), ctypes.addressof(ibuf))
    r, err = bpf(15, attr)
    return buf.raw

def close(fd):
    os.close(fd)

# Records, from the running kernel, the facts tsbpf's descriptions of the socket, cgroup and
# other non-tracing program types must match, per (program type, expected attach type):
#  - context access: for every offset and size, whether a load `r0 = *(size *)(r1 + off)`,
#    a store `*(size *)(r1 + off) = r0` (r0 = 0) and an immediate store (BPF_ST) load, and
#    what register type the load yields (the verifier log, log_level 2: scalar, sock,
#    sock_or_null, pkt, ...);
#  - return values: which of r0 = -1, 0..4 the verifier accepts at exit;
#  - helpers: which helper ids `call N` may use (helper lists depend on the attach type);
#  - test run: the errno of BPF_PROG_TEST_RUN (64 bytes of data_in), 0 when it runs.
# Output: JSON on stdout, committed as testdata/runtime/kernel-ctx-more.json. Needs root.
import ctypes, json, re, struct, sys
from bpfsys import *

# name -> (prog type, expected attach type, bytes to probe)
CASES = {
    'cgroup_sock_create': (9, 2, 88), 'cgroup_sock_release': (9, 34, 88),
    'cgroup_post_bind4': (9, 12, 88), 'cgroup_post_bind6': (9, 13, 88),
    'sock_addr_bind4': (18, 8, 80), 'sock_addr_bind6': (18, 9, 80),
    'sock_addr_connect4': (18, 10, 80), 'sock_addr_connect6': (18, 11, 80),
    'sock_addr_sendmsg4': (18, 14, 80), 'sock_addr_sendmsg6': (18, 15, 80),
    'sock_addr_recvmsg4': (18, 19, 80), 'sock_addr_recvmsg6': (18, 20, 80),
    'sock_addr_getpeername4': (18, 29, 80), 'sock_addr_getpeername6': (18, 30, 80),
    'sock_addr_getsockname4': (18, 31, 80), 'sock_addr_getsockname6': (18, 32, 80),
    'sock_addr_connect_unix': (18, 49, 80), 'sock_addr_sendmsg_unix': (18, 50, 80),
    'sock_addr_recvmsg_unix': (18, 51, 80), 'sock_addr_getpeername_unix': (18, 52, 80),
    'sock_addr_getsockname_unix': (18, 53, 80),
    'sock_ops': (13, 0, 232),
    'sk_skb': (14, 0, 200), 'sk_skb_stream_parser': (14, 4, 200), 'sk_skb_stream_verdict': (14, 5, 200),
    'sk_skb_verdict': (14, 38, 200),
    'sk_msg': (16, 7, 80),
    'cgroup_device': (15, 6, 16),
    'cgroup_sysctl': (23, 18, 16),
    'cgroup_getsockopt': (25, 21, 48), 'cgroup_setsockopt': (25, 22, 48),
    'lwt_in': (10, 0, 200), 'lwt_out': (11, 0, 200), 'lwt_xmit': (12, 0, 200), 'lwt_seg6local': (19, 0, 200),
    'flow_dissector': (22, 17, 200),
    'sk_lookup': (30, 36, 80),
    'sk_reuseport_select': (21, 39, 64), 'sk_reuseport_migrate': (21, 40, 64),
}
LDX = {1: 0x71, 2: 0x69, 4: 0x61, 8: 0x79}
STX = {1: 0x73, 2: 0x6b, 4: 0x63, 8: 0x7b}
ST = {1: 0x72, 2: 0x6a, 4: 0x62, 8: 0x7a}
MOV0 = insn(0xb7, 0, 0, 0, 0)
MOV1 = insn(0xb7, 0, 0, 0, 1)  # 1 is a return value every type accepts (recvmsg and getpeername need it)
EXIT = insn(0x95)
MAXID = 212

def loads(t, att, body, level=1):
    fd, err, log = prog_load(t, body, attach=att, log_level=level)
    if fd >= 0: close(fd)
    return fd >= 0, log

def test_run_errno(t, att):
    # BPF_PROG_TEST_RUN of `r0 = 1; exit` with 64 zero bytes of data_in: 0 or the errno
    fd, err, log = prog_load(t, MOV1 + EXIT, attach=att)
    if fd < 0: return None
    data = ctypes.create_string_buffer(64)
    attr = bytearray(80)
    struct.pack_into('<IIIIQ', attr, 0, fd, 0, 64, 0, ctypes.addressof(data))
    r, e = bpf(10, attr)
    close(fd)
    return 0 if r == 0 else e

def reg_type(log):
    for l in log.split('\n'):
        m = re.match(r'^0: \(\w+\) r0 = .*; R0(?:_w)?=([a-z_]+)', l)
        if m: return m.group(1)
    return '?'

def only(sel):
    return [n for n in CASES if not sel or n in sel]

out = {'kernel': os.uname().release, 'cases': {}}
for name in only(sys.argv[1:]):
    t, att, n = CASES[name]
    reads, writes, stores, ret, helpers = {}, [], [], [], []
    for size in (1, 2, 4, 8):
        for off in range(0, n):
            key = '%d:%d' % (off, size)
            ok, log = loads(t, att, insn(LDX[size], 0, 1, off, 0) + MOV1 + EXIT, 2)
            if ok: reads[key] = reg_type(log)
            if loads(t, att, MOV0 + insn(STX[size], 1, 0, off, 0) + MOV1 + EXIT)[0]: writes.append(key)
            if loads(t, att, insn(ST[size], 1, 0, off, 7) + MOV1 + EXIT)[0]: stores.append(key)
    for k in (-1, 0, 1, 2, 3, 4):
        if loads(t, att, insn(0xb7, 0, 0, 0, k) + EXIT)[0]: ret.append(k)
    for fid in range(1, MAXID + 1):
        ok, log = loads(t, att, insn(0x85, 0, 0, 0, fid) + MOV1 + EXIT)
        # a helper the type may call but whose arguments r1..r5 (uninitialised) fail the checks
        if ok or not ('cannot use helper' in log or 'not supported for program type' in log
                      or 'not allowed in probe' in log or 'invalid func' in log or 'unknown func' in log
                      or 'might sleep' in log):
            helpers.append(fid)
    # direct packet access through the ctx's data / data_end pair (when it has one):
    # r2 = data; r3 = data_end; if r2 + 1 > r3 goto out; r0 = *(u8 *)(r2 + 0) (or a store)
    pkt = 'none'
    d = [k for k, v in reads.items() if v == 'pkt']
    e = [k for k, v in reads.items() if v == 'pkt_end']
    if d and e:
        (do, ds), (eo, es) = map(int, d[0].split(':')), map(int, e[0].split(':'))
        head = insn(LDX[ds], 2, 1, do, 0) + insn(LDX[es], 3, 1, eo, 0) + insn(0xbf, 4, 2) + insn(0x07, 4, 0, 0, 1) + insn(0x2d, 4, 3, 1, 0)
        if loads(t, att, head + insn(0x71, 0, 2, 0, 0) + MOV1 + EXIT)[0]: pkt = 'read'
        if loads(t, att, head + insn(0x72, 2, 0, 0, 1) + MOV1 + EXIT)[0]: pkt = 'write'
    # LD_ABS: r6 = r1; r0 = *(u8 *)skb[0]
    ldabs = loads(t, att, insn(0xbf, 6, 1) + insn(0x30, 0, 0, 0, 0) + MOV1 + EXIT)[0]
    out['cases'][name] = {'testRun': test_run_errno(t, att), 'packet': pkt, 'ldAbs': ldabs, 'type': t, 'attach': att, 'probed': n, 'reads': reads, 'writes': writes,
                          'stores': stores, 'ret': ret, 'helpers': helpers}
    print(name, len(reads), len(writes), ret, len(helpers), file=sys.stderr)
# LD_ABS for every program type (with the attach type helpers.py loads it with)
if not sys.argv[1:]:
    out['ldAbs'] = {}
    for t, att in {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0, 13: 0, 14: 0, 15: 0,
                   16: 0, 17: 0, 18: 8, 19: 0, 21: 0, 22: 0, 23: 0, 25: 21, 30: 36}.items():
        out['ldAbs'][t] = loads(t, att, insn(0xbf, 6, 1) + insn(0x30, 0, 0, 0, 0) + MOV1 + EXIT)[0]
# expected attach types each program type loads with (r0 = 1; exit), 0..60
if not sys.argv[1:]:
    out['attach'] = {}
    for t in out['ldAbs']:
        out['attach'][t] = [a for a in range(61) if loads(t, a, MOV1 + EXIT)[0]]
json.dump(out, sys.stdout)
print()

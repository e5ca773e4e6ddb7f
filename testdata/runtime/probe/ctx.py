# Records, from the running kernel, the context access rules of the program types tsbpf
# runs: for every offset and size, whether a load (and a store of a scalar) is accepted, and
# the kernel's rewritten (xlated) instructions for it. Loads are `r0 = *(size *)(r1 + off)`,
# writes `*(size *)(r1 + off) = r0` (r0 = 0), stores `*(size *)(r1 + off) = 7` (BPF_ST). Output: JSON on stdout, committed as
# testdata/runtime/kernel-ctx.json.
import json, sys
from bpfsys import *

# name -> (prog type, expected attach type, bytes to probe)
CASES = {
    'xdp': (6, 0, 32), 'xdp_devmap': (6, 33, 32),
    'socket_filter': (1, 0, 200), 'sched_cls': (3, 0, 200), 'sched_act': (4, 0, 200),
    'cgroup_skb_ingress': (8, 0, 200), 'cgroup_skb_egress': (8, 1, 200),
    'kprobe': (2, 0, 176), 'tracepoint': (5, 0, 64), 'raw_tracepoint': (17, 0, 104),
    'perf_event': (7, 0, 192),
}
LDX = {1: 0x71, 2: 0x69, 4: 0x61, 8: 0x79}
STX = {1: 0x73, 2: 0x6b, 4: 0x63, 8: 0x7b}
ST = {1: 0x72, 2: 0x6a, 4: 0x62, 8: 0x7a}
MOV0 = insn(0xb7, 0, 0, 0, 0)
EXIT = insn(0x95)

def try_load(t, att, body):
    fd, err, log = prog_load(t, body, attach=att)
    if fd < 0:
        lines = [l for l in log.split('\n') if l and not l.startswith('processed') and not l[0].isdigit()]
        return None, lines[-1] if lines else 'errno %d' % err
    info = prog_info(fd)
    x = xlated(fd, info['xlated_len'])
    close(fd)
    return x.hex(), None

out = {'kernel': os.uname().release, 'cases': {}}
for name, (t, att, n) in CASES.items():
    reads, writes, stores = {}, {}, {}
    for size in (1, 2, 4, 8):
        for off in range(0, n, 1):
            x, why = try_load(t, att, insn(LDX[size], 0, 1, off, 0) + MOV0 + EXIT)
            if x is not None: reads['%d:%d' % (off, size)] = x[:-32]  # drop the trailing r0 = 0; exit
            x, why = try_load(t, att, MOV0 + insn(STX[size], 1, 0, off, 0) + EXIT)
            if x is not None: writes['%d:%d' % (off, size)] = x[16:-16]
            x, why = try_load(t, att, insn(ST[size], 1, 0, off, 7) + MOV0 + EXIT)
            if x is not None: stores['%d:%d' % (off, size)] = x[:-32]
    out['cases'][name] = {'type': t, 'attach': att, 'reads': reads, 'writes': writes, 'stores': stores}
json.dump(out, sys.stdout)
print()

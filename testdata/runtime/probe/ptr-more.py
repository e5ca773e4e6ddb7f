# Records, from the running kernel, which loads and stores the verifier allows through the
# socket pointers a program can get from its context or from helpers (PTR_TO_SOCKET,
# PTR_TO_SOCK_COMMON, PTR_TO_TCP_SOCK: struct bpf_sock / bpf_tcp_sock) and through
# PTR_TO_FLOW_KEYS (struct bpf_flow_keys), for every offset and size, with the verifier's
# message for one refused read and write of each. Output: JSON on stdout, committed as
# testdata/runtime/kernel-ptr-more.json. Needs root.
import json, sys
from bpfsys import *

LDX = {1: 0x71, 2: 0x69, 4: 0x61, 8: 0x79}
STX = {1: 0x73, 2: 0x6b, 4: 0x63, 8: 0x7b}
MOV1 = insn(0xb7, 0, 0, 0, 1)
EXIT = insn(0x95)

def sock(acc):      # cgroup/connect4: r2 = ctx->sk (never NULL)
    return (18, 10, insn(0x79, 2, 1, 64, 0) + acc(2) + MOV1 + EXIT)
def sock_common(acc):  # tc: r2 = skb->sk; if r2 == 0 skip
    return (3, 0, MOV1 + insn(0x79, 2, 1, 168, 0) + insn(0x15, 2, 0, 1, 0) + acc(2) + EXIT)
def tcp_sock(acc):  # sock_ops: r1 = ctx->sk; NULL check; r0 = bpf_tcp_sock(r1); NULL check
    return (13, 0, insn(0x79, 1, 1, 184, 0) + insn(0x15, 1, 0, 3, 0) + insn(0x85, 0, 0, 0, 96)
            + insn(0x15, 0, 0, 1, 0) + acc(0) + MOV1 + EXIT)
def flow_keys(acc):  # flow_dissector: r2 = skb->flow_keys
    return (22, 17, insn(0x79, 2, 1, 144, 0) + acc(2) + MOV1 + EXIT)

KINDS = {'sock': (sock, 96), 'sock_common': (sock_common, 96), 'tcp_sock': (tcp_sock, 128), 'flow_keys': (flow_keys, 72)}

def last_error(log):
    lines = [l for l in log.split('\n') if l and not l.startswith('processed') and not l[0].isdigit() and not l.startswith(';')]
    return lines[-1] if lines else ''

out = {'kernel': os.uname().release, 'kinds': {}}
for name, (make, n) in KINDS.items():
    reads, writes, rmsg, wmsg = [], [], {}, {}
    for size in (1, 2, 4, 8):
        for off in range(0, n):
            key = '%d:%d' % (off, size)
            for acc, lst, msgs in ((lambda r: insn(LDX[size], 3, r, off, 0), reads, rmsg),
                                   (lambda r: insn(0xb7, 3, 0, 0, 0) + insn(STX[size], r, 3, off, 0), writes, wmsg)):
                t, att, code = make(acc)
                fd, err, log = prog_load(t, code, attach=att)
                if fd >= 0:
                    close(fd); lst.append(key)
                else:
                    msgs[key] = last_error(log)
    out['kinds'][name] = {'probed': n, 'reads': reads, 'writes': writes, 'readErrors': rmsg, 'writeErrors': wmsg}
    print(name, len(reads), len(writes), file=sys.stderr)
json.dump(out, sys.stdout)
print()

// Loads through the socket pointers a program gets from its context or from helpers
// (the verifier's PTR_TO_SOCKET, PTR_TO_SOCK_COMMON: struct bpf_sock; PTR_TO_TCP_SOCK:
// struct bpf_tcp_sock) and through PTR_TO_FLOW_KEYS (struct bpf_flow_keys), as the running
// kernel (6.18) answers: checked against testdata/runtime/kernel-ptr-more.json (probed by
// testdata/runtime/probe/ptr-more.py). Socket pointers are read-only; flow keys are read
// and written at any offset and size inside the struct.

import { checkAccess, field, NARROW } from './ctx.js';
import type { CtxField } from './types.js';

export type SockPtrKind = 'sock' | 'sock_common' | 'tcp_sock';

const R4 = [4];
const START = 'start' as const;

/** struct bpf_sock through a full socket pointer. */
const SOCK: CtxField[] = [
  field('bound_dev_if', 0, 4, R4),
  field('family', 4, 4, NARROW, [], 'scalar', START),
  field('type', 8, 4, NARROW, [], 'scalar', START),
  field('protocol', 12, 4, NARROW, [], 'scalar', START),
  field('mark', 16, 4, R4),
  field('priority', 20, 4, R4),
  field('src_ip4', 24, 4, NARROW),
  field('src_ip6', 28, 16, NARROW),
  field('src_port', 44, 4, NARROW, [], 'scalar', START),
  field('dst_port', 48, 4, NARROW, [], 'scalar', 2),
  field('dst_ip4', 52, 4, NARROW),
  field('dst_ip6', 56, 16, NARROW),
  field('state', 72, 4, NARROW, [], 'scalar', START),
  field('rx_queue_mapping', 76, 4, NARROW, [], 'scalar', START),
];

/** struct bpf_sock through a sock_common pointer: what struct sock_common holds. */
const SOCK_COMMON: CtxField[] = SOCK.filter((f) => !['type', 'protocol', 'mark', 'priority'].includes(f.name));

const TCP_SOCK_U32 = [
  'snd_cwnd', 'srtt_us', 'rtt_min', 'snd_ssthresh', 'rcv_nxt', 'snd_nxt', 'snd_una', 'mss_cache', 'ecn_flags',
  'rate_delivered', 'rate_interval_us', 'packets_out', 'retrans_out', 'total_retrans', 'segs_in', 'data_segs_in',
  'segs_out', 'data_segs_out', 'lost_out', 'sacked_out',
] as const;

/** struct bpf_tcp_sock (112 bytes): full-width loads only. */
const TCP_SOCK: CtxField[] = [
  ...TCP_SOCK_U32.map((n, i) => field(n, i * 4, 4, R4)),
  field('bytes_received', 80, 8, [8]),
  field('bytes_acked', 88, 8, [8]),
  field('dsack_dups', 96, 4, R4),
  field('delivered', 100, 4, R4),
  field('delivered_ce', 104, 4, R4),
  field('icsk_retransmits', 108, 4, R4),
];

const TABLES: Record<SockPtrKind, CtxField[]> = { sock: SOCK, sock_common: SOCK_COMMON, tcp_sock: TCP_SOCK };

/** May a program load `size` bytes at `off` through a pointer of this kind? */
export function sockPtrAccess(kind: SockPtrKind, off: number, size: number): boolean {
  return checkAccess(TABLES[kind], kind, off, size, false).ok;
}

/** sizeof(struct bpf_flow_keys). */
export const FLOW_KEYS_SIZE = 56;

/** May a program load or store `size` bytes at `off` of the flow keys? */
export function flowKeysAccess(off: number, size: number): boolean {
  return off >= 0 && off + size <= FLOW_KEYS_SIZE;
}

// Socket program types: cgroup/sock (struct bpf_sock), cgroup sock_addr (struct
// bpf_sock_addr), sock_ops (struct bpf_sock_ops), sk_msg (struct sk_msg_md), sk_lookup
// (struct bpf_sk_lookup), sk_reuseport (struct sk_reuseport_md). Which fields each attach
// type may load and store, with which sizes, which helpers it may call and which return
// values it may give, as the running kernel (6.18) answers: checked against
// testdata/runtime/kernel-ctx-more.json, probed by testdata/runtime/probe/ctx-more.py.
// None of these types has a BPF_PROG_TEST_RUN operation except sk_lookup (ctx_in only).

import { AttachType as A, ProgType } from '../uapi/bpf.js';
import { field, NARROW, NARROW8 } from './ctx.js';
import { FUNC_GET_RETVAL, FUNC_SET_RETVAL, retvalHelpers, simpleInfo } from './common.js';
import type { CtxField } from './types.js';

const W4 = [4];
const R4 = [4];

// ---- cgroup/sock: struct bpf_sock (80 bytes) -----------------------------------------

export const BPF_SOCK = {
  bound_dev_if: 0, family: 4, type: 8, protocol: 12, mark: 16, priority: 20, src_ip4: 24, src_ip6: 28,
  src_port: 44, dst_port: 48, dst_ip4: 52, dst_ip6: 56, state: 72, rx_queue_mapping: 76,
} as const;

function bpfSockFields(attach: number): CtxField[] {
  // sock_create / sock_release may set bound_dev_if, mark and priority; post_bind hooks see
  // the bound source address of their family instead
  const create = attach === A.CGROUP_INET_SOCK_CREATE || attach === A.CGROUP_INET_SOCK_RELEASE;
  const v4 = attach === A.CGROUP_INET4_POST_BIND;
  const v6 = attach === A.CGROUP_INET6_POST_BIND;
  const f: CtxField[] = [];
  if (create) f.push(field('bound_dev_if', 0, 4, R4, W4));
  f.push(field('family', 4, 4, NARROW, [], 'scalar', 'start'));
  f.push(field('type', 8, 4, NARROW, [], 'scalar', 'start'));
  f.push(field('protocol', 12, 4, NARROW, [], 'scalar', 'start'));
  if (create) f.push(field('mark', 16, 4, R4, W4), field('priority', 20, 4, R4, W4));
  if (v4) f.push(field('src_ip4', 24, 4, NARROW));
  if (v6) f.push(field('src_ip6', 28, 16, NARROW));
  if (v4 || v6) f.push(field('src_port', 44, 4, NARROW, [], 'scalar', 'start'));
  f.push(field('dst_port', 48, 4, NARROW, [], 'scalar', 2));
  f.push(field('dst_ip4', 52, 4, NARROW));
  f.push(field('dst_ip6', 56, 16, NARROW));
  f.push(field('state', 72, 4, NARROW, [], 'scalar', 'start'));
  f.push(field('rx_queue_mapping', 76, 4, NARROW, [], 'scalar', 'start'));
  return f;
}

export const CGROUP_SOCK_INFO = simpleInfo({
  type: ProgType.CGROUP_SOCK, name: 'cgroup_sock', ctxName: 'bpf_sock', ctxSize: 80,
  // bpf_prog_load_fixup_attach_type: no attach type means BPF_CGROUP_INET_SOCK_CREATE
  defaultAttach: A.CGROUP_INET_SOCK_CREATE,
  attachTypes: [0, A.CGROUP_INET_SOCK_CREATE, A.CGROUP_INET4_POST_BIND, A.CGROUP_INET6_POST_BIND, A.CGROUP_INET_SOCK_RELEASE],
  fields: bpfSockFields,
  retRange: () => [0, 1],
});

// ---- cgroup sock_addr: struct bpf_sock_addr (72 bytes) -------------------------------

export const BPF_SOCK_ADDR = {
  user_family: 0, user_ip4: 4, user_ip6: 8, user_port: 24, family: 28, type: 32, protocol: 36,
  msg_src_ip4: 40, msg_src_ip6: 44, sk: 64,
} as const;

const SA_V4 = new Set<number>([A.CGROUP_INET4_BIND, A.CGROUP_INET4_CONNECT, A.CGROUP_UDP4_SENDMSG,
  A.CGROUP_UDP4_RECVMSG, A.CGROUP_INET4_GETPEERNAME, A.CGROUP_INET4_GETSOCKNAME]);
const SA_V6 = new Set<number>([A.CGROUP_INET6_BIND, A.CGROUP_INET6_CONNECT, A.CGROUP_UDP6_SENDMSG,
  A.CGROUP_UDP6_RECVMSG, A.CGROUP_INET6_GETPEERNAME, A.CGROUP_INET6_GETSOCKNAME]);
/** Attach types whose programs must return 1 (they cannot refuse). */
const SA_RET1 = new Set<number>([A.CGROUP_UDP4_RECVMSG, A.CGROUP_UDP6_RECVMSG, A.CGROUP_UNIX_RECVMSG,
  A.CGROUP_INET4_GETPEERNAME, A.CGROUP_INET6_GETPEERNAME, A.CGROUP_UNIX_GETPEERNAME,
  A.CGROUP_INET4_GETSOCKNAME, A.CGROUP_INET6_GETSOCKNAME, A.CGROUP_UNIX_GETSOCKNAME]);
const FUNC_BIND = 64;

function sockAddrFields(attach: number): CtxField[] {
  const f: CtxField[] = [field('user_family', 0, 4, R4)];
  if (SA_V4.has(attach)) f.push(field('user_ip4', 4, 4, NARROW, W4));
  // user_ip6 / msg_src_ip6: narrow loads, and 8-byte loads and stores on 8-aligned halves
  if (SA_V6.has(attach)) f.push(field('user_ip6', 8, 16, NARROW8, [4, 8]));
  f.push(field('user_port', 24, 4, NARROW, W4));
  f.push(field('family', 28, 4, R4), field('type', 32, 4, R4), field('protocol', 36, 4, R4));
  if (attach === A.CGROUP_UDP4_SENDMSG) f.push(field('msg_src_ip4', 40, 4, NARROW, W4));
  if (attach === A.CGROUP_UDP6_SENDMSG) f.push(field('msg_src_ip6', 44, 16, NARROW8, [4, 8]));
  f.push(field('sk', 64, 8, [8], [], 'socket'));
  return f;
}

export const CGROUP_SOCK_ADDR_INFO = simpleInfo({
  type: ProgType.CGROUP_SOCK_ADDR, name: 'cgroup_sock_addr', ctxName: 'bpf_sock_addr', ctxSize: 72,
  attachTypes: [...SA_V4, ...SA_V6, A.CGROUP_UNIX_CONNECT, A.CGROUP_UNIX_SENDMSG, A.CGROUP_UNIX_RECVMSG,
    A.CGROUP_UNIX_GETPEERNAME, A.CGROUP_UNIX_GETSOCKNAME].sort((a, b) => a - b),
  fields: sockAddrFields,
  helper: (id, attach) => {
    if (id === FUNC_BIND) return attach === A.CGROUP_INET4_CONNECT || attach === A.CGROUP_INET6_CONNECT;
    if (id === FUNC_GET_RETVAL || id === FUNC_SET_RETVAL) return retvalHelpers(attach);
    return undefined;
  },
  retRange: (attach) => {
    if (SA_RET1.has(attach)) return [1, 1];
    // bind hooks may also ask to skip the port range check (bit 1)
    if (attach === A.CGROUP_INET4_BIND || attach === A.CGROUP_INET6_BIND) return [0, 3];
    return [0, 1];
  },
});

// ---- sock_ops: struct bpf_sock_ops (224 bytes) ---------------------------------------

const SOCK_OPS_U32 = [
  'op', 'args[0]', 'args[1]', 'args[2]', 'args[3]', 'family', 'remote_ip4', 'local_ip4',
  'remote_ip6[0]', 'remote_ip6[1]', 'remote_ip6[2]', 'remote_ip6[3]',
  'local_ip6[0]', 'local_ip6[1]', 'local_ip6[2]', 'local_ip6[3]', 'remote_port', 'local_port',
  'is_fullsock', 'snd_cwnd', 'srtt_us', 'bpf_sock_ops_cb_flags', 'state', 'rtt_min', 'snd_ssthresh',
  'rcv_nxt', 'snd_nxt', 'snd_una', 'mss_cache', 'ecn_flags', 'rate_delivered', 'rate_interval_us',
  'packets_out', 'retrans_out', 'total_retrans', 'segs_in', 'data_segs_in', 'segs_out',
  'data_segs_out', 'lost_out', 'sacked_out', 'sk_txhash',
] as const;

const SOCK_OPS_FIELDS: CtxField[] = [
  // 4-byte loads only; `reply` (= args[0]) and sk_txhash may be stored
  ...SOCK_OPS_U32.map((n, i) => field(n, i * 4, 4, R4, n === 'args[0]' || n === 'sk_txhash' ? W4 : [])),
  field('bytes_received', 168, 8, [8]),
  field('bytes_acked', 176, 8, [8]),
  field('sk', 184, 8, [8], [], 'socket_or_null'),
  field('skb_data', 192, 8, [8], [], 'pkt'),
  field('skb_data_end', 200, 8, [8], [], 'pkt_end'),
  field('skb_len', 208, 4, R4),
  field('skb_tcp_flags', 212, 4, NARROW, [], 'scalar', 'start'),
  field('skb_hwtstamp', 216, 8, [8]),
];

export const SOCK_OPS_INFO = simpleInfo({
  type: ProgType.SOCK_OPS, name: 'sock_ops', ctxName: 'bpf_sock_ops', ctxSize: 224,
  fields: () => SOCK_OPS_FIELDS,
  packetAccess: 'read',
  retRange: () => [0, 1],
});

// ---- sk_msg: struct sk_msg_md (80 bytes) ---------------------------------------------

const SK_MSG_FIELDS: CtxField[] = [
  field('data', 0, 8, [8], [], 'pkt'),
  field('data_end', 8, 8, [8], [], 'pkt_end'),
  field('family', 16, 4, R4), field('remote_ip4', 20, 4, R4), field('local_ip4', 24, 4, R4),
  field('remote_ip6', 28, 16, R4), field('local_ip6', 44, 16, R4),
  field('remote_port', 60, 4, R4), field('local_port', 64, 4, R4), field('size', 68, 4, R4),
  field('sk', 72, 8, [8], [], 'socket'),
];

export const SK_MSG_INFO = simpleInfo({
  type: ProgType.SK_MSG, name: 'sk_msg', ctxName: 'sk_msg_md', ctxSize: 80,
  fields: () => SK_MSG_FIELDS,
  packetAccess: 'write',
});

// ---- sk_lookup: struct bpf_sk_lookup (72 bytes) --------------------------------------

const SK_LOOKUP_FIELDS: CtxField[] = [
  field('sk', 0, 8, [8], [], 'socket_or_null'),
  field('family', 8, 4, NARROW), field('protocol', 12, 4, NARROW), field('remote_ip4', 16, 4, NARROW),
  field('remote_ip6', 20, 16, NARROW), field('remote_port', 36, 4, NARROW), field('local_ip4', 40, 4, NARROW),
  field('local_ip6', 44, 16, NARROW), field('local_port', 60, 4, NARROW), field('ingress_ifindex', 64, 4, NARROW),
];

export const SK_LOOKUP_INFO = simpleInfo({
  type: ProgType.SK_LOOKUP, name: 'sk_lookup', ctxName: 'bpf_sk_lookup', ctxSize: 72,
  defaultAttach: A.SK_LOOKUP,
  attachTypes: [A.SK_LOOKUP],
  fields: () => SK_LOOKUP_FIELDS,
  retRange: () => [0, 1],
  // test-run as bpf_prog_test_run_sk_lookup (src/runtime/testrun.ts)
  testRunErrno: null,
});

// ---- sk_reuseport: struct sk_reuseport_md (56 bytes) ---------------------------------

const SK_REUSEPORT_FIELDS: CtxField[] = [
  field('data', 0, 8, [8], [], 'pkt'),
  field('data_end', 8, 8, [8], [], 'pkt_end'),
  field('len', 16, 4, NARROW),
  field('eth_protocol', 20, 4, [2, 4]),
  field('ip_protocol', 24, 4, NARROW),
  field('bind_inany', 28, 4, NARROW),
  field('hash', 32, 4, R4),
  field('sk', 40, 8, [8], [], 'socket'),
  field('migrating_sk', 48, 8, [8], [], 'sock_common_or_null'),
];

export const SK_REUSEPORT_INFO = simpleInfo({
  type: ProgType.SK_REUSEPORT, name: 'sk_reuseport', ctxName: 'sk_reuseport_md', ctxSize: 56,
  defaultAttach: A.SK_REUSEPORT_SELECT,
  attachTypes: [0, A.SK_REUSEPORT_SELECT, A.SK_REUSEPORT_SELECT_OR_MIGRATE],
  fields: () => SK_REUSEPORT_FIELDS,
  packetAccess: 'read',
});

// struct __sk_buff (192 bytes) as socket filters, tc programs (sched_cls / sched_act) and
// cgroup_skb programs see it: which fields each may load and store, with which sizes, as
// the running kernel answers (checked against testdata/runtime/kernel-ctx.json in
// progs.test.ts).

import { ProgType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { KERNEL_HELPER_ACCESS } from './helper-access.js';
import { checkAccess, field, NARROW, NARROW8, parseRanges, ptrSlot, rewritePtrLoad } from './ctx.js';
import type { CtxField, ProgTypeInfo } from './types.js';

export const SKB_CTX_SIZE = 192;
/** Pointer fields backed by internal 64-bit slots after the struct, in this order. */
export const SKB_PTR_FIELDS = ['data', 'data_end', 'data_meta'] as const;
export const SKB_SLOT_DATA = ptrSlot(SKB_CTX_SIZE, SKB_PTR_FIELDS, 'data');
export const SKB_SLOT_DATA_END = ptrSlot(SKB_CTX_SIZE, SKB_PTR_FIELDS, 'data_end');
export const SKB_SLOT_DATA_META = ptrSlot(SKB_CTX_SIZE, SKB_PTR_FIELDS, 'data_meta');
/** Bytes of the ctx region: the struct and the pointer slots. */
export const SKB_CTX_MEM = SKB_SLOT_DATA_META + 8;

/** UAPI offsets of struct __sk_buff. */
export const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68,
  tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96,
  remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140, flow_keys: 144,
  tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176, tstamp_type: 180, hwtstamp: 184,
} as const;

type SkbKind = 'socket_filter' | 'tc' | 'cgroup_skb' | 'lwt' | 'sk_skb' | 'flow_dissector';

function skbFields(kind: SkbKind): CtxField[] {
  if (kind === 'flow_dissector') {
    // only the packet bounds and the flow keys the program fills in
    return [
      field('data', 76, 4, [4], [], 'pkt'),
      field('data_end', 80, 4, [4], [], 'pkt_end'),
      field('flow_keys', 144, 8, [8], [], 'flow_keys'),
    ];
  }
  const tc = kind === 'tc';
  const cg = kind === 'cgroup_skb';
  const lwt = kind === 'lwt';
  const sks = kind === 'sk_skb';
  const W4 = [4];
  const f: CtxField[] = [
    field('len', 0, 4, NARROW),
    field('pkt_type', 4, 4, NARROW),
  ];
  if (!sks) f.push(field('mark', 8, 4, NARROW, tc || cg || lwt ? W4 : []));
  f.push(
    field('queue_mapping', 12, 4, NARROW, tc ? W4 : []),
    field('protocol', 16, 4, NARROW),
    field('vlan_present', 20, 4, NARROW),
    field('vlan_tci', 24, 4, NARROW),
    field('vlan_proto', 28, 4, NARROW),
    field('priority', 32, 4, NARROW, tc || cg || lwt || sks ? W4 : []),
    field('ingress_ifindex', 36, 4, NARROW),
    field('ifindex', 40, 4, NARROW),
    field('tc_index', 44, 4, NARROW, tc || sks ? W4 : []),
    field('cb', 48, 20, NARROW8, sks ? [] : NARROW8),
    field('hash', 68, 4, NARROW),
  );
  if (tc) f.push(field('tc_classid', 72, 4, NARROW, W4));
  if (tc || cg || lwt || sks) {
    f.push(field('data', 76, 4, [4], [], 'pkt'));
    f.push(field('data_end', 80, 4, [4], [], 'pkt_end'));
  }
  f.push(field('napi_id', 84, 4, NARROW));
  if (cg || sks) {
    f.push(field('family', 88, 4, NARROW));
    f.push(field('remote_ip4', 92, 4, [4]));
    f.push(field('local_ip4', 96, 4, [4]));
    f.push(field('remote_ip6', 100, 16, [4]));
    f.push(field('local_ip6', 116, 16, [4]));
    f.push(field('remote_port', 132, 4, NARROW));
    f.push(field('local_port', 136, 4, NARROW));
  }
  if (tc) f.push(field('data_meta', 140, 4, [4], [], 'pkt_meta'));
  if (tc || cg) f.push(field('tstamp', 152, 8, [8], [8]));
  if (tc) f.push(field('wire_len', 160, 4, NARROW));
  f.push(field('gso_segs', 164, 4, NARROW));
  f.push(field('sk', 168, 8, [8], [], 'sock_common_or_null'));
  f.push(field('gso_size', 176, 4, NARROW));
  if (tc) f.push(field('tstamp_type', 180, 1, [1]));
  if (tc || cg) f.push(field('hwtstamp', 184, 8, [8]));
  return f;
}

function skbInfo(type: ProgType, name: string, kind: SkbKind, testRunErrno?: number): ProgTypeInfo {
  const fields = skbFields(kind);
  const helpers = parseRanges(KERNEL_HELPER_ACCESS.get(type)!.allowed);
  const slots: Record<string, number> = {
    data: SKB_SLOT_DATA, data_end: SKB_SLOT_DATA_END, data_meta: SKB_SLOT_DATA_META,
  };
  return Object.freeze({
    type, name, ctxName: '__sk_buff', ctxSize: SKB_CTX_SIZE, fields,
    ctxMemSize: SKB_CTX_MEM, ptrSlots: slots,
    ctxAccess: (off: number, size: number, write: boolean) => checkAccess(fields, '__sk_buff', off, size, write),
    rewriteCtxAccess: (insn, f) => (f.type === 'pkt' || f.type === 'pkt_end' || f.type === 'pkt_meta' ? rewritePtrLoad(insn, slots[f.name]!) : undefined),
    helperAllowed: (id: number) => helpers.has(id),
    packetAccess: kind === 'socket_filter' ? 'none'
      : kind === 'cgroup_skb' || kind === 'flow_dissector' || (kind === 'lwt' && type !== ProgType.LWT_XMIT) ? 'read' : 'write',
    ldAbs: kind === 'socket_filter' || kind === 'tc', // may_access_skb: not cgroup_skb
    ...(testRunErrno !== undefined ? { testRunErrno } : {}),
    // cgroup_skb: BPF_CGROUP_INET_INGRESS or _EGRESS only
    ...(kind === 'cgroup_skb' ? { attachTypes: Object.freeze([0, 1]) } : {}),
    retRange: (attachType?: number) => {
      if (kind !== 'cgroup_skb') return undefined;
      // BPF_CGROUP_INET_EGRESS (1) may also return 2 and 3 (congestion notification)
      return attachType === 1 ? [0, 3] as const : [0, 1] as const;
    },
  } satisfies ProgTypeInfo);
}

export const SOCKET_FILTER_INFO = skbInfo(ProgType.SOCKET_FILTER, 'socket_filter', 'socket_filter');
export const SCHED_CLS_INFO = skbInfo(ProgType.SCHED_CLS, 'sched_cls', 'tc');
export const SCHED_ACT_INFO = skbInfo(ProgType.SCHED_ACT, 'sched_act', 'tc');
export const CGROUP_SKB_INFO = skbInfo(ProgType.CGROUP_SKB, 'cgroup_skb', 'cgroup_skb');
// lwt_in / out / xmit run like cgroup_skb (from the network header), flow_dissector on the
// frame with data_out = the flow keys; seg6local and sk_skb have no test_run operation.
export const LWT_IN_INFO = skbInfo(ProgType.LWT_IN, 'lwt_in', 'lwt');
export const LWT_OUT_INFO = skbInfo(ProgType.LWT_OUT, 'lwt_out', 'lwt');
export const LWT_XMIT_INFO = skbInfo(ProgType.LWT_XMIT, 'lwt_xmit', 'lwt');
export const LWT_SEG6LOCAL_INFO = skbInfo(ProgType.LWT_SEG6LOCAL, 'lwt_seg6local', 'lwt', Errno.ENOTSUPP);
export const SK_SKB_INFO = skbInfo(ProgType.SK_SKB, 'sk_skb', 'sk_skb', Errno.ENOTSUPP);
export const FLOW_DISSECTOR_INFO = skbInfo(ProgType.FLOW_DISSECTOR, 'flow_dissector', 'flow_dissector');

// Program types: progTypeInfo(type) describes the context, its access rules and rewrites,
// the helpers a type may call and what its return value means. Types tsbpf does not run
// yield undefined.

import { ProgType } from '../uapi/bpf.js';
import { CGROUP_DEVICE_INFO, CGROUP_SOCKOPT_INFO, CGROUP_SYSCTL_INFO } from './cgroup.js';
import {
  CGROUP_SKB_INFO, FLOW_DISSECTOR_INFO, LWT_IN_INFO, LWT_OUT_INFO, LWT_SEG6LOCAL_INFO, LWT_XMIT_INFO,
  SCHED_ACT_INFO, SCHED_CLS_INFO, SK_SKB_INFO, SOCKET_FILTER_INFO,
} from './skb.js';
import {
  CGROUP_SOCK_ADDR_INFO, CGROUP_SOCK_INFO, SK_LOOKUP_INFO, SK_MSG_INFO, SK_REUSEPORT_INFO, SOCK_OPS_INFO,
} from './sock.js';
import { KPROBE_INFO, PERF_EVENT_INFO, RAW_TRACEPOINT_INFO, TRACEPOINT_INFO } from './tracing.js';
import type { ProgTypeInfo } from './types.js';
import { XDP_INFO } from './xdp.js';

const INFOS = new Map<number, ProgTypeInfo>([
  [ProgType.SOCKET_FILTER, SOCKET_FILTER_INFO],
  [ProgType.KPROBE, KPROBE_INFO],
  [ProgType.SCHED_CLS, SCHED_CLS_INFO],
  [ProgType.SCHED_ACT, SCHED_ACT_INFO],
  [ProgType.TRACEPOINT, TRACEPOINT_INFO],
  [ProgType.XDP, XDP_INFO],
  [ProgType.PERF_EVENT, PERF_EVENT_INFO],
  [ProgType.CGROUP_SKB, CGROUP_SKB_INFO],
  [ProgType.RAW_TRACEPOINT, RAW_TRACEPOINT_INFO],
  [ProgType.CGROUP_SOCK, CGROUP_SOCK_INFO],
  [ProgType.CGROUP_SOCK_ADDR, CGROUP_SOCK_ADDR_INFO],
  [ProgType.SOCK_OPS, SOCK_OPS_INFO],
  [ProgType.SK_SKB, SK_SKB_INFO],
  [ProgType.SK_MSG, SK_MSG_INFO],
  [ProgType.CGROUP_DEVICE, CGROUP_DEVICE_INFO],
  [ProgType.CGROUP_SYSCTL, CGROUP_SYSCTL_INFO],
  [ProgType.CGROUP_SOCKOPT, CGROUP_SOCKOPT_INFO],
  [ProgType.LWT_IN, LWT_IN_INFO],
  [ProgType.LWT_OUT, LWT_OUT_INFO],
  [ProgType.LWT_XMIT, LWT_XMIT_INFO],
  [ProgType.LWT_SEG6LOCAL, LWT_SEG6LOCAL_INFO],
  [ProgType.FLOW_DISSECTOR, FLOW_DISSECTOR_INFO],
  [ProgType.SK_LOOKUP, SK_LOOKUP_INFO],
  [ProgType.SK_REUSEPORT, SK_REUSEPORT_INFO],
]);

/**
 * The description of program type `type`, or undefined when tsbpf does not know it. Types
 * it knows but cannot test-run carry `testRunErrno`.
 */
export function progTypeInfo(type: ProgType | number): ProgTypeInfo | undefined {
  return INFOS.get(type);
}

/** Every program type tsbpf runs. */
export function supportedProgTypes(): ProgTypeInfo[] {
  return [...INFOS.values()];
}

export type { CtxAccessResult, CtxField, CtxValueType, ProgTypeInfo } from './types.js';
export { SKB, SKB_CTX_SIZE, SKB_CTX_MEM, SKB_SLOT_DATA, SKB_SLOT_DATA_END, SKB_SLOT_DATA_META } from './skb.js';
export { XDP, XdpAction, XDP_CTX_SIZE, XDP_CTX_MEM, XDP_SLOT_DATA, XDP_SLOT_DATA_END, XDP_SLOT_DATA_META } from './xdp.js';
export { PT_REGS } from './tracing.js';
export { BPF_SOCK, BPF_SOCK_ADDR } from './sock.js';

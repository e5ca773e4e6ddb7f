// libbpf's ELF section-name table (section_defs in libbpf.c): which program type and
// expected attach type a SEC("...") name means, and which load flags it implies.
//
// Matching follows libbpf's sec_def_matches():
//  - "name"   matches exactly;
//  - "name+"  matches "name" exactly or "name/anything";
//  - "name/"  matches any name with that prefix.
// The first matching entry wins (the order below is libbpf's order).

import { AttachType, ProgType, BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS } from '../uapi/bpf.js';
import { LoaderError } from './errors.js';

/** libbpf's enum sec_def_flags. */
export const SecFlag = {
  NONE: 0,
  EXP_ATTACH_OPT: 1,
  ATTACHABLE: 2,
  ATTACHABLE_OPT: 3,
  ATTACH_BTF: 4,
  SLEEPABLE: 8,
  XDP_FRAGS: 16,
  USDT: 32,
} as const;

export interface SectionDef {
  /** The pattern as libbpf spells it (`kprobe+`, `xdp`, `tc/ingress`). */
  readonly sec: string;
  readonly type: ProgType;
  readonly expectedAttachType: AttachType | 0;
  /** SecFlag bits. */
  readonly secFlags: number;
}

const P = ProgType, A = AttachType, F = SecFlag;
const d = (sec: string, type: ProgType, expectedAttachType: AttachType | 0, secFlags: number): SectionDef =>
  ({ sec, type, expectedAttachType, secFlags });

/** The table, in libbpf's order. */
export const SECTION_DEFS: readonly SectionDef[] = [
  d('socket', P.SOCKET_FILTER, 0, F.NONE),
  d('sk_reuseport/migrate', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, F.ATTACHABLE),
  d('sk_reuseport', P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, F.ATTACHABLE),
  d('kprobe+', P.KPROBE, 0, F.NONE),
  d('uprobe+', P.KPROBE, 0, F.NONE),
  d('uprobe.s+', P.KPROBE, 0, F.SLEEPABLE),
  d('kretprobe+', P.KPROBE, 0, F.NONE),
  d('uretprobe+', P.KPROBE, 0, F.NONE),
  d('uretprobe.s+', P.KPROBE, 0, F.SLEEPABLE),
  d('kprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, F.NONE),
  d('kretprobe.multi+', P.KPROBE, A.TRACE_KPROBE_MULTI, F.NONE),
  d('kprobe.session+', P.KPROBE, A.TRACE_KPROBE_SESSION, F.NONE),
  d('uprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, F.NONE),
  d('uretprobe.multi+', P.KPROBE, A.TRACE_UPROBE_MULTI, F.NONE),
  d('uprobe.session+', P.KPROBE, A.TRACE_UPROBE_SESSION, F.NONE),
  d('uprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, F.SLEEPABLE),
  d('uretprobe.multi.s+', P.KPROBE, A.TRACE_UPROBE_MULTI, F.SLEEPABLE),
  d('uprobe.session.s+', P.KPROBE, A.TRACE_UPROBE_SESSION, F.SLEEPABLE),
  d('ksyscall+', P.KPROBE, 0, F.NONE),
  d('kretsyscall+', P.KPROBE, 0, F.NONE),
  d('usdt+', P.KPROBE, 0, F.USDT),
  d('usdt.s+', P.KPROBE, 0, F.USDT | F.SLEEPABLE),
  d('tc/ingress', P.SCHED_CLS, A.TCX_INGRESS, F.NONE),
  d('tc/egress', P.SCHED_CLS, A.TCX_EGRESS, F.NONE),
  d('tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS, F.NONE),
  d('tcx/egress', P.SCHED_CLS, A.TCX_EGRESS, F.NONE),
  d('tc', P.SCHED_CLS, 0, F.NONE),
  d('classifier', P.SCHED_CLS, 0, F.NONE),
  d('action', P.SCHED_ACT, 0, F.NONE),
  d('netkit/primary', P.SCHED_CLS, A.NETKIT_PRIMARY, F.NONE),
  d('netkit/peer', P.SCHED_CLS, A.NETKIT_PEER, F.NONE),
  d('tracepoint+', P.TRACEPOINT, 0, F.NONE),
  d('tp+', P.TRACEPOINT, 0, F.NONE),
  d('tracepoint.s+', P.TRACEPOINT, 0, F.SLEEPABLE),
  d('tp.s+', P.TRACEPOINT, 0, F.SLEEPABLE),
  d('raw_tracepoint+', P.RAW_TRACEPOINT, 0, F.NONE),
  d('raw_tp+', P.RAW_TRACEPOINT, 0, F.NONE),
  d('raw_tracepoint.s+', P.RAW_TRACEPOINT, 0, F.SLEEPABLE),
  d('raw_tp.s+', P.RAW_TRACEPOINT, 0, F.SLEEPABLE),
  d('raw_tracepoint.w+', P.RAW_TRACEPOINT_WRITABLE, 0, F.NONE),
  d('raw_tp.w+', P.RAW_TRACEPOINT_WRITABLE, 0, F.NONE),
  d('tp_btf+', P.TRACING, A.TRACE_RAW_TP, F.ATTACH_BTF),
  d('tp_btf.s+', P.TRACING, A.TRACE_RAW_TP, F.ATTACH_BTF | F.SLEEPABLE),
  d('fentry+', P.TRACING, A.TRACE_FENTRY, F.ATTACH_BTF),
  d('fmod_ret+', P.TRACING, A.MODIFY_RETURN, F.ATTACH_BTF),
  d('fexit+', P.TRACING, A.TRACE_FEXIT, F.ATTACH_BTF),
  d('fentry.s+', P.TRACING, A.TRACE_FENTRY, F.ATTACH_BTF | F.SLEEPABLE),
  d('fmod_ret.s+', P.TRACING, A.MODIFY_RETURN, F.ATTACH_BTF | F.SLEEPABLE),
  d('fexit.s+', P.TRACING, A.TRACE_FEXIT, F.ATTACH_BTF | F.SLEEPABLE),
  d('fsession+', P.TRACING, A.TRACE_FSESSION, F.ATTACH_BTF),
  d('fsession.s+', P.TRACING, A.TRACE_FSESSION, F.ATTACH_BTF | F.SLEEPABLE),
  d('fsession.multi+', P.TRACING, A.TRACE_FSESSION_MULTI, F.NONE),
  d('fsession.multi.s+', P.TRACING, A.TRACE_FSESSION_MULTI, F.SLEEPABLE),
  d('fentry.multi+', P.TRACING, A.TRACE_FENTRY_MULTI, F.NONE),
  d('fexit.multi+', P.TRACING, A.TRACE_FEXIT_MULTI, F.NONE),
  d('fentry.multi.s+', P.TRACING, A.TRACE_FENTRY_MULTI, F.SLEEPABLE),
  d('fexit.multi.s+', P.TRACING, A.TRACE_FEXIT_MULTI, F.SLEEPABLE),
  d('freplace+', P.EXT, 0, F.ATTACH_BTF),
  d('lsm+', P.LSM, A.LSM_MAC, F.ATTACH_BTF),
  d('lsm.s+', P.LSM, A.LSM_MAC, F.ATTACH_BTF | F.SLEEPABLE),
  d('lsm_cgroup+', P.LSM, A.LSM_CGROUP, F.ATTACH_BTF),
  d('iter+', P.TRACING, A.TRACE_ITER, F.ATTACH_BTF),
  d('iter.s+', P.TRACING, A.TRACE_ITER, F.ATTACH_BTF | F.SLEEPABLE),
  d('syscall', P.SYSCALL, 0, F.SLEEPABLE),
  d('xdp.frags/devmap', P.XDP, A.XDP_DEVMAP, F.XDP_FRAGS),
  d('xdp/devmap', P.XDP, A.XDP_DEVMAP, F.ATTACHABLE),
  d('xdp.frags/cpumap', P.XDP, A.XDP_CPUMAP, F.XDP_FRAGS),
  d('xdp/cpumap', P.XDP, A.XDP_CPUMAP, F.ATTACHABLE),
  d('xdp.frags', P.XDP, A.XDP, F.XDP_FRAGS),
  d('xdp', P.XDP, A.XDP, F.ATTACHABLE_OPT),
  d('perf_event', P.PERF_EVENT, 0, F.NONE),
  d('lwt_in', P.LWT_IN, 0, F.NONE),
  d('lwt_out', P.LWT_OUT, 0, F.NONE),
  d('lwt_xmit', P.LWT_XMIT, 0, F.NONE),
  d('lwt_seg6local', P.LWT_SEG6LOCAL, 0, F.NONE),
  d('sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS, F.ATTACHABLE_OPT),
  d('sk_skb/stream_parser', P.SK_SKB, A.SK_SKB_STREAM_PARSER, F.ATTACHABLE_OPT),
  d('sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT, F.ATTACHABLE_OPT),
  d('sk_skb/verdict', P.SK_SKB, A.SK_SKB_VERDICT, F.ATTACHABLE_OPT),
  d('sk_skb', P.SK_SKB, 0, F.NONE),
  d('sk_msg', P.SK_MSG, A.SK_MSG_VERDICT, F.ATTACHABLE_OPT),
  d('lirc_mode2', P.LIRC_MODE2, A.LIRC_MODE2, F.ATTACHABLE_OPT),
  d('flow_dissector', P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, F.ATTACHABLE_OPT),
  d('cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS, F.ATTACHABLE_OPT),
  d('cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS, F.ATTACHABLE_OPT),
  d('cgroup/skb', P.CGROUP_SKB, 0, F.NONE),
  d('cgroup/sock_create', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, F.ATTACHABLE),
  d('cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, F.ATTACHABLE),
  d('cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, F.ATTACHABLE_OPT),
  d('cgroup/post_bind4', P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, F.ATTACHABLE),
  d('cgroup/post_bind6', P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, F.ATTACHABLE),
  d('cgroup/bind4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, F.ATTACHABLE),
  d('cgroup/bind6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, F.ATTACHABLE),
  d('cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, F.ATTACHABLE),
  d('cgroup/connect6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, F.ATTACHABLE),
  d('cgroup/connect_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, F.ATTACHABLE),
  d('cgroup/sendmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, F.ATTACHABLE),
  d('cgroup/sendmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, F.ATTACHABLE),
  d('cgroup/sendmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, F.ATTACHABLE),
  d('cgroup/recvmsg4', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, F.ATTACHABLE),
  d('cgroup/recvmsg6', P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, F.ATTACHABLE),
  d('cgroup/recvmsg_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, F.ATTACHABLE),
  d('cgroup/getpeername4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, F.ATTACHABLE),
  d('cgroup/getpeername6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, F.ATTACHABLE),
  d('cgroup/getpeername_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, F.ATTACHABLE),
  d('cgroup/getsockname4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, F.ATTACHABLE),
  d('cgroup/getsockname6', P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, F.ATTACHABLE),
  d('cgroup/getsockname_unix', P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, F.ATTACHABLE),
  d('cgroup/sysctl', P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, F.ATTACHABLE),
  d('cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, F.ATTACHABLE),
  d('cgroup/setsockopt', P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, F.ATTACHABLE),
  d('cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE, F.ATTACHABLE_OPT),
  d('struct_ops+', P.STRUCT_OPS, 0, F.NONE),
  d('struct_ops.s+', P.STRUCT_OPS, 0, F.SLEEPABLE),
  d('sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP, F.ATTACHABLE),
  d('netfilter', P.NETFILTER, A.NETFILTER, F.NONE),
];

/** libbpf's sec_def_matches(). */
export function sectionDefMatches(def: SectionDef, name: string): boolean {
  const pat = def.sec;
  const last = pat[pat.length - 1];
  if (last === '/') return name.startsWith(pat);
  if (last === '+') {
    const stem = pat.slice(0, -1);
    if (!name.startsWith(stem)) return false;
    return name.length === stem.length || name[stem.length] === '/';
  }
  return name === pat;
}

/** The first matching entry, or undefined (libbpf's find_sec_def). */
export function findSectionDef(name: string): SectionDef | undefined {
  for (const def of SECTION_DEFS) if (sectionDefMatches(def, name)) return def;
  return undefined;
}

/** What a section name means for a program. */
export interface SectionInfo {
  type: ProgType;
  expectedAttachType: AttachType | 0;
  /** Text after the `type/` prefix ('' when none). */
  attachTo: string;
  /** BPF_F_SLEEPABLE / BPF_F_XDP_HAS_FRAGS as libbpf adds them at load. */
  flags: number;
  /** The matching table entry (undefined for an explicit override). */
  def?: SectionDef;
}

/** Program load flags libbpf derives from the section (libbpf_prepare_prog_load). */
export function progFlagsOf(def: SectionDef): number {
  let flags = 0;
  if (def.secFlags & SecFlag.SLEEPABLE) flags |= BPF_F_SLEEPABLE;
  if (def.type === ProgType.XDP && (def.secFlags & SecFlag.XDP_FRAGS)) flags |= BPF_F_XDP_HAS_FRAGS;
  return flags;
}

/** Text after the first '/', as libbpf's attach functions take it. */
export function attachTargetOf(def: SectionDef, name: string): string {
  const stem = def.sec.endsWith('+') ? def.sec.slice(0, -1) : def.sec;
  if (def.sec.endsWith('/')) return name.slice(stem.length);
  if (name.length > stem.length && name[stem.length] === '/') return name.slice(stem.length + 1);
  return '';
}

/** Section name → program type etc.; undefined when libbpf would not recognise it. */
export function sectionInfo(name: string): SectionInfo | undefined {
  const def = findSectionDef(name);
  if (!def) return undefined;
  return { type: def.type, expectedAttachType: def.expectedAttachType, attachTo: attachTargetOf(def, name), flags: progFlagsOf(def), def };
}

/**
 * libbpf_prog_type_by_name(): the program type and expected attach type of a section name;
 * LoaderError (ESRCH, as libbpf returns) when the name is not in the table.
 */
export function progTypeBySection(name: string): { type: ProgType; expectedAttachType: AttachType | 0 } {
  const def = findSectionDef(name);
  if (!def) {
    throw new LoaderError('LOADER_SECTION', `failed to guess program type from ELF section '${name}'`, { section: name }, 3);
  }
  return { type: def.type, expectedAttachType: def.expectedAttachType };
}

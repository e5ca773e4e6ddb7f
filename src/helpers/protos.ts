// The prototype of every helper the kernel defines (BPF_FUNC_* 1..211), as data: argument
// kinds and flags, return kind, GPL restriction, packet-data changes, references acquired
// and released. The facts follow the kernel's `struct bpf_func_proto` definitions
// (kernel/bpf/helpers.c, net/core/filter.c, kernel/trace/bpf_trace.c, kernel/bpf/*.c);
// gpl_only was checked against the running 6.18 kernel for every helper it lets a program
// type call (testdata/runtime/kernel-helpers.json, see helpers.test.ts).
//
// Where the kernel has several protos for one id (bpf_get_socket_cookie per program type,
// bpf_setsockopt for sock_ops and for BTF sockets, ...), this is the one the program types
// tsbpf runs see; `variants` notes the others.

import { BpfFunc } from '../uapi/bpf.js';
import type { ArgSpec, HelperProto, RetKind } from './types.js';

// ---- argument shorthands (ARG_* and their flags) ------------------------------------------
const ANY: ArgSpec = { kind: 'anything' };
const CTX: ArgSpec = { kind: 'ctx' };
const CTX_OR_NULL: ArgSpec = { kind: 'ctx', maybeNull: true };
const MAP: ArgSpec = { kind: 'const_map_ptr' };
const KEY: ArgSpec = { kind: 'map_key' };
const VALUE: ArgSpec = { kind: 'map_value' };
const VALUE_UNINIT: ArgSpec = { kind: 'map_value', uninit: true };
const VALUE_OR_NULL: ArgSpec = { kind: 'map_value', maybeNull: true };
/** ARG_PTR_TO_MEM | MEM_RDONLY */
const MEM_RO: ArgSpec = { kind: 'mem', readOnly: true };
/** ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY */
const MEM_RO_OR_NULL: ArgSpec = { kind: 'mem', readOnly: true, maybeNull: true };
/** ARG_PTR_TO_UNINIT_MEM (ARG_PTR_TO_MEM | MEM_WRITE | MEM_UNINIT) */
const MEM_UNINIT: ArgSpec = { kind: 'mem', uninit: true };
/** ARG_PTR_TO_UNINIT_MEM | PTR_MAYBE_NULL */
const MEM_UNINIT_OR_NULL: ArgSpec = { kind: 'mem', uninit: true, maybeNull: true };
/** ARG_PTR_TO_MEM (read and written: fib_lookup's params, load_hdr_opt's search buffer) */
const MEM_RW: ArgSpec = { kind: 'mem' };
/** ARG_PTR_TO_MEM_OR_NULL written (snprintf's output) */
const MEM_RW_OR_NULL: ArgSpec = { kind: 'mem', maybeNull: true };
const SIZE: ArgSpec = { kind: 'const_size' };
const SIZE0: ArgSpec = { kind: 'const_size_or_zero' };
const ALLOC_SIZE0: ArgSpec = { kind: 'const_alloc_size_or_zero' };
const FUNC = (callbackArgs: readonly string[]): ArgSpec => ({ kind: 'func', callbackArgs });
const STACK_OR_NULL: ArgSpec = { kind: 'stack', maybeNull: true };
const CONST_STR: ArgSpec = { kind: 'const_str' };
const SPIN_LOCK: ArgSpec = { kind: 'spin_lock' };
/** ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED, 8 bytes (was ARG_PTR_TO_LONG) */
const LONG_OUT: ArgSpec = { kind: 'long', uninit: true, fixedSize: 8, aligned: true };
/** ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED, 4 bytes (was ARG_PTR_TO_INT) */
const INT_OUT: ArgSpec = { kind: 'int', uninit: true, fixedSize: 4, aligned: true };
/** ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED, 4 bytes: read and written (check_mtu's mtu_len, 6.12+) */
const INT_INOUT: ArgSpec = { kind: 'int', fixedSize: 4, aligned: true };
const SOCK_COMMON: ArgSpec = { kind: 'sock_common', btfType: 'sock_common' };
const SOCK_COMMON_RELEASE: ArgSpec = { kind: 'sock_common', btfType: 'sock_common', release: true };
const BTF = (btfType: string, maybeNull = false): ArgSpec => (maybeNull ? { kind: 'btf_id', btfType, maybeNull } : { kind: 'btf_id', btfType });
const FIXED_RO = (n: number): ArgSpec => ({ kind: 'mem', readOnly: true, fixedSize: n });
const RINGBUF_MEM_RELEASE: ArgSpec = { kind: 'ringbuf_mem', release: true };
const TIMER: ArgSpec = { kind: 'timer' };
const DYNPTR_RO: ArgSpec = { kind: 'dynptr', readOnly: true };
const DYNPTR_UNINIT: ArgSpec = { kind: 'dynptr', uninit: true };
const DYNPTR_RELEASE: ArgSpec = { kind: 'dynptr', release: true };

interface Extra {
  gpl?: boolean;
  pkt?: boolean;
  changesPkt?: boolean;
  acquires?: boolean;
  releases?: number;
  sleepable?: 'only' | 'never';
  retSize?: number;
  retBtfType?: string;
}

function p(name: keyof typeof BpfFunc, ret: RetKind, args: readonly ArgSpec[], x: Extra = {}): HelperProto {
  const proto: HelperProto = {
    id: BpfFunc[name],
    name,
    ret,
    args,
    gplOnly: x.gpl ?? false,
    ...(x.changesPkt ? { changesPktData: true } : {}),
    ...(x.acquires ? { acquires: true } : {}),
    ...(x.releases !== undefined ? { releases: x.releases } : {}),
    ...(args[0]?.kind === 'const_map_ptr' && args.some((a) => a.kind === 'map_key' || a.kind === 'map_value') ? { mapArg: 0 } : {}),
    ...(x.sleepable ? { sleepable: x.sleepable } : {}),
    ...(x.pkt ? { pktAccess: true } : {}),
    ...(x.retSize !== undefined ? { retSize: x.retSize } : {}),
    ...(x.retBtfType ? { retBtfType: x.retBtfType } : {}),
  };
  return Object.freeze(proto);
}

const I: RetKind = 'integer';
const VOID: RetKind = 'void';

/** Every helper prototype, in id order. */
export const HELPER_PROTOS: readonly HelperProto[] = [
  p('map_lookup_elem', 'map_value_or_null', [MAP, KEY], { pkt: true }),
  p('map_update_elem', I, [MAP, KEY, VALUE, ANY], { pkt: true }),
  p('map_delete_elem', I, [MAP, KEY], { pkt: true }),
  p('probe_read', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('ktime_get_ns', I, []),
  p('trace_printk', I, [MEM_RO, SIZE], { gpl: true }),
  p('get_prandom_u32', I, []),
  p('get_smp_processor_id', I, []),
  p('skb_store_bytes', I, [CTX, ANY, MEM_RO, SIZE, ANY], { changesPkt: true }),
  p('l3_csum_replace', I, [CTX, ANY, ANY, ANY, ANY], { changesPkt: true }),
  p('l4_csum_replace', I, [CTX, ANY, ANY, ANY, ANY], { changesPkt: true }),
  p('tail_call', VOID, [CTX, MAP, ANY]),
  p('clone_redirect', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('get_current_pid_tgid', I, []),
  p('get_current_uid_gid', I, []),
  p('get_current_comm', I, [MEM_UNINIT, SIZE]),
  p('get_cgroup_classid', I, [CTX]),
  p('skb_vlan_push', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('skb_vlan_pop', I, [CTX], { changesPkt: true }),
  p('skb_get_tunnel_key', I, [CTX, MEM_UNINIT, SIZE, ANY]),
  p('skb_set_tunnel_key', I, [CTX, MEM_RO, SIZE, ANY]),
  p('perf_event_read', I, [MAP, ANY], { gpl: true }),
  p('redirect', I, [ANY, ANY]),
  p('get_route_realm', I, [CTX]),
  p('perf_event_output', I, [CTX, MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  p('skb_load_bytes', I, [CTX, ANY, MEM_UNINIT, SIZE]),
  p('get_stackid', I, [CTX, MAP, ANY], { gpl: true }),
  p('csum_diff', I, [MEM_RO_OR_NULL, SIZE0, MEM_RO_OR_NULL, SIZE0, ANY], { pkt: true }),
  p('skb_get_tunnel_opt', I, [CTX, MEM_UNINIT, SIZE]),
  p('skb_set_tunnel_opt', I, [CTX, MEM_RO, SIZE]),
  p('skb_change_proto', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('skb_change_type', I, [CTX, ANY]),
  p('skb_under_cgroup', I, [CTX, MAP, ANY]),
  p('get_hash_recalc', I, [CTX]),
  p('get_current_task', I, [], { gpl: true }),
  p('probe_write_user', I, [ANY, MEM_RO, SIZE], { gpl: true }),
  p('current_task_under_cgroup', I, [MAP, ANY]),
  p('skb_change_tail', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('skb_pull_data', I, [CTX, ANY], { changesPkt: true }),
  p('csum_update', I, [CTX, ANY]),
  p('set_hash_invalid', VOID, [CTX]),
  p('get_numa_node_id', I, []),
  p('skb_change_head', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('xdp_adjust_head', I, [CTX, ANY], { changesPkt: true }),
  p('probe_read_str', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('get_socket_cookie', I, [CTX]),
  p('get_socket_uid', I, [CTX]),
  p('set_hash', I, [CTX, ANY]),
  p('setsockopt', I, [CTX, ANY, ANY, MEM_RO, SIZE]),
  p('skb_adjust_room', I, [CTX, ANY, ANY, ANY], { changesPkt: true }),
  p('redirect_map', I, [MAP, ANY, ANY]),
  p('sk_redirect_map', I, [CTX, MAP, ANY, ANY]),
  p('sock_map_update', I, [CTX, MAP, KEY, ANY]),
  p('xdp_adjust_meta', I, [CTX, ANY], { changesPkt: true }),
  p('perf_event_read_value', I, [MAP, ANY, MEM_UNINIT, SIZE], { gpl: true }),
  p('perf_prog_read_value', I, [CTX, MEM_UNINIT, SIZE], { gpl: true }),
  p('getsockopt', I, [CTX, ANY, ANY, MEM_UNINIT, SIZE]),
  p('override_return', I, [CTX, ANY], { gpl: true }),
  p('sock_ops_cb_flags_set', I, [CTX, ANY]),
  p('msg_redirect_map', I, [CTX, MAP, ANY, ANY]),
  p('msg_apply_bytes', I, [CTX, ANY]),
  p('msg_cork_bytes', I, [CTX, ANY]),
  p('msg_pull_data', I, [CTX, ANY, ANY, ANY], { changesPkt: true }),
  p('bind', I, [CTX, MEM_RO, SIZE]),
  p('xdp_adjust_tail', I, [CTX, ANY], { changesPkt: true }),
  p('skb_get_xfrm_state', I, [CTX, ANY, MEM_UNINIT, SIZE, ANY]),
  p('get_stack', I, [CTX, MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('skb_load_bytes_relative', I, [CTX, ANY, MEM_UNINIT, SIZE, ANY]),
  p('fib_lookup', I, [CTX, MEM_RW, SIZE, ANY], { gpl: true }),
  p('sock_hash_update', I, [CTX, MAP, KEY, ANY]),
  p('msg_redirect_hash', I, [CTX, MAP, KEY, ANY]),
  p('sk_redirect_hash', I, [CTX, MAP, KEY, ANY]),
  p('lwt_push_encap', I, [CTX, ANY, MEM_RO, SIZE], { changesPkt: true }),
  p('lwt_seg6_store_bytes', I, [CTX, ANY, MEM_RO, SIZE], { changesPkt: true }),
  p('lwt_seg6_adjust_srh', I, [CTX, ANY, ANY], { changesPkt: true }),
  p('lwt_seg6_action', I, [CTX, ANY, MEM_RO, SIZE], { changesPkt: true }),
  p('rc_repeat', I, [CTX], { gpl: true }),
  p('rc_keydown', I, [CTX, ANY, ANY, ANY], { gpl: true }),
  p('skb_cgroup_id', I, [CTX]),
  p('get_current_cgroup_id', I, []),
  p('get_local_storage', 'map_value', [MAP, ANY]),
  p('sk_select_reuseport', I, [CTX, MAP, KEY, ANY]),
  p('skb_ancestor_cgroup_id', I, [CTX, ANY]),
  p('sk_lookup_tcp', 'socket_or_null', [CTX, MEM_RO, SIZE, ANY, ANY], { pkt: true, acquires: true }),
  p('sk_lookup_udp', 'socket_or_null', [CTX, MEM_RO, SIZE, ANY, ANY], { pkt: true, acquires: true }),
  p('sk_release', I, [SOCK_COMMON_RELEASE], { releases: 0 }),
  p('map_push_elem', I, [MAP, VALUE, ANY], { pkt: true }),
  p('map_pop_elem', I, [MAP, VALUE_UNINIT]),
  p('map_peek_elem', I, [MAP, VALUE_UNINIT]),
  p('msg_push_data', I, [CTX, ANY, ANY, ANY], { changesPkt: true }),
  p('msg_pop_data', I, [CTX, ANY, ANY, ANY], { changesPkt: true }),
  p('rc_pointer_rel', I, [CTX, ANY, ANY], { gpl: true }),
  p('spin_lock', VOID, [SPIN_LOCK]),
  p('spin_unlock', VOID, [SPIN_LOCK]),
  p('sk_fullsock', 'socket_or_null', [SOCK_COMMON]),
  p('tcp_sock', 'tcp_sock_or_null', [SOCK_COMMON]),
  p('skb_ecn_set_ce', I, [CTX]),
  p('get_listener_sock', 'socket_or_null', [SOCK_COMMON]),
  p('skc_lookup_tcp', 'sock_common_or_null', [CTX, MEM_RO, SIZE, ANY, ANY], { pkt: true, acquires: true }),
  p('tcp_check_syncookie', I, [SOCK_COMMON, MEM_RO, SIZE, MEM_RO, SIZE], { gpl: true, pkt: true }),
  p('sysctl_get_name', I, [CTX, MEM_RW, SIZE, ANY]),
  p('sysctl_get_current_value', I, [CTX, MEM_UNINIT, SIZE]),
  p('sysctl_get_new_value', I, [CTX, MEM_UNINIT, SIZE]),
  p('sysctl_set_new_value', I, [CTX, MEM_RO, SIZE]),
  p('strtol', I, [MEM_RO, SIZE, ANY, LONG_OUT]),
  p('strtoul', I, [MEM_RO, SIZE, ANY, LONG_OUT]),
  p('sk_storage_get', 'map_value_or_null', [MAP, BTF('sock_common'), VALUE_OR_NULL, ANY]),
  p('sk_storage_delete', I, [MAP, BTF('sock_common')]),
  p('send_signal', I, [ANY]),
  p('tcp_gen_syncookie', I, [SOCK_COMMON, MEM_RO, SIZE, MEM_RO, SIZE], { gpl: true, pkt: true }),
  p('skb_output', I, [BTF('sk_buff'), MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  p('probe_read_user', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('probe_read_kernel', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('probe_read_user_str', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('probe_read_kernel_str', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('tcp_send_ack', I, [BTF('tcp_sock'), ANY]),
  p('send_signal_thread', I, [ANY]),
  p('jiffies64', I, []),
  p('read_branch_records', I, [CTX, MEM_UNINIT_OR_NULL, SIZE0, ANY], { gpl: true }),
  p('get_ns_current_pid_tgid', I, [ANY, ANY, MEM_UNINIT, SIZE]),
  p('xdp_output', I, [BTF('xdp_buff'), MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  p('get_netns_cookie', I, [CTX_OR_NULL]),
  p('get_current_ancestor_cgroup_id', I, [ANY]),
  p('sk_assign', I, [CTX, SOCK_COMMON, ANY]),
  p('ktime_get_boot_ns', I, []),
  p('seq_printf', I, [BTF('seq_file'), MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0], { gpl: true }),
  p('seq_write', I, [BTF('seq_file'), MEM_RO, SIZE0], { gpl: true }),
  p('sk_cgroup_id', I, [SOCK_COMMON]),
  p('sk_ancestor_cgroup_id', I, [SOCK_COMMON, ANY]),
  p('ringbuf_output', I, [MAP, MEM_RO, SIZE0, ANY]),
  p('ringbuf_reserve', 'ringbuf_mem_or_null', [MAP, ALLOC_SIZE0, ANY], { acquires: true }),
  p('ringbuf_submit', VOID, [RINGBUF_MEM_RELEASE, ANY], { releases: 0 }),
  p('ringbuf_discard', VOID, [RINGBUF_MEM_RELEASE, ANY], { releases: 0 }),
  p('ringbuf_query', I, [MAP, ANY]),
  p('csum_level', I, [CTX, ANY]),
  p('skc_to_tcp6_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'tcp6_sock' }),
  p('skc_to_tcp_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'tcp_sock' }),
  p('skc_to_tcp_timewait_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'tcp_timewait_sock' }),
  p('skc_to_tcp_request_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'tcp_request_sock' }),
  p('skc_to_udp6_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'udp6_sock' }),
  p('get_task_stack', I, [BTF('task_struct'), MEM_UNINIT, SIZE0, ANY]),
  p('load_hdr_opt', I, [CTX, MEM_RW, SIZE, ANY]),
  p('store_hdr_opt', I, [CTX, MEM_RO, SIZE, ANY]),
  p('reserve_hdr_opt', I, [CTX, ANY, ANY]),
  p('inode_storage_get', 'map_value_or_null', [MAP, BTF('inode', true), VALUE_OR_NULL, ANY]),
  p('inode_storage_delete', I, [MAP, BTF('inode', true)]),
  p('d_path', I, [BTF('path'), MEM_UNINIT, SIZE0]),
  p('copy_from_user', I, [MEM_UNINIT, SIZE0, ANY], { sleepable: 'only' }),
  p('snprintf_btf', I, [MEM_UNINIT, SIZE, MEM_RO, SIZE, ANY]),
  p('seq_printf_btf', I, [BTF('seq_file'), MEM_RO, SIZE0, ANY]),
  p('skb_cgroup_classid', I, [CTX]),
  p('redirect_neigh', I, [ANY, MEM_RO_OR_NULL, SIZE0, ANY]),
  p('per_cpu_ptr', 'mem_or_btf_id_or_null', [{ kind: 'percpu_btf_id' }, ANY]),
  p('this_cpu_ptr', 'mem_or_btf_id', [{ kind: 'percpu_btf_id' }]),
  p('redirect_peer', I, [ANY, ANY]),
  p('task_storage_get', 'map_value_or_null', [MAP, BTF('task_struct', true), VALUE_OR_NULL, ANY]),
  p('task_storage_delete', I, [MAP, BTF('task_struct', true)]),
  p('get_current_task_btf', 'btf_id', [], { gpl: true, retBtfType: 'task_struct' }),
  p('bprm_opts_set', I, [BTF('linux_binprm'), ANY]),
  p('ktime_get_coarse_ns', I, []),
  p('ima_inode_hash', I, [BTF('inode'), MEM_UNINIT, SIZE], { sleepable: 'only' }),
  p('sock_from_file', 'btf_id_or_null', [BTF('file')], { retBtfType: 'socket' }),
  p('check_mtu', I, [CTX, ANY, INT_INOUT, ANY, ANY], { gpl: true }),
  p('for_each_map_elem', I, [MAP, FUNC(['map', 'key', 'value', 'ctx']), STACK_OR_NULL, ANY]),
  p('snprintf', I, [MEM_RW_OR_NULL, SIZE0, CONST_STR, MEM_RO_OR_NULL, SIZE0], { gpl: true }),
  p('sys_bpf', I, [ANY, MEM_RO, SIZE]),
  p('btf_find_by_name_kind', I, [MEM_RO, SIZE, ANY, ANY]),
  p('sys_close', I, [ANY]),
  p('timer_init', I, [TIMER, MAP, ANY], { gpl: true }),
  p('timer_set_callback', I, [TIMER, FUNC(['map', 'key', 'value'])], { gpl: true }),
  p('timer_start', I, [TIMER, ANY, ANY], { gpl: true }),
  p('timer_cancel', I, [TIMER], { gpl: true }),
  p('get_func_ip', I, [CTX], { gpl: true }),
  p('get_attach_cookie', I, [CTX]),
  p('task_pt_regs', 'btf_id', [BTF('task_struct')], { gpl: true, retBtfType: 'pt_regs' }),
  p('get_branch_snapshot', I, [MEM_UNINIT, SIZE0, ANY], { gpl: true }),
  p('trace_vprintk', I, [MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0], { gpl: true }),
  p('skc_to_unix_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'unix_sock' }),
  p('kallsyms_lookup_name', I, [MEM_RO, SIZE0, ANY, LONG_OUT]),
  p('find_vma', I, [BTF('task_struct'), ANY, FUNC(['task', 'vma', 'ctx']), STACK_OR_NULL, ANY]),
  p('loop', I, [ANY, FUNC(['index', 'ctx']), STACK_OR_NULL, ANY]),
  p('strncmp', I, [MEM_RO, SIZE, CONST_STR]),
  p('get_func_arg', I, [CTX, ANY, LONG_OUT]),
  p('get_func_ret', I, [CTX, LONG_OUT]),
  p('get_func_arg_cnt', I, [CTX]),
  p('get_retval', I, []),
  p('set_retval', I, [ANY]),
  p('xdp_get_buff_len', I, [CTX]),
  p('xdp_load_bytes', I, [CTX, ANY, MEM_UNINIT, SIZE]),
  p('xdp_store_bytes', I, [CTX, ANY, MEM_RO, SIZE]),
  p('copy_from_user_task', I, [MEM_UNINIT, SIZE0, ANY, BTF('task_struct'), ANY], { gpl: true, sleepable: 'only' }),
  p('skb_set_tstamp', I, [CTX, ANY, ANY]),
  p('ima_file_hash', I, [BTF('file'), MEM_UNINIT, SIZE], { sleepable: 'only' }),
  p('kptr_xchg', 'btf_id_or_null', [{ kind: 'kptr' }, { kind: 'btf_id', maybeNull: true, release: true }], { acquires: true, releases: 1 }),
  p('map_lookup_percpu_elem', 'map_value_or_null', [MAP, KEY, ANY]),
  p('skc_to_mptcp_sock', 'btf_id_or_null', [SOCK_COMMON], { retBtfType: 'mptcp_sock' }),
  p('dynptr_from_mem', I, [MEM_UNINIT, SIZE0, ANY, DYNPTR_UNINIT]),
  p('ringbuf_reserve_dynptr', I, [MAP, ANY, ANY, DYNPTR_UNINIT], { acquires: true }),
  p('ringbuf_submit_dynptr', VOID, [DYNPTR_RELEASE, ANY], { releases: 0 }),
  p('ringbuf_discard_dynptr', VOID, [DYNPTR_RELEASE, ANY], { releases: 0 }),
  p('dynptr_read', I, [MEM_UNINIT, SIZE0, DYNPTR_RO, ANY, ANY]),
  p('dynptr_write', I, [DYNPTR_RO, ANY, MEM_RO, SIZE0, ANY]),
  p('dynptr_data', 'mem_or_null', [DYNPTR_RO, ANY, ALLOC_SIZE0]),
  p('tcp_raw_gen_syncookie_ipv4', I, [FIXED_RO(20), MEM_RO, SIZE], { gpl: true }),
  p('tcp_raw_gen_syncookie_ipv6', I, [FIXED_RO(40), MEM_RO, SIZE], { gpl: true }),
  p('tcp_raw_check_syncookie_ipv4', I, [FIXED_RO(20), FIXED_RO(20)], { gpl: true }),
  p('tcp_raw_check_syncookie_ipv6', I, [FIXED_RO(40), FIXED_RO(20)], { gpl: true }),
  p('ktime_get_tai_ns', I, []),
  p('user_ringbuf_drain', I, [MAP, FUNC(['dynptr', 'ctx']), STACK_OR_NULL, ANY]),
  p('cgrp_storage_get', 'map_value_or_null', [MAP, BTF('cgroup'), VALUE_OR_NULL, ANY]),
  p('cgrp_storage_delete', I, [MAP, BTF('cgroup')]),
];

/** Highest helper id the kernel defines (__BPF_FUNC_MAX_ID - 1). */
export const MAX_HELPER_ID = 211;

const BY_ID: Array<HelperProto | undefined> = [];
for (const proto of HELPER_PROTOS) BY_ID[proto.id] = proto;

/** The prototype of helper `id`, or undefined when the kernel defines no such helper. */
export function helperProto(id: number): HelperProto | undefined {
  return Number.isInteger(id) && id > 0 ? BY_ID[id] : undefined;
}

/**
 * The helper's name as the verifier prints it: `bpf_map_lookup_elem`, or `unknown` for an id
 * the kernel does not define (func_id_name()).
 */
export function helperName(id: number): string {
  const proto = helperProto(id);
  return proto ? `bpf_${proto.name}` : 'unknown';
}

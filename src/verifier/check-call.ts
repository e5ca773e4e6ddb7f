// Calls: helpers checked against their prototypes (argument types, memory sizes and
// initialisation, map compatibility, references acquired and released, packet pointers
// invalidated), bpf-to-bpf calls and callbacks (new frames), and what R0 holds after.

import { checkLockOverlap, spinLockOffset } from './spinlock.js';
import { helperName, helperProto } from '../helpers/protos.js';
import { bprintf } from '../helpers/impl/format.js';
import type { ArgSpec, HelperProto } from '../helpers/types.js';
import type { Insn } from '../isa/insn.js';
import { KERNEL_GPL_ONLY, KERNEL_HELPER_ACCESS } from '../progs/helper-access.js';
import { MapType, ProgType } from '../uapi/bpf.js';
import { BPF_MAX_VAR_SIZ, type Env, checkRead, fail, frame, nextId, noteStack } from './env.js';
import { argAlignment, noteRange, packetAccess, regionAccess, stackBounds, stackHelperRead, stackHelperWrite } from './check-mem.js';
import { type MapInfo, notInit, pointer, type RegState, typeStr, unknownScalar } from './regstate.js';
import { allRegs, newFrame, type FuncState } from './states.js';
import { syncBounds } from './bounds.js';
import { STACK_SPILL, STACK_ZERO, slotOf } from './stack.js';
import { tnumIsConst, tnumStr } from './tnum.js';

const MEM_TYPES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';

function inRanges(spec: string, id: number): boolean {
  for (const part of spec.split(' ')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    if (id >= a! && id <= (b ?? a!)) return true;
  }
  return false;
}

function helperAllowed(env: Env, id: number): boolean {
  if (env.info) return env.info.helperAllowed(id, env.prog.expectedAttachType || undefined);
  const a = KERNEL_HELPER_ACCESS.get(env.prog.type);
  return a ? inRanges(a.allowed, id) : false;
}

function gplCompatible(license: string): boolean {
  return ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'].includes(license.replace(/\0.*$/, ''));
}

const MAX_ERRNO = 4095n;
const SIZE_BOUNDED_RET: ReadonlySet<string> = new Set(['get_stack', 'get_task_stack', 'probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str']);

interface Meta {
  map?: MapInfo;
  /** Register of the last memory argument (for its size argument). */
  memRegno?: number;
  memArg?: ArgSpec;
  releaseRef?: number;
  callback?: RegState;
  allocSize?: number;
  /** umax of the last size argument (check_mem_size_reg's msize_max_value). */
  msizeMax?: bigint;
}

/** check_map_func_compatibility, the common cases. */
function mapCompat(env: Env, proto: HelperProto, map: MapInfo): void {
  const t = map.spec.type;
  const bad = (): never => fail(env, 'MAP_FUNC_COMPAT', `cannot pass map_type ${t} into func ${helperName(proto.id)}#${proto.id}`, 22);
  const needs: Record<string, number[]> = {
    tail_call: [MapType.PROG_ARRAY],
    ringbuf_output: [MapType.RINGBUF], ringbuf_reserve: [MapType.RINGBUF], ringbuf_query: [MapType.RINGBUF],
    perf_event_output: [MapType.PERF_EVENT_ARRAY], perf_event_read: [MapType.PERF_EVENT_ARRAY], perf_event_read_value: [MapType.PERF_EVENT_ARRAY],
    get_stackid: [MapType.STACK_TRACE],
    redirect_map: [MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP],
  };
  const need = needs[proto.name];
  if (proto.name === 'tail_call' && t !== MapType.PROG_ARRAY) fail(env, 'TAIL_CALL_MAP', 'expected prog array map for tail call', 22);
  if (need && !need.includes(t)) bad();
  // maps that only work with their own helpers
  const own: Record<number, string[]> = {
    [MapType.PROG_ARRAY]: ['tail_call'],
    [MapType.RINGBUF]: ['ringbuf_output', 'ringbuf_reserve', 'ringbuf_query', 'ringbuf_reserve_dynptr'],
    [MapType.PERF_EVENT_ARRAY]: ['perf_event_read', 'perf_event_output', 'perf_event_read_value', 'skb_output', 'xdp_output'],
    [MapType.STACK_TRACE]: ['get_stackid'],
  };
  const allowed = own[t];
  if (allowed && !allowed.includes(proto.name)) bad();
  // socket maps and their helpers (src/progs: probed against the kernel in verifier-more.test.ts)
  const sockNeeds: Record<string, number[]> = {
    sk_redirect_map: [MapType.SOCKMAP], sock_map_update: [MapType.SOCKMAP], msg_redirect_map: [MapType.SOCKMAP],
    sk_redirect_hash: [MapType.SOCKHASH], sock_hash_update: [MapType.SOCKHASH], msg_redirect_hash: [MapType.SOCKHASH],
    sk_storage_get: [MapType.SK_STORAGE], sk_storage_delete: [MapType.SK_STORAGE],
    sk_select_reuseport: [MapType.REUSEPORT_SOCKARRAY, MapType.SOCKMAP, MapType.SOCKHASH],
  };
  if (sockNeeds[proto.name] && !sockNeeds[proto.name]!.includes(t)) bad();
  const sockOwn: Record<number, string[]> = {
    [MapType.SOCKMAP]: ['sk_redirect_map', 'sock_map_update', 'msg_redirect_map', 'sk_select_reuseport', 'map_lookup_elem'],
    [MapType.SOCKHASH]: ['sk_redirect_hash', 'sock_hash_update', 'msg_redirect_hash', 'sk_select_reuseport', 'map_lookup_elem'],
    [MapType.REUSEPORT_SOCKARRAY]: ['sk_select_reuseport'],
    [MapType.SK_STORAGE]: ['sk_storage_get', 'sk_storage_delete', 'kptr_xchg'],
  };
  if (sockOwn[t] && !sockOwn[t]!.includes(proto.name)) {
    const update = proto.name === 'map_update_elem' || proto.name === 'map_delete_elem';
    if (!update || (t !== MapType.SOCKMAP && t !== MapType.SOCKHASH)) bad();
    // may_update_sockmap
    const pt = env.info?.type;
    const ok = pt === ProgType.SOCKET_FILTER || pt === ProgType.SCHED_CLS || pt === ProgType.SCHED_ACT || pt === ProgType.XDP
      || pt === ProgType.SK_REUSEPORT || pt === ProgType.FLOW_DISSECTOR || pt === ProgType.SK_LOOKUP
      || (pt === ProgType.SOCK_OPS && proto.name === 'map_delete_elem');
    if (!ok) fail(env, 'MAP_FUNC_COMPAT', `cannot update sockmap in this context\ncannot pass map_type ${t} into func ${helperName(proto.id)}#${proto.id}`, 22);
  }
  // cgroup storage: only through bpf_get_local_storage, whose flags must be 0
  const cgStorage = t === MapType.CGROUP_STORAGE || t === MapType.PERCPU_CGROUP_STORAGE;
  if (proto.name === 'get_local_storage') {
    if (!cgStorage) bad();
    const flags = env.cur.frames[env.cur.frames.length - 1]!.regs[2]!;
    if (!isNullConst(flags)) fail(env, 'LOCAL_STORAGE_FLAGS', "get_local_storage() doesn't support non-zero flags", 22);
  } else if (cgStorage) bad();
}

/** Is the pointer in r (a memory argument) good for `size` bytes? Reads need initialised memory. */
function checkHelperMem(env: Env, regno: number, r: RegState, size: number, umaxSize: number, write: boolean, zeroOk: boolean): void {
  if (size === 0 && umaxSize === 0 && zeroOk) {
    // check_stack_range_initialized checks the bounds of a zero-sized stack access too
    if (r.type === 'stack') stackBounds(env, regno, r, r.off, 0, write ? ' indirect write to' : ' indirect read from');
    return;
  }
  switch (r.type) {
    case 'stack': {
      const { min, max } = stackBounds(env, regno, r, r.off, umaxSize, write ? ' indirect write to' : ' indirect read from');
      noteStack(env, r.frameno, -min);
      if (write) stackHelperWrite(env, r.frameno, min, max);
      else stackHelperRead(env, r.frameno, min, max, regno, r);
      return;
    }
    case 'pkt': case 'pkt_meta':
      if (write && env.info?.packetAccess !== 'write') fail(env, 'PKT_WRITE', 'cannot write into packet');
      packetAccess(env, regno, r, r.off, umaxSize, zeroOk);
      return;
    case 'map_value':
      if (write && r.map!.spec.flags & (1 << 7)) fail(env, 'MAP_RDONLY', `write into map forbidden, value_size=${r.map!.spec.valueSize} off=${r.off} size=${umaxSize}`);
      if (!write && r.map!.spec.flags & (1 << 8)) fail(env, 'MAP_WRONLY', `read from map forbidden, value_size=${r.map!.spec.valueSize} off=${r.off} size=${umaxSize}`);
      regionAccess(env, regno, r, r.off, umaxSize, r.map!.spec.valueSize, zeroOk, 'MAP_VALUE_ACCESS');
      checkLockOverlap(env, r, r.off, umaxSize);
      return;
    case 'map_key':
      regionAccess(env, regno, r, r.off, umaxSize, r.map!.spec.keySize, zeroOk, 'MAP_KEY_ACCESS');
      return;
    case 'mem':
      regionAccess(env, regno, r, r.off, umaxSize, r.memSize, zeroOk, 'MEM_ACCESS');
      return;
    default:
      fail(env, 'ARG_TYPE', `R${regno} type=${typeStr(r)} expected=${MEM_TYPES}`);
  }
}

function isNullConst(r: RegState): boolean {
  return r.type === 'scalar' && tnumIsConst(r.b.varOff) && r.b.varOff.value === 0n;
}

/** The constant key on the stack (for ARRAY lookups the kernel proves in range). */
export function constKey(env: Env, r: RegState, keySize: number): bigint | undefined {
  if (r.type !== 'stack' || !tnumIsConst(r.b.varOff) || keySize > 8) return undefined;
  const fr = env.cur.frames[r.frameno]!;
  const off = r.off + Number(BigInt.asIntN(64, r.b.varOff.value));
  noteRange(env, r.frameno, off, off + keySize);
  const { spi } = slotOf(off);
  const s = fr.stack[spi];
  if (!s) return undefined;
  if (s.types[7] === STACK_SPILL && s.spilled?.type === 'scalar' && off % 8 === 0 && s.spillSize === keySize && tnumIsConst(s.spilled.b.varOff)) {
    return s.spilled.b.varOff.value & ((1n << BigInt(keySize * 8)) - 1n);
  }
  for (let i = 0; i < keySize; i++) {
    const p = slotOf(off + i);
    const t = fr.stack[p.spi]?.types[p.byte];
    if (t !== STACK_ZERO) return undefined;
  }
  return 0n;
}

const PKT_ARG_KINDS = new Set(['map_key', 'map_value', 'mem', 'long', 'int']);

/** may_access_direct_pkt_data(env, meta, BPF_READ) for a helper's argument. */
function helperPktAccess(env: Env, proto: HelperProto): boolean {
  switch (env.info?.type) {
    case ProgType.LWT_IN: case ProgType.LWT_OUT: case ProgType.LWT_SEG6LOCAL: case ProgType.SK_REUSEPORT: case ProgType.FLOW_DISSECTOR:
    case ProgType.CGROUP_SKB: case ProgType.SCHED_CLS: case ProgType.SCHED_ACT: case ProgType.XDP: case ProgType.LWT_XMIT:
    case ProgType.SK_SKB: case ProgType.SK_MSG:
      return !!proto.pktAccess;
    case ProgType.CGROUP_SOCKOPT:
      return true;
    default:
      return false;
  }
}

function checkArg(env: Env, proto: HelperProto, i: number, arg: ArgSpec, meta: Meta): void {
  const regno = i + 1;
  if (arg.kind === 'dontcare') return;
  const r = checkRead(env, regno);
  const mismatch = (expected: string): never => fail(env, 'ARG_TYPE', `R${regno} type=${typeStr(r)} expected=${expected}`);
  if (arg.maybeNull && isNullConst(r) && arg.kind !== 'anything') {
    if (arg.kind === 'mem') { meta.memRegno = regno; meta.memArg = arg; }
    // tsbpf: a NULL with no size register bounding the access must stay NULL (precision;
    // the kernel relies on the size's precision alone)
    if (arg.kind !== 'mem' || arg.fixedSize !== undefined) env.markPrecise?.(regno);
    return;
  }
  // may_access_direct_pkt_data for helpers: packet pointers only go to helpers with pkt_access
  if ((r.type === 'pkt' || r.type === 'pkt_meta') && !r.maybeNull && PKT_ARG_KINDS.has(arg.kind) && !helperPktAccess(env, proto)) {
    fail(env, 'PKT_HELPER', 'helper access to the packet is not allowed', 13);
  }
  switch (arg.kind) {
    case 'anything': return;
    case 'const_map_ptr':
      if (r.type !== 'map_ptr' || r.maybeNull) mismatch('map_ptr');
      meta.map = r.map;
      return;
    case 'map_key': case 'map_value': {
      if (!meta.map) fail(env, 'ARG_NO_MAP', `invalid map_ptr to access map->${arg.kind === 'map_key' ? 'key' : 'value'}`, 14);
      // resolve_map_arg_type: a sockmap / sockhash value from a program is a socket
      if (arg.kind === 'map_value' && (meta.map.spec.type === MapType.SOCKMAP || meta.map.spec.type === MapType.SOCKHASH)) {
        if (!['sock', 'sock_common', 'tcp_sock'].includes(r.type) || r.maybeNull) mismatch('sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_');
        return;
      }
      if (!['stack', 'pkt', 'pkt_meta', 'map_value', 'map_key', 'mem'].includes(r.type) || r.maybeNull) mismatch(MEM_TYPES);
      const n = arg.kind === 'map_key' ? meta.map.spec.keySize : meta.map.spec.valueSize;
      checkHelperMem(env, regno, r, n, n, !!arg.uninit, false);
      return;
    }
    case 'mem': {
      if (!['stack', 'pkt', 'pkt_meta', 'map_value', 'map_key', 'mem'].includes(r.type) || r.maybeNull) mismatch(MEM_TYPES);
      meta.memRegno = regno;
      meta.memArg = arg;
      if (arg.fixedSize !== undefined) checkHelperMem(env, regno, r, arg.fixedSize, arg.fixedSize, !!arg.uninit, false);
      return;
    }
    case 'long': case 'int': {
      if (!['stack', 'map_value', 'mem', 'pkt', 'pkt_meta'].includes(r.type) || r.maybeNull) mismatch(MEM_TYPES);
      const n = arg.fixedSize ?? (arg.kind === 'long' ? 8 : 4);
      // in/out arguments (MEM_WRITE without MEM_UNINIT: check_mtu's mtu_len) are read first
      if (!arg.uninit) checkHelperMem(env, regno, r, n, n, false, false);
      checkHelperMem(env, regno, r, n, n, true, false);
      if (arg.aligned) argAlignment(env, r, n);
      return;
    }
    case 'const_size': case 'const_size_or_zero': {
      if (r.type !== 'scalar') mismatch('scalar');
      const zeroOk = arg.kind === 'const_size_or_zero';
      if (r.b.smin < 0n) fail(env, 'NEGATIVE_SIZE', `R${regno} min value is negative, either use unsigned or 'var &= const'`);
      if (r.b.umin === 0n && !zeroOk) fail(env, 'ZERO_SIZE', `R${regno} invalid zero-sized read: u64=[${r.b.umin},${r.b.umax}]`);
      if (r.b.umax >= BigInt(BPF_MAX_VAR_SIZ)) fail(env, 'UNBOUNDED_SIZE', `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
      const memRegno = meta.memRegno ?? regno - 1;
      const memReg = frame(env).regs[memRegno]!;
      const write = !!meta.memArg?.uninit || (!!meta.memArg && !meta.memArg.readOnly);
      if (isNullConst(memReg)) {
        if (r.b.umax !== 0n) fail(env, 'NULL_MEM_SIZE', `R${memRegno} type=scalar expected=${MEM_TYPES}`);
        env.markPrecise?.(regno);
        return;
      }
      checkHelperMem(env, memRegno, memReg, Number(r.b.umin), Number(r.b.umax), write && !meta.memArg?.readOnly, zeroOk);
      meta.msizeMax = r.b.umax;
      // check_mem_size_reg: the size is relied on (precision tracking)
      env.markPrecise?.(regno);
      return;
    }
    case 'const_alloc_size_or_zero':
      if (r.type !== 'scalar') mismatch('scalar');
      if (!tnumIsConst(r.b.varOff)) fail(env, 'ALLOC_SIZE', `R${regno} is not a known constant'`);
      meta.allocSize = Number(r.b.varOff.value);
      env.markPrecise?.(regno);
      return;
    case 'ctx':
      if (r.type !== 'ctx') mismatch('ctx');
      if (r.off < 0) fail(env, 'CTX_MODIFIED', `negative offset ctx ptr R${regno} off=${r.off} disallowed`);
      if (r.off) fail(env, 'CTX_MODIFIED', `dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
      if (!tnumIsConst(r.b.varOff) || r.b.varOff.value) fail(env, 'CTX_VAR_OFF', `variable ctx access var_off=${tnumStr(r.b.varOff)} disallowed`);
      return;
    case 'func':
      if (r.type !== 'func') mismatch('func');
      meta.callback = r;
      return;
    case 'stack':
      if (r.type !== 'stack') mismatch('fp');
      return;
    case 'const_str': {
      if (r.type !== 'map_value' || r.maybeNull) mismatch('map_value');
      const spec = r.map!.spec;
      if (!(spec.flags & (1 << 7)) || !spec.freeze) fail(env, 'CONST_STR', `R${regno} does not point to a readonly map'`);
      if (!tnumIsConst(r.b.varOff)) fail(env, 'CONST_STR', `R${regno} is not a constant address'`);
      const at = r.off + Number(r.b.varOff.value);
      const v = spec.contents?.[0]?.value;
      const bytes = v instanceof Uint8Array ? v : new Uint8Array(spec.valueSize);
      if (at < 0 || at >= spec.valueSize) fail(env, 'CONST_STR', `invalid access to map value pointer, value_size=${spec.valueSize} off=${at}`);
      let nul = false;
      for (let i = at; i < spec.valueSize; i++) if (!(bytes[i] ?? 0)) { nul = true; break; }
      if (!nul) fail(env, 'CONST_STR', 'string is not zero-terminated');
      return;
    }
    case 'ringbuf_mem':
      if (r.type !== 'mem' || !r.ringbuf || r.maybeNull) mismatch('ringbuf_mem');
      if (r.off || !tnumIsConst(r.b.varOff) || r.b.varOff.value) fail(env, 'RELEASE_OFF', `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`);
      if (!r.refObjId) fail(env, 'RELEASE_UNREF', `R${regno} must be referenced when passed to release function`);
      meta.releaseRef = r.refObjId;
      return;
    case 'sock_common':
      if (!['sock', 'sock_common', 'tcp_sock'].includes(r.type) || r.maybeNull) mismatch('sock_common, sock, tcp_sock, xdp_sock, ptr_');
      if (arg.release) {
        if (!r.refObjId) fail(env, 'RELEASE_UNREF', `R${regno} must be referenced when passed to release function`);
        meta.releaseRef = r.refObjId;
      }
      return;
    case 'socket':
      if (r.type !== 'sock' || r.maybeNull) mismatch('sock');
      return;
    case 'spin_lock': {
      // process_spin_lock
      if (r.type !== 'map_value' || r.maybeNull) mismatch('map_value');
      if (!tnumIsConst(r.b.varOff)) fail(env, 'SPIN_LOCK', `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`, 22);
      const m = r.map!;
      const lockOff = spinLockOffset(m.spec);
      if (lockOff === undefined) fail(env, 'SPIN_LOCK', `map '${m.name}' has no valid bpf_spin_lock`, 22);
      const at = r.off + Number(r.b.varOff.value);
      if (at !== lockOff) fail(env, 'SPIN_LOCK', `off ${at} doesn't point to 'struct bpf_spin_lock' that is at ${lockOff}`, 22);
      if (!r.id) fail(env, 'SPIN_LOCK', `tsbpf: R${regno} bpf_spin_lock on a map value without an id (not from a lookup) is not supported`, 95);
      if (proto.name === 'spin_lock') {
        if (env.cur.lock) fail(env, 'SPIN_LOCK', 'Locking two bpf_spin_locks are not allowed', 22);
        env.cur.lock = { map: m.index, id: r.id };
      } else {
        if (!env.cur.lock) fail(env, 'SPIN_LOCK', 'bpf_spin_unlock without taking a lock', 22);
        if (env.cur.lock.map !== m.index || env.cur.lock.id !== r.id) fail(env, 'SPIN_LOCK', 'bpf_spin_unlock of different lock', 22);
        env.cur.lock = undefined;
      }
      return;
    }
    case 'btf_id':
      // cgroup/sock programs pass their ctx (the socket) to bpf_sk_storage_get (cg_sock proto: ARG_PTR_TO_CTX)
      if (proto.name === 'sk_storage_get' && regno === 2 && env.info?.type === ProgType.CGROUP_SOCK) {
        if (r.type !== 'ctx') mismatch('ctx');
        return;
      }
      // a sock_common BTF argument also takes the socket pointers (btf_id_sock_common_types)
      if (arg.btfType === 'sock_common' && (r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock') && !r.maybeNull) return;
      if (r.type !== 'btf_id' || r.maybeNull || (arg.btfType && r.btfName !== arg.btfType)) mismatch(`ptr_${arg.btfType ?? ''}`);
      return;
    default:
      fail(env, 'UNSUPPORTED', `tsbpf: ${helperName(proto.id)} argument R${regno} (${arg.kind}) is not supported by this verifier`, 95);
  }
}

/** Mark every register tied to a released reference as unusable (mark_reg_invalid for privileged loads). */
export function releaseReference(env: Env, refId: number): boolean {
  const idx = env.cur.refs.findIndex((r) => r.id === refId);
  if (idx < 0) return false;
  env.cur.refs.splice(idx, 1);
  for (const f of env.cur.frames) {
    for (let i = 0; i < f.regs.length; i++) if (f.regs[i]!.refObjId === refId) f.regs[i] = unknownScalar();
    for (const s of f.stack) if (s.spilled && s.spilled.refObjId === refId) s.spilled = unknownScalar();
  }
  return true;
}

function clearPktPointers(env: Env): void {
  for (const f of env.cur.frames) {
    for (let i = 0; i < f.regs.length; i++) {
      const t = f.regs[i]!.type;
      if (t === 'pkt' || t === 'pkt_meta' || t === 'pkt_end') f.regs[i] = unknownScalar();
    }
    for (const s of f.stack) {
      const t = s.spilled?.type;
      if (t === 'pkt' || t === 'pkt_meta' || t === 'pkt_end') s.spilled = unknownScalar();
    }
  }
}

export interface CallbackRequest {
  /** First instruction of the callback. */
  target: number;
  /** Registers the callback starts with (R1..R5). */
  args: RegState[];
  /** Called repeatedly (bpf_loop, for_each_map_elem). */
  loop: boolean;
}

const INNER = new WeakMap<MapInfo, MapInfo>();
/** The inner map of a map-in-map: no name, an index of its own (state comparison tells maps apart by index). */
export function innerMapInfo(outer: MapInfo, spec: NonNullable<MapInfo['spec']['innerMap']>): MapInfo {
  let i = INNER.get(outer);
  if (!i) { i = { index: -1 - outer.index, name: '', spec }; INNER.set(outer, i); }
  return i;
}

/** check_helper_call. Returns a callback to explore, when the helper takes one. */
/**
 * check_bpf_snprintf_call: the format (R3, a constant string in a frozen read-only map) is
 * validated against the number of u64 arguments R5 says there are (bpf_bprintf_prepare).
 */
function checkSnprintfFormat(env: Env): void {
  const fr = frame(env);
  const fmtReg = fr.regs[3]!, lenReg = fr.regs[5]!;
  const len = lenReg.type === 'scalar' ? Number(BigInt.asUintN(32, lenReg.b.varOff.value)) : 0;
  if (len % 8) fail(env, 'CONST_STR', 'Invalid format string', 22);
  const bytes = fmtReg.map?.spec.contents?.[0]?.value;
  if (!(bytes instanceof Uint8Array)) return;
  const off = fmtReg.off + Number(BigInt.asIntN(64, fmtReg.b.varOff.value));
  if (off < 0 || off >= bytes.length) return;
  const none = { readString: (): string => '', readBytes: (): undefined => undefined };
  const r = bprintf(bytes.subarray(off), [], len / 8, none);
  if (typeof r === 'number' && r < 0) fail(env, 'CONST_STR', 'Invalid format string', 22);
}

export function checkHelperCall(env: Env, insn: Insn): CallbackRequest | undefined {
  const id = insn.imm;
  const proto = helperProto(id);
  if (!proto) fail(env, 'UNKNOWN_HELPER', `invalid func ${helperName(id)}#${id}`, 22);
  if (!helperAllowed(env, id)) fail(env, 'HELPER_NOT_ALLOWED', `program of this type cannot use helper ${helperName(id)}#${id}`, 22);
  if (proto.gplOnly && inRanges(KERNEL_GPL_ONLY, id) && !gplCompatible(env.prog.license)) {
    fail(env, 'GPL_ONLY', 'cannot call GPL-restricted function from non-GPL compatible program', 22);
  }
  const meta: Meta = {};
  for (let i = 0; i < proto.args.length; i++) checkArg(env, proto, i, proto.args[i]!, meta);
  // check_map_func_compatibility runs after every argument has been checked
  if (meta.map) mapCompat(env, proto, meta.map);
  if (proto.name === 'snprintf') checkSnprintfFormat(env);

  let callback: CallbackRequest | undefined;
  const fr = frame(env);
  if (meta.callback) {
    const target = meta.callback.subprog;
    if (proto.name === 'loop') {
      callback = { target, loop: true, args: [unknownScalar(), { ...fr.regs[3]! }] };
    } else if (proto.name === 'for_each_map_elem') {
      const m = fr.regs[1]!.map!;
      callback = {
        target, loop: true,
        args: [pointer('map_ptr', { map: m }), pointer('map_key', { map: m }), pointer('map_value', { map: m }), { ...fr.regs[3]! }],
      };
    } else {
      fail(env, 'UNSUPPORTED', `tsbpf: callbacks of ${helperName(id)} are not supported by this verifier`, 95);
    }
  }

  if (meta.releaseRef !== undefined) {
    if (!releaseReference(env, meta.releaseRef)) fail(env, 'RELEASE_UNREF', `R1 must be referenced when passed to release function`);
  }

  // caller-saved registers are clobbered
  for (let r = 1; r <= 5; r++) { fr.regs[r] = notInit(); env.scratchRegs |= 1 << r; }
  let r0: RegState;
  switch (proto.ret) {
    case 'integer':
      r0 = unknownScalar();
      // do_refine_retval_range: these return the bytes written (at most the size) or -errno
      if (SIZE_BOUNDED_RET.has(proto.name) && meta.msizeMax !== undefined) {
        r0.b.smax = meta.msizeMax; r0.b.s32max = meta.msizeMax;
        r0.b.smin = -MAX_ERRNO; r0.b.s32min = -MAX_ERRNO;
        syncBounds(r0.b);
      }
      break;
    case 'void': r0 = notInit(); break;
    case 'map_value_or_null': {
      const m = meta.map!;
      if ((m.spec.type === MapType.ARRAY_OF_MAPS || m.spec.type === MapType.HASH_OF_MAPS) && !m.spec.innerMap) {
        fail(env, 'UNSUPPORTED', `tsbpf: map '${m.name}' has no inner map template`, 95);
      }
      r0 = pointer('map_value', { map: m, maybeNull: true });
      r0.id = nextId(env);
      break;
    }
    case 'map_value':
      r0 = pointer('map_value', { map: meta.map });
      break;
    case 'ringbuf_mem_or_null':
      r0 = pointer('mem', { ringbuf: true, maybeNull: true, memSize: meta.allocSize ?? 0, id: nextId(env) });
      break;
    case 'mem_or_null':
      r0 = pointer('mem', { maybeNull: true, memSize: proto.retSize ?? meta.allocSize ?? 0, id: nextId(env) });
      break;
    case 'socket_or_null': r0 = pointer('sock', { maybeNull: true, id: nextId(env) }); break;
    case 'tcp_sock_or_null': r0 = pointer('tcp_sock', { maybeNull: true, id: nextId(env) }); break;
    case 'sock_common_or_null': r0 = pointer('sock_common', { maybeNull: true, id: nextId(env) }); break;
    case 'btf_id_or_null': r0 = pointer('btf_id', { maybeNull: true, id: nextId(env), btfName: proto.retBtfType ?? '' }); break;
    case 'btf_id': r0 = pointer('btf_id', { btfName: proto.retBtfType ?? '' }); break;
    default: r0 = unknownScalar(); break;
  }
  // a lookup in a sockmap / sockhash holds a reference to the socket (is_acquire_function)
  const sockLookup = proto.name === 'map_lookup_elem' && (meta.map?.spec.type === MapType.SOCKMAP || meta.map?.spec.type === MapType.SOCKHASH);
  if ((proto.acquires || sockLookup) && r0.type !== 'scalar' && r0.type !== 'not_init') {
    if (r0.id) r0.id = 0;
    const refId = nextId(env);
    env.cur.refs.push({ id: refId, insn: env.pc });
    r0.id = refId;
    r0.refObjId = refId;
  }
  fr.regs[0] = r0;
  env.scratchRegs |= 1;
  // a tail call may run a program that changes packet data and, from a subprogram, return here (6.13+)
  if (proto.changesPktData || proto.name === 'tail_call') clearPktPointers(env);
  return callback;
}

/** A frame for a bpf-to-bpf call or a callback: R1..R5 from the caller (or given), R10 its own. */
export function calleeFrame(env: Env, target: number, callsite: number, args?: RegState[]): FuncState {
  const caller = frame(env);
  const f = newFrame(env.cur.frames.length, callsite, target);
  for (let r = 1; r <= 5; r++) f.regs[r] = args ? (args[r - 1] ? { ...args[r - 1]!, b: { ...args[r - 1]!.b } } : notInit()) : { ...caller.regs[r]!, b: { ...caller.regs[r]!.b } };
  f.regs[10] = pointer('stack', { frameno: f.frameno });
  void allRegs;
  return f;
}

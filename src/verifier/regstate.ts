// Register states: the type of what a register holds (scalar or one of the pointer kinds),
// its fixed offset, its variable part (a scalar's value, a pointer's variable offset) as
// Bounds, and the ids that tie registers together (null checks, packet ranges, references).
// Printing follows the kernel's notation (`R1=ctx() R2=pkt(off=14,r=14) R0=scalar(...)`).

import type { MapSpec } from '../maps/types.js';
import { type Bounds, S32_MAX, S32_MIN, S64_MAX, S64_MIN, constBounds, unknownBounds } from './bounds.js';
import { U32, U64, tnumIsConst, tnumIsUnknown, tnumStr } from './tnum.js';

export type RegType =
  | 'not_init' | 'scalar' | 'ctx' | 'map_ptr' | 'map_value' | 'map_key' | 'stack' | 'pkt' | 'pkt_meta' | 'pkt_end'
  | 'mem' | 'func' | 'sock' | 'sock_common' | 'tcp_sock' | 'btf_id' | 'flow_keys' | 'buf';

export interface MapInfo {
  /** Index of the map among the maps handed to the verifier (for the log's fake address). */
  index: number;
  name: string;
  spec: MapSpec;
}

export interface RegState {
  type: RegType;
  /** PTR_MAYBE_NULL */
  maybeNull: boolean;
  /** MEM_RINGBUF (ringbuf reservations), MEM_RDONLY */
  ringbuf: boolean;
  rdonly: boolean;
  /** Fixed offset of a pointer. */
  off: number;
  /** Packet pointers: bytes known to be inside the packet from the pointer (negative: at/beyond the end marks). */
  range: number;
  /** PTR_TO_MEM: size of the memory. */
  memSize: number;
  id: number;
  refObjId: number;
  map?: MapInfo;
  /** PTR_TO_STACK: the frame whose stack it points to. */
  frameno: number;
  /** PTR_TO_FUNC: the subprogram's first instruction. */
  subprog: number;
  /** Scalar value, or the variable offset of a pointer. */
  b: Bounds;
  btfName?: string;
  /** Scalars: the verifier relied on the value (precision tracking); printed `P`. */
  precise?: boolean;
}

export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

// Every RegState has all fields, in this order, so that V8 gives them one hidden class
// (the optional fields are present as undefined): cloning and comparing states is hot.
export function notInit(): RegState {
  return {
    type: 'not_init', maybeNull: false, ringbuf: false, rdonly: false, off: 0, range: 0, memSize: 0, id: 0, refObjId: 0,
    map: undefined, frameno: 0, subprog: 0, b: unknownBounds(), btfName: undefined, precise: undefined,
  };
}

export function unknownScalar(): RegState {
  const r = notInit();
  r.type = 'scalar';
  return r;
}

export function constScalar(v: bigint): RegState {
  const r = notInit();
  r.type = 'scalar';
  r.b = constBounds(v);
  return r;
}

/** A pointer of `type` with zero offsets. */
export function pointer(type: RegType, extra: Partial<RegState> = {}): RegState {
  const r = notInit();
  r.type = type;
  r.b = constBounds(0n);
  return Object.assign(r, extra);
}

export function cloneReg(r: RegState): RegState {
  const b = r.b;
  return {
    type: r.type, maybeNull: r.maybeNull, ringbuf: r.ringbuf, rdonly: r.rdonly, off: r.off, range: r.range, memSize: r.memSize,
    id: r.id, refObjId: r.refObjId, map: r.map, frameno: r.frameno, subprog: r.subprog,
    b: { varOff: b.varOff, smin: b.smin, smax: b.smax, umin: b.umin, umax: b.umax, s32min: b.s32min, s32max: b.s32max, u32min: b.u32min, u32max: b.u32max },
    btfName: r.btfName, precise: r.precise,
  };
}

export function isPointer(r: RegState): boolean {
  return r.type !== 'scalar' && r.type !== 'not_init';
}

export function isPktPointer(r: RegState): boolean {
  return r.type === 'pkt' || r.type === 'pkt_meta';
}

/** reg_type_str */
export function typeStr(r: Pick<RegState, 'type' | 'maybeNull' | 'ringbuf' | 'rdonly' | 'btfName'>): string {
  const base: Record<RegType, string> = {
    not_init: '?', scalar: 'scalar', ctx: 'ctx', map_ptr: 'map_ptr', map_value: 'map_value', map_key: 'map_key',
    stack: 'fp', pkt: 'pkt', pkt_meta: 'pkt_meta', pkt_end: 'pkt_end', mem: 'mem', func: 'func', sock: 'sock',
    sock_common: 'sock_common', tcp_sock: 'tcp_sock', btf_id: 'ptr_', flow_keys: 'flow_keys', buf: 'buf',
  };
  const prefix = (r.rdonly ? 'rdonly_' : '') + (r.ringbuf ? 'ringbuf_' : '');
  if (r.type === 'btf_id') return `${prefix}${r.maybeNull ? 'ptr_or_null_' : 'ptr_'}${r.btfName ?? ''}`;
  return `${prefix}${base[r.type]}${r.maybeNull ? '_or_null' : ''}`;
}

/** Numbers in ranges: decimal when small, hex otherwise (6.x log.c). */
export function unum(v: bigint): string {
  return v <= 1024n ? v.toString() : `0x${v.toString(16)}`;
}
export function snum(v: bigint): string {
  return v >= -1024n && v <= 1024n ? v.toString() : `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/** print_scalar_ranges: the bounds that say something, merging equal neighbours. */
function scalarRanges(b: Bounds): string[] {
  const items: Array<{ name: string; val: bigint; omit: boolean; signed: boolean }> = [
    { name: 'smin', val: b.smin, omit: b.smin === S64_MIN, signed: true },
    { name: 'smax', val: b.smax, omit: b.smax === S64_MAX, signed: true },
    { name: 'umin', val: b.umin, omit: b.umin === 0n, signed: false },
    { name: 'umax', val: b.umax, omit: b.umax === U64, signed: false },
    { name: 'smin32', val: b.s32min, omit: b.s32min === S32_MIN, signed: true },
    { name: 'smax32', val: b.s32max, omit: b.s32max === S32_MAX, signed: true },
    { name: 'umin32', val: b.u32min, omit: b.u32min === 0n, signed: false },
    { name: 'umax32', val: b.u32max, omit: b.u32max === U32, signed: false },
  ];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const m1 = items[i]!;
    if (m1.omit) continue;
    const v1 = BigInt.asUintN(64, m1.val);
    const neg1 = m1.signed && m1.val < 0n;
    let s = `${m1.name}=`;
    for (let j = i + 2; j < items.length; j += 2) {
      const m2 = items[j]!;
      if (m2.omit || BigInt.asUintN(64, m2.val) !== v1) continue;
      const neg2 = m2.signed && m2.val < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      s += `${m2.name}=`;
    }
    s += m1.signed ? snum(BigInt.asIntN(64, v1)) : unum(v1);
    out.push(s);
  }
  return out;
}

/** print_reg_state, in the notation of 6.x kernels. */
export function regStr(r: RegState): string {
  const t = r.type;
  if (t === 'scalar' && r.precise) return 'P' + regStr({ ...r, precise: false });
  if ((t === 'scalar' || t === 'stack') && tnumIsConst(r.b.varOff)) {
    const v = BigInt.asIntN(64, r.b.varOff.value + BigInt(r.off));
    return (t === 'scalar' ? '' : 'fp') + v.toString();
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (t !== 'scalar' && r.off) parts.push(`off=${r.off}`);
  if (t === 'pkt' || t === 'pkt_meta') parts.push(`r=${r.range < 0 ? '0x' + BigInt.asUintN(64, BigInt(r.range)).toString(16) : r.range}`);
  else if (t === 'map_ptr' || t === 'map_value' || t === 'map_key') {
    if (r.map) parts.push(...(r.map.name ? [`map=${r.map.name}`] : []), `ks=${r.map.spec.keySize},vs=${r.map.spec.valueSize}`);
  }
  if (t === 'mem' && r.memSize) parts.push(`sz=${r.memSize}`);
  if (tnumIsConst(r.b.varOff)) {
    if (r.b.varOff.value) parts.push(`imm=${r.b.varOff.value.toString(16)}`);
  } else {
    parts.push(...scalarRanges(r.b));
    if (!tnumIsUnknown(r.b.varOff)) parts.push(`var_off=${tnumStr(r.b.varOff)}`);
  }
  return `${typeStr(r)}(${parts.join(',')})`;
}

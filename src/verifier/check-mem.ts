// Memory accesses (check_mem_access): context fields per program type, stack slots (spill,
// fill, misc, zero, uninitialised), packet data inside proven ranges, map values inside
// value_size, helper-returned memory, and the kernel's messages for each failure.

import { checkLockOverlap } from './spinlock.js';
import { flowKeysAccess, sockPtrAccess } from '../progs/sockptr.js';
import { type Bounds, S64_MIN, coerceToSize, coerceToSizeSx, constBounds } from './bounds.js';
import { BPF_MAX_VAR_OFF, type Env, fail, nextId, noteStack, noteStackRead } from './env.js';
import { cloneReg, constScalar, isPointer, notInit, pointer, type RegState, typeStr, unknownScalar } from './regstate.js';
import { getSlot } from './states.js';
import { STACK_INVALID, STACK_MISC, STACK_SPILL, STACK_ZERO, slotOf } from './stack.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst, tnumStr } from './tnum.js';

const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;

export interface AccessResult {
  /** The value a read produced (a register state), undefined for writes. */
  value?: RegState;
}

function tnStr(b: Bounds): string {
  return tnumIsConst(b.varOff) ? BigInt.asIntN(64, b.varOff.value).toString() : tnumStr(b.varOff);
}

/** __check_mem_access: one window [off, off+size) inside [0, memSize); the kernel's message when not. */
function memWindow(regno: number, r: RegState, off: number, size: number, memSize: number, zeroOk: boolean): string | undefined {
  if (off >= 0 && size >= 0 && (size !== 0 || zeroOk) && off + size <= memSize) return undefined;
  switch (r.type) {
    case 'map_value': return `invalid access to map value, value_size=${memSize} off=${off} size=${size}`;
    case 'map_key': return `invalid access to map key, key_size=${memSize} off=${off} size=${size}`;
    case 'pkt': case 'pkt_meta': return `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${off},r=${r.range})`;
    default: return `invalid access to memory, mem_size=${memSize} off=${off} size=${size}`;
  }
}


/** check_mem_region_access: fixed offset plus every value of the variable offset. */
export function regionAccess(env: Env, regno: number, r: RegState, off: number, size: number, memSize: number, zeroOk: boolean, code: string): void {
  const smin = r.b.smin;
  if (smin < 0n && (smin === S64_MIN || BigInt.asIntN(32, BigInt(off) + smin) !== BigInt(off) + smin || smin + BigInt(off) < 0n)) {
    fail(env, 'NEGATIVE_INDEX', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  const lo = memWindow(regno, r, Number(smin) + off, size, memSize, zeroOk);
  if (lo) fail(env, code, `${lo}\nR${regno} min value is outside of the allowed memory range`);
  if (r.b.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    fail(env, 'UNBOUNDED_ACCESS', `R${regno} unbounded memory access, make sure to bounds check any such access`);
  }
  const hi = memWindow(regno, r, Number(r.b.umax) + off, size, memSize, zeroOk);
  if (hi) fail(env, code, `${hi}\nR${regno} max value is outside of the allowed memory range`);
}

/** check_packet_access */
export function packetAccess(env: Env, regno: number, r: RegState, off: number, size: number, zeroOk: boolean): void {
  if (r.b.smin < 0n) fail(env, 'NEGATIVE_INDEX', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  const first = r.range < 0 ? undefined : memWindow(regno, r, off, size, r.range, zeroOk);
  if (r.range < 0 || first) fail(env, 'PKT_ACCESS', `${first ? first + '\n' : ''}R${regno} offset is outside of the packet`);
}

/** The byte range a stack access covers, checked against the frame (check_stack_access_within_bounds). */
export function stackBounds(env: Env, regno: number, r: RegState, off: number, size: number, what: string): { min: number; max: number } {
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(r.b.varOff)) {
    minOff = Number(BigInt.asIntN(64, r.b.varOff.value)) + off;
    maxOff = minOff + size;
  } else {
    if (r.b.smax >= BigInt(BPF_MAX_VAR_OFF) || r.b.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      fail(env, 'STACK_VAR_UNBOUNDED', `invalid unbounded variable-offset${what} stack R${regno}`);
    }
    minOff = Number(r.b.smin) + off;
    maxOff = Number(r.b.smax) + off + size;
  }
  if (minOff < -512 || maxOff > 0 || (size === 0 && minOff >= 0)) {
    if (tnumIsConst(r.b.varOff)) fail(env, 'STACK_OUT_OF_BOUNDS', `invalid${what} stack R${regno} off=${off + Number(BigInt.asIntN(64, r.b.varOff.value))} size=${size}`);
    fail(env, 'STACK_OUT_OF_BOUNDS', `invalid variable-offset${what} stack R${regno} var_off=${tnumStr(r.b.varOff)} off=${off} size=${size}`);
  }
  return { min: minOff, max: maxOff };
}

function isZeroScalar(r: RegState | undefined): boolean {
  return !!r && r.type === 'scalar' && tnumIsConst(r.b.varOff) && r.b.varOff.value === 0n;
}

/** Write `size` bytes at fp+off of frame fi (fixed offset). value: the register stored, or a constant (ST). */
function stackWriteFixed(env: Env, fi: number, off: number, size: number, value: RegState | undefined, imm: bigint | undefined): void {
  const fr = env.cur.frames[fi]!;
  const { spi } = slotOf(off);
  const slot = getSlot(fr, spi);
  if (fi === env.cur.frames.length - 1) env.scratchSlots.add(spi);
  const aligned = off % 8 === 0;
  if (value && aligned && value.type === 'scalar' && size >= 1) {
    // assign_scalar_id_before_mov: a spill that keeps the whole value links register and slot
    if (env.privileged && !value.id && !tnumIsConst(value.b.varOff) && (size === 8 || value.b.umax < 1n << BigInt(size * 8))) value.id = nextId(env);
    saveSpill(slot, value, size);
    return;
  }
  if (!value && aligned && imm !== undefined) {
    const c = constScalar(imm);
    saveSpill(slot, c, size);
    return;
  }
  if (value && value.type !== 'scalar') {
    if (size !== 8) fail(env, 'SPILL_SIZE', 'invalid size of register spill');
    saveSpill(slot, value, 8);
    return;
  }
  // plain data: any spilled register in the slot is destroyed
  if (slot.types[7] === STACK_SPILL || slot.spilled) {
    for (let j = 0; j < 8; j++) if (slot.types[j] === STACK_SPILL) slot.types[j] = STACK_MISC;
    slot.spilled = null;
    slot.spillSize = 0;
  }
  const zero = (value && isZeroScalar(value)) || (!value && imm === 0n);
  for (let i = 0; i < size; i++) {
    const p = slotOf(off + i);
    const s = getSlot(fr, p.spi);
    if (s !== slot && (s.types[7] === STACK_SPILL || s.spilled)) {
      for (let j = 0; j < 8; j++) if (s.types[j] === STACK_SPILL) s.types[j] = STACK_MISC;
      s.spilled = null; s.spillSize = 0;
    }
    s.types[p.byte] = zero ? STACK_ZERO : STACK_MISC;
  }
}

function saveSpill(slot: ReturnType<typeof getSlot>, value: RegState, size: number): void {
  const v = cloneReg(value);
  if (size < 8 && v.type === 'scalar') {
    v.b = { ...v.b };
    if (v.b.umax >= 1n << BigInt(size * 8)) { coerceToSize(v.b, size); v.id = 0; }
  }
  for (let j = 0; j < 8; j++) {
    if (j >= 8 - size) slot.types[j] = STACK_SPILL;
    else if (slot.types[j] === STACK_SPILL) slot.types[j] = STACK_MISC;
  }
  slot.spilled = v;
  slot.spillSize = size;
}

function stackReadFixed(env: Env, fi: number, off: number, size: number, regno: number): RegState {
  const fr = env.cur.frames[fi]!;
  const { spi } = slotOf(off);
  if (fi === env.cur.frames.length - 1) env.scratchSlots.add(spi);
  noteStackRead(env, fi, spi);
  if (slotOf(off + size - 1).spi !== spi) noteStackRead(env, fi, slotOf(off + size - 1).spi);
  const slot = fr.stack[spi];
  if (slot && slot.types[7] === STACK_SPILL && slot.spilled) {
    const sp = slot.spilled;
    if (sp.type !== 'scalar') {
      if (size !== 8 || off % 8 !== 0) fail(env, 'FILL_SIZE', 'invalid size of register fill');
      return cloneReg(sp);
    }
    if (off % 8 === 0 && size === slot.spillSize) return cloneReg(sp);
    if (off % 8 === 8 - size && size === slot.spillSize) return cloneReg(sp);
  }
  let allZero = true;
  for (let i = 0; i < size; i++) {
    const p = slotOf(off + i);
    const s = fr.stack[p.spi];
    const t = s ? s.types[p.byte]! : STACK_INVALID;
    if (t === STACK_ZERO) continue;
    allZero = false;
    if (t === STACK_INVALID && !env.privileged) {
      fail(env, 'STACK_READ_UNINIT', `invalid read from stack off ${off}+${i} size ${size}`);
    }
  }
  void regno;
  return allZero ? constScalar(0n) : unknownScalar();
}

/** Variable-offset stack write: every byte it may touch becomes misc (zero stays zero when writing zero). */
function stackWriteVar(env: Env, fi: number, min: number, max: number, zero: boolean): void {
  const fr = env.cur.frames[fi]!;
  for (let a = min; a < max; a++) {
    const p = slotOf(a);
    const s = getSlot(fr, p.spi);
    if (s.types[7] === STACK_SPILL || s.spilled) {
      for (let j = 0; j < 8; j++) if (s.types[j] === STACK_SPILL) s.types[j] = STACK_MISC;
      s.spilled = null; s.spillSize = 0;
    }
    if (zero && s.types[p.byte] === STACK_ZERO) continue;
    s.types[p.byte] = STACK_MISC;
  }
}

function stackReadVar(env: Env, fi: number, min: number, max: number, regno: number, r: RegState, off: number, size: number): RegState {
  const fr = env.cur.frames[fi]!;
  noteRange(env, fi, min, max);
  let allZero = true;
  for (let a = min; a < max; a++) {
    const p = slotOf(a);
    const s = fr.stack[p.spi];
    const t = s ? s.types[p.byte]! : STACK_INVALID;
    if (t === STACK_ZERO) continue;
    allZero = false;
    if (t === STACK_INVALID && !env.privileged) {
      fail(env, 'STACK_READ_UNINIT', `invalid variable-offset read from stack R${regno} var_off=${tnumStr(r.b.varOff)} off=${off} size=${size}`);
    }
  }
  return allZero ? constScalar(0n) : unknownScalar();
}

/**
 * Check (and perform on the abstract state) a stack access through r: read → the value
 * read; write → stores `value` / `imm`.
 */
export function stackAccess(env: Env, regno: number, r: RegState, insnOff: number, size: number, write: boolean,
  value?: RegState, imm?: bigint): RegState | undefined {
  const off = insnOff + r.off;
  // stack accesses must be aligned to their size (check_ptr_alignment, strict for the stack)
  const total = tnumAdd(r.b.varOff, tnumConst(BigInt(off)));
  if (!tnumIsAligned(total, size)) {
    fail(env, 'STACK_MISALIGNED', `misaligned stack access off ${tnStr(r.b)}+${r.off}+${insnOff} size ${size}`);
  }
  const { min, max } = stackBounds(env, regno, r, off, size, write ? ' write to' : ' read from');
  const fi = r.frameno;
  noteStack(env, fi, -min);
  if (tnumIsConst(r.b.varOff)) {
    if (write) { stackWriteFixed(env, fi, min, size, value, imm); return undefined; }
    return stackReadFixed(env, fi, min, size, regno);
  }
  if (write) {
    stackWriteVar(env, fi, min, max, (value && isZeroScalar(value)) || imm === 0n);
    return undefined;
  }
  return stackReadVar(env, fi, min, max, regno, r, off, size);
}

/** Every slot of fp+[min, max) is read (for stack liveness). */
export function noteRange(env: Env, fi: number, min: number, max: number): void {
  if (max <= min) return;
  const hi = slotOf(min).spi;
  for (let spi = slotOf(max - 1).spi; spi <= hi; spi++) noteStackRead(env, fi, spi);
}

/** Mark [min, max) of a frame's stack as written by a helper (MEM_UNINIT args). */
export function stackHelperWrite(env: Env, fi: number, min: number, max: number): void {
  stackWriteVar(env, fi, min, max, false);
}

/** The helper reads [min,max) of the stack: every byte must be initialised (check_stack_range_initialized). */
export function stackHelperRead(env: Env, fi: number, min: number, max: number, regno: number, r: RegState): void {
  const fr = env.cur.frames[fi]!;
  noteRange(env, fi, min, max);
  for (let a = min; a < max; a++) {
    const p = slotOf(a);
    const s = fr.stack[p.spi];
    const t = s ? s.types[p.byte]! : STACK_INVALID;
    // a spilled pointer read by a helper leaks it (unprivileged: check_stack_range_initialized)
    if (t === STACK_SPILL && s?.spilled && s.spilled.type !== 'scalar' && !env.privileged) {
      if (tnumIsConst(r.b.varOff)) fail(env, 'STACK_READ_UNINIT', `invalid indirect read from stack R${regno} off ${min}+${a - min} size ${max - min}`);
      fail(env, 'STACK_READ_UNINIT', `invalid indirect read from stack R${regno} var_off ${tnumStr(r.b.varOff)}+${a - min} size ${max - min}`);
    }
    if (t !== STACK_INVALID) continue;
    if (env.privileged) continue;
    if (tnumIsConst(r.b.varOff)) fail(env, 'STACK_READ_UNINIT', `invalid indirect read from stack R${regno} off ${min}+${a - min} size ${max - min}`);
    fail(env, 'STACK_READ_UNINIT', `invalid indirect read from stack R${regno} var_off ${tnumStr(r.b.varOff)}+${a - min} size ${max - min}`);
  }
}

function ctxAccess(env: Env, regno: number, r: RegState, insnOff: number, size: number, write: boolean, signExtend = false): RegState | undefined {
  if (r.off < 0) fail(env, 'CTX_MODIFIED', `negative offset ctx ptr R${regno} off=${r.off} disallowed`);
  if (r.off) fail(env, 'CTX_MODIFIED', `dereference of modified ctx ptr R${regno} off=${r.off} disallowed`);
  if (!tnumIsConst(r.b.varOff) || r.b.varOff.value) fail(env, 'CTX_VAR_OFF', `variable ctx access var_off=${tnumStr(r.b.varOff)} disallowed`);
  const res = env.info ? env.info.ctxAccess(insnOff, size, write, env.prog.expectedAttachType || undefined) : { ok: false as const, reason: 'unknown program type' };
  if (!res.ok) fail(env, 'CTX_ACCESS', `invalid bpf_context access off=${insnOff} size=${size}`);
  // a sign-extending load (BPF_MEMSX) of a field the kernel turns into a pointer is refused
  if (signExtend && res.type !== undefined && res.type !== 'scalar') fail(env, 'CTX_ACCESS', `invalid bpf_context access off=${insnOff} size=${size}`);
  if (write) return undefined;
  switch (res.type) {
    case 'pkt': return pointer('pkt');
    case 'pkt_meta': return pointer('pkt_meta');
    case 'pkt_end': return pointer('pkt_end');
    case 'scalar': return unknownScalar();
    case 'sock_common_or_null': return pointer('sock_common', { maybeNull: true, id: nextId(env) });
    case 'socket_or_null': return pointer('sock', { maybeNull: true, id: nextId(env) });
    case 'socket': return pointer('sock');
    case 'flow_keys': return pointer('flow_keys');
    default: return unknownScalar();
  }
}

/** Frozen read-only map (.rodata): the bytes the program will read, when known. */
function rodataValue(r: RegState, off: number, size: number): bigint | undefined {
  const m = r.map?.spec;
  if (!m || !(m.flags & BPF_F_RDONLY_PROG) || !m.freeze || !tnumIsConst(r.b.varOff)) return undefined;
  const c = m.contents?.[0];
  if (!c || !(c.value instanceof Uint8Array)) return undefined;
  const start = off + Number(r.b.varOff.value);
  if (start < 0 || start + size > c.value.length) return undefined;
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(c.value[start + i]!);
  return v;
}

/** Pointer descriptions of check_ptr_alignment's messages. */
const ALIGN_DESC: Record<string, string> = {
  flow_keys: 'flow keys ', map_key: 'key ', map_value: 'value ', ctx: 'context ', sock: 'sock ', sock_common: 'sock_common ', tcp_sock: 'tcp_sock ',
};

/**
 * check_ptr_alignment with strict_alignment_once (atomics): the first check of check_mem_access,
 * before the register's type is looked at (a scalar with unknown low bits is misaligned). The
 * stack is always strict (stackAccess); packet offsets count NET_IP_ALIGN (2).
 */
function strictAlignment(env: Env, r: RegState, insnOff: number, size: number): void {
  if (size === 1 || r.type === 'stack') return;
  const pkt = (r.type === 'pkt' || r.type === 'pkt_meta') && !r.maybeNull;
  const ipAlign = pkt ? 2 : 0;
  if (tnumIsAligned(tnumAdd(r.b.varOff, tnumConst(BigInt(ipAlign + r.off + insnOff))), size)) return;
  if (pkt) fail(env, 'MISALIGNED', `misaligned packet access off ${ipAlign}+${tnStr(r.b)}+${r.off}+${insnOff} size ${size}`);
  const desc = r.maybeNull ? '' : ALIGN_DESC[r.type] ?? '';
  fail(env, 'MISALIGNED', `misaligned ${desc}access off ${tnStr(r.b)}+${r.off}+${insnOff} size ${size}`);
}

/** check_ptr_alignment(strict) of a helper's MEM_ALIGNED argument (bpf_strtol's result...). */
export function argAlignment(env: Env, r: RegState, size: number): void {
  if (r.type === 'stack') {
    if (!tnumIsAligned(tnumAdd(r.b.varOff, tnumConst(BigInt(r.off))), size)) fail(env, 'STACK_MISALIGNED', `misaligned stack access off ${tnStr(r.b)}+${r.off}+0 size ${size}`);
    return;
  }
  strictAlignment(env, r, 0, size);
}

/**
 * check_mem_access for one load or store through register `regno` (insn off, size).
 * Returns the loaded value for reads (already sized / sign-extended).
 */
export function memAccess(env: Env, regno: number, insnOff: number, size: number, write: boolean,
  opts: { value?: RegState; imm?: bigint; signExtend?: boolean; atomic?: boolean } = {}): RegState | undefined {
  const r = env.cur.frames[env.cur.frames.length - 1]!.regs[regno]!;
  const off = insnOff + r.off;
  let result: RegState | undefined;
  // BPF_F_STRICT_ALIGNMENT (unless BPF_F_ANY_ALIGNMENT): every access, as on hosts without efficient unaligned access
  if (opts.atomic || ((env.prog.flags & 1) && !(env.prog.flags & 2))) strictAlignment(env, r, insnOff, size);
  if (r.maybeNull && r.type !== 'scalar') fail(env, 'NULL_DEREF', `R${regno} invalid mem access '${typeStr(r)}'`);
  // unprivileged: a pointer stored anywhere but the stack leaks it (check_mem_access)
  if (write && opts.value && !env.privileged && isPointer(opts.value) && r.type !== 'stack' && !opts.atomic) {
    const vr = env.cur.frames[env.cur.frames.length - 1]!.regs.indexOf(opts.value);
    const into = r.type === 'map_value' || r.type === 'map_key' ? 'map' : r.type === 'ctx' ? 'ctx' : r.type === 'pkt' || r.type === 'pkt_meta' ? 'packet' : 'mem';
    fail(env, 'LEAK_ADDR', `R${vr} leaks addr into ${into}`);
  }
  switch (r.type) {
    case 'ctx':
      result = ctxAccess(env, regno, r, insnOff, size, write, opts.signExtend);
      break;
    case 'stack':
      result = stackAccess(env, regno, r, insnOff, size, write, opts.value, opts.imm);
      break;
    case 'pkt': case 'pkt_meta': {
      const access = env.info?.packetAccess ?? 'none';
      if (write && access !== 'write') fail(env, 'PKT_WRITE', 'cannot write into packet');
      if (access === 'none') fail(env, 'PKT_NO_ACCESS', `R${regno} invalid mem access '${typeStr(r)}'`);
      packetAccess(env, regno, r, off, size, false);
      if (!write) result = unknownScalar();
      break;
    }
    case 'map_value': {
      const vs = r.map!.spec.valueSize;
      if (write && r.map!.spec.flags & BPF_F_RDONLY_PROG) fail(env, 'MAP_RDONLY', `write into map forbidden, value_size=${vs} off=${off} size=${size}`);
      if (!write && r.map!.spec.flags & BPF_F_WRONLY_PROG) fail(env, 'MAP_WRONLY', `read from map forbidden, value_size=${vs} off=${off} size=${size}`);
      regionAccess(env, regno, r, off, size, vs, false, 'MAP_VALUE_ACCESS');
      checkLockOverlap(env, r, off, size);
      if (!write) {
        const c = rodataValue(r, off, size);
        result = c !== undefined ? constScalar(c) : unknownScalar();
      }
      break;
    }
    case 'map_key': {
      if (write) fail(env, 'MAP_KEY_WRITE', `write to change key R${regno} not allowed`);
      regionAccess(env, regno, r, off, size, r.map!.spec.keySize, false, 'MAP_KEY_ACCESS');
      result = unknownScalar();
      break;
    }
    case 'mem':
      if (write && r.rdonly) fail(env, 'MEM_RDONLY', `cannot write into ${typeStr(r)}`);
      regionAccess(env, regno, r, off, size, r.memSize, false, 'MEM_ACCESS');
      if (!write) result = unknownScalar();
      break;
    case 'sock': case 'sock_common': case 'tcp_sock':
      // check_sock_access: read-only struct bpf_sock / bpf_tcp_sock fields (src/progs/sockptr.ts)
      if (write) fail(env, 'SOCK_WRITE', `R${regno} cannot write into ${typeStr(r)}`);
      if (!tnumIsConst(r.b.varOff) || r.b.varOff.value || !sockPtrAccess(r.type, off, size)) {
        fail(env, 'SOCK_ACCESS', `R${regno} invalid ${typeStr(r)} access off=${off} size=${size}`);
      }
      result = unknownScalar();
      break;
    case 'flow_keys':
      // check_flow_keys_access: anywhere inside struct bpf_flow_keys, loads and stores
      if (!tnumIsConst(r.b.varOff)) fail(env, 'FLOW_KEYS_ACCESS', `variable flow_keys access var_off=${tnumStr(r.b.varOff)} disallowed`);
      if (!flowKeysAccess(off + Number(r.b.varOff.value), size)) fail(env, 'FLOW_KEYS_ACCESS', `invalid access to flow keys off=${off + Number(r.b.varOff.value)} size=${size}`);
      if (!write) result = unknownScalar();
      break;
    default:
      fail(env, 'INVALID_MEM_ACCESS', `R${regno} invalid mem access '${typeStr(r)}'`);
  }
  if (!write && result) {
    if (result.type === 'scalar' && size < 8) {
      result.b = { ...result.b };
      if (opts.signExtend) coerceToSizeSx(result.b, size);
      else coerceToSize(result.b, size);
    }
    return result;
  }
  return undefined;
}

export { constBounds, notInit, STACK_MISC };

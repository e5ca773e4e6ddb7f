// Verifier states (all frames of the current path plus acquired references), their
// printing, and state equivalence for pruning: an explored state `old` covers the current
// one when every register and stack slot that may still be read allows at least the values
// the current one holds (regsafe / stacksafe / refsafe, with id maps).

import { boundsEqual, boundsWithin } from './bounds.js';
import { cloneReg, notInit, type RegState, regStr, unknownScalar } from './regstate.js';
import { cloneSlot, emptySlot, slotForClone, slotStr, STACK_INVALID, STACK_MISC, STACK_SPILL, STACK_ZERO, type StackSlot } from './stack.js';
import { tnumEq } from './tnum.js';

export interface FuncState {
  regs: RegState[];
  stack: StackSlot[];
  /** Instruction of the call that created this frame (-1 for the main frame). */
  callsite: number;
  frameno: number;
  /** First instruction of the function. */
  subprog: number;
  /** Callback frames: allowed return range, and the helper that calls it. */
  inCallback: boolean;
  cbRet?: readonly [bigint, bigint];
  /** bpf_loop & co: the callback may be called again; the caller's resume point. */
  cbLoop?: boolean;
  /** How many times the callback was re-entered on this path (widening after a few). */
  cbIter?: number;
  /** Callback frames: R1..R5 the helper passes on each call (the kernel re-checks the call for every iteration). */
  cbArgs?: RegState[];
}

export interface Reference {
  id: number;
  insn: number;
}

export interface VState {
  frames: FuncState[];
  refs: Reference[];
  /** bpf_spin_lock held: the map (MapInfo index) and the id of the value pointer it was taken through. */
  lock?: { map: number; id: number };
}

export function newFrame(frameno: number, callsite: number, subprog: number): FuncState {
  const regs: RegState[] = [];
  for (let i = 0; i < 11; i++) regs.push(notInit());
  return { regs, stack: [], callsite, frameno, subprog, inCallback: false };
}

export function cloneFrame(f: FuncState): FuncState {
  return { ...f, regs: f.regs.map(cloneReg), stack: f.stack.map(slotForClone) };
}

export function cloneState(s: VState): VState {
  return { frames: s.frames.map(cloneFrame), refs: s.refs.map((r) => ({ ...r })), ...(s.lock ? { lock: { ...s.lock } } : {}) };
}

/** Slot spi of the frame, to modify (a slot shared with other states is copied first). */
export function getSlot(f: FuncState, spi: number): StackSlot {
  while (f.stack.length <= spi) f.stack.push(emptySlot());
  let s = f.stack[spi]!;
  if (s.shared) { s = cloneSlot(s); f.stack[spi] = s; }
  return s;
}

/** Every register and stack slot of all frames (spilled registers included). */
export function* allRegs(s: VState): Generator<RegState> {
  for (const f of s.frames) {
    for (const r of f.regs) yield r;
    for (const sl of f.stack) if (sl.spilled) yield sl.spilled;
  }
}

/** print_verifier_state for one frame; scratch sets limit what is printed unless all. */
export function frameStr(f: FuncState, refs: readonly Reference[], regMask: number | 'all', slotSet: Set<number> | 'all'): string {
  let out = f.frameno ? ` frame${f.frameno}:` : '';
  for (let i = 0; i < 11; i++) {
    const r = f.regs[i]!;
    if (r.type === 'not_init') continue;
    if (regMask !== 'all' && !(regMask & (1 << i))) continue;
    out += ` R${i}=${regStr(r)}`;
  }
  for (let i = 0; i < f.stack.length; i++) {
    if (slotSet !== 'all' && !slotSet.has(i)) continue;
    const s = slotStr(i, f.stack[i]!);
    if (s) out += s;
  }
  if (refs.length) out += ` refs=${refs.map((r) => r.id).join(',')}`;
  if (f.inCallback) out += ' cb';
  return out;
}

// ---- equivalence ----------------------------------------------------------------------------

class IdMap {
  private m = new Map<number, number>();
  private r = new Map<number, number>();
  /** check_ids: old id and cur id must correspond one to one. */
  check(oldId: number, curId: number): boolean {
    if (!oldId && !curId) return true;
    if (!oldId || !curId) return false;
    const a = this.m.get(oldId);
    const b = this.r.get(curId);
    if (a === undefined && b === undefined) { this.m.set(oldId, curId); this.r.set(curId, oldId); return true; }
    return a === curId && b === oldId;
  }
  /** Scalars: ids only matter when the old one links registers; a fresh cur id is fine. */
  checkScalar(oldId: number, curId: number): boolean {
    if (!oldId) return true;
    return this.check(oldId, curId || -1 - this.m.size);
  }
}

/**
 * How states are compared: false = NOT_EXACT (pruning: imprecise scalars of the old state
 * match anything), true = EXACT (loop detection), 'range' = RANGE_WITHIN (pruning against a
 * state still being explored: every scalar by range, precise or not).
 */
export type Exact = boolean | 'range';

/** Options of the comparison: unprivileged programs track every scalar precisely. */
export interface CompareOpts {
  privileged?: boolean;
  /** Compare every scalar by range (unprivileged programs, or precision tracking off). */
  allPrecise?: boolean;
}

function regsafe(old: RegState, cur: RegState, idmap: IdMap, exact: Exact, o: CompareOpts): boolean {
  if (exact === true) {
    if (old.type !== cur.type) return false;
    if (old.type === 'not_init') return true;
  } else if (old.type === 'not_init') {
    return true;
  }
  if (old.type !== cur.type || old.maybeNull !== cur.maybeNull || old.ringbuf !== cur.ringbuf || old.rdonly !== cur.rdonly) return false;
  if (old.type === 'scalar') {
    if (exact === true) return boundsEqual(old.b, cur.b) && idmap.checkScalar(old.id, cur.id);
    // an imprecise scalar: nothing explored from the old state relied on its value
    if (exact === false && !old.precise && o.privileged !== false && !o.allPrecise) return true;
    return idmap.checkScalar(old.id, cur.id) && boundsWithin(old.b, cur.b);
  }
  const ex = exact === true;
  if (old.off !== cur.off || old.map?.index !== cur.map?.index || old.frameno !== cur.frameno || old.subprog !== cur.subprog ||
      old.memSize !== cur.memSize || old.btfName !== cur.btfName) return false;
  if (ex ? !boundsEqual(old.b, cur.b) : !boundsWithin(old.b, cur.b)) return false;
  if (!tnumEq(old.b.varOff, cur.b.varOff) && ex) return false;
  if (old.type === 'pkt' || old.type === 'pkt_meta') {
    if (ex ? old.range !== cur.range : (old.range < 0 ? old.range !== cur.range : cur.range < old.range)) return false;
  }
  if (!idmap.check(old.id, cur.id)) return false;
  if (!idmap.check(old.refObjId, cur.refObjId)) return false;
  return true;
}

/** An unknown, imprecise scalar: what reading 8 misc bytes gives (the kernel's unbound_reg). */
const UNBOUND: RegState = { ...unknownScalar(), precise: false };

/** scalar_reg_for_stack: a 64-bit scalar spill, or 8 misc bytes (uninitialised too when allowed). */
function scalarForSlot(s: StackSlot, o: CompareOpts): RegState | undefined {
  if (s.types[7] === STACK_SPILL && s.spilled?.type === 'scalar' && s.spillSize === 8) return s.spilled;
  if (s.types.every((t) => t === STACK_MISC || (t === STACK_INVALID && o.privileged !== false))) return UNBOUND;
  return undefined;
}

function stacksafe(old: FuncState, cur: FuncState, idmap: IdMap, exact: Exact, o: CompareOpts, alive?: (spi: number) => boolean): boolean {
  const empty = emptySlot();
  for (let i = 0; i < old.stack.length; i++) {
    // a slot nothing reads before writing it again cannot make the states differ
    if (alive && exact === false && !alive(i)) continue;
    const os = old.stack[i]!;
    const cs = cur.stack[i] ?? empty;
    if (exact === true) {
      for (let j = 0; j < 8; j++) if (os.types[j] !== cs.types[j]) return false;
      if (!!os.spilled !== !!cs.spilled) return false;
      if (os.spilled && cs.spilled && (os.spillSize !== cs.spillSize || !regsafe(os.spilled, cs.spilled, idmap, true, o))) return false;
      continue;
    }
    // byte by byte, as the kernel's stacksafe (a slot at a time where a scalar stands for it)
    for (let j = 0; j < 8; j++) {
      const ot = os.types[j]!;
      const ct = cs.types[j]!;
      if (ot === STACK_INVALID) continue;
      // misc bytes read as an unknown scalar: anything but a spilled pointer is as good
      // (the kernel also lets a pointer spill pass here for privileged programs; we stay stricter)
      if (ot === STACK_MISC && (ct === STACK_MISC || ct === STACK_ZERO || (ct === STACK_INVALID && o.privileged !== false) ||
          (ct === STACK_SPILL && cs.spilled?.type === 'scalar'))) continue;
      const oreg = scalarForSlot(os, o);
      const creg = scalarForSlot(cs, o);
      if (oreg && creg) {
        if (!regsafe(oreg, creg, idmap, exact, o)) return false;
        break;
      }
      if (ot === STACK_MISC && ct === STACK_ZERO) continue;
      if (ot !== ct) return false;
      if (j !== 7) continue;
      if (ot === STACK_SPILL) {
        if (!os.spilled || !cs.spilled || os.spillSize !== cs.spillSize) return false;
        if (!regsafe(os.spilled, cs.spilled, idmap, exact, o)) return false;
      }
    }
  }
  if (exact === true) {
    for (let i = old.stack.length; i < cur.stack.length; i++) if (cur.stack[i]!.types.some((t) => t !== STACK_INVALID)) return false;
  }
  return true;
}

export interface Liveness {
  /** Registers (bitmask) that may be read before written, from each instruction. */
  liveIn(pc: number): number;
  /** Stack slot spi of the frame at pc may be read before written (stack-liveness.ts); absent: every slot. */
  slotAlive?(pc: number, spi: number): boolean;
}

/**
 * Does old (explored, fully verified) cover cur at instruction pc? `exact` asks for
 * equality (loop detection).
 */
export function statesEqual(old: VState, cur: VState, pc: number, live: Liveness | undefined, exact: Exact, o: CompareOpts = {}): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const idmap = new IdMap();
  for (let fi = old.frames.length - 1; fi >= 0; fi--) {
    const of = old.frames[fi]!;
    const cf = cur.frames[fi]!;
    if (of.callsite !== cf.callsite || of.subprog !== cf.subprog || of.inCallback !== cf.inCallback) return false;
    const top = fi === old.frames.length - 1;
    const mask = live ? (top ? live.liveIn(pc) : live.liveIn(old.frames[fi + 1]!.callsite + 1) & 0x3c0) : 0x7ff;
    for (let r = 0; r < 11; r++) {
      if (exact !== true && r !== 10 && !(mask & (1 << r))) continue;
      if (!regsafe(of.regs[r]!, cf.regs[r]!, idmap, exact, o)) return false;
    }
    const at = top ? pc : old.frames[fi + 1]!.callsite;
    const alive = live?.slotAlive ? (spi: number) => live.slotAlive!(at, spi) : undefined;
    if (!stacksafe(of, cf, idmap, exact, o, alive)) return false;
  }
  for (let i = 0; i < old.refs.length; i++) {
    if (!idmap.check(old.refs[i]!.id, cur.refs[i]!.id)) return false;
  }
  if (!!old.lock !== !!cur.lock) return false;
  if (old.lock && (old.lock.map !== cur.lock!.map || !idmap.check(old.lock.id, cur.lock!.id))) return false;
  return true;
}

export { STACK_ZERO, STACK_MISC, STACK_INVALID, STACK_SPILL };

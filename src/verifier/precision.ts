// Precision tracking, as the kernel's verifier does it (mark_chain_precision and its
// backtracking). Scalars are imprecise by default (privileged programs): pruning treats an
// imprecise scalar of an explored state as equal to anything. When the verifier relies on a
// scalar's value (pointer arithmetic, helper sizes, a branch decided by it, a return value),
// the register is marked precise: the instructions of the current path are walked backwards
// (this path's jump history gives the order), following what the value was computed from,
// and every register / stack slot it came from is marked precise in the explored states
// (checkpoints) along the path's parent chain, so those states no longer match states that
// differ there. Logged at level 2 as the kernel does (`mark_precise: frame0: ...`).

import type { Insn } from '../isa/insn.js';
import type { VLog } from './log.js';
import type { RegState } from './regstate.js';
import { STACK_SPILL } from './stack.js';
import { type VState, frameStr } from './states.js';

/** One jump-history entry (the kernel's bpf_jmp_history_entry). */
export interface HistEntry {
  /** Instruction reached, and the one executed before it. */
  idx: number;
  prev: number;
  /** The instruction spilled to / filled from this stack slot (INSN_F_STACK_ACCESS). */
  stack?: { frame: number; spi: number };
  /** Scalars sharing an id at a conditional jump (linked_regs). */
  linked?: Linked[];
  /** tsbpf: a callback re-entered for another iteration (prev is the callback's exit). */
  reentry?: boolean;
}

export interface Linked {
  frame: number;
  /** Register number, or stack slot when spi is set. */
  reg: number;
  spi?: boolean;
}

/** An explored state in the parent chain with the path segment that led to it. */
export interface ChainState {
  state: VState;
  parent: ChainState | null;
  /** First instruction of the segment before this checkpoint, and the last one executed. */
  firstIdx: number;
  lastIdx: number;
  hist: HistEntry[];
}

/** What backtracking needs from the verifier. */
export interface PrecisionCtx {
  /** The current state, its parent checkpoint, its segment's first insn and history. */
  cur: VState;
  parent: ChainState | null;
  firstIdx: number;
  hist: HistEntry[];
  /** Instruction being checked (last_idx). */
  pc: number;
  insnAt: (pc: number) => Insn | undefined;
  insnText: (insn: Insn) => string;
  log: VLog;
}

class Unsupported extends Error {}

/** backtrack_state: registers and stack slots that still need precision, per frame. */
class Bt {
  frame = 0;
  regs: number[] = [];
  stack: bigint[] = [];
  constructor(frame: number) {
    this.frame = frame;
    for (let i = 0; i <= frame; i++) { this.regs.push(0); this.stack.push(0n); }
  }
  empty(): boolean {
    for (let i = 0; i <= this.frame; i++) if (this.regs[i] || this.stack[i]) return false;
    return true;
  }
  isReg(r: number): boolean { return !!(this.regs[this.frame]! & (1 << r)); }
  setReg(r: number, fr = this.frame): void { this.regs[fr] = this.regs[fr]! | (1 << r); }
  clearReg(r: number, fr = this.frame): void { this.regs[fr] = this.regs[fr]! & ~(1 << r); }
  isSlot(fr: number, spi: number): boolean { return !!(this.stack[fr]! & (1n << BigInt(spi))); }
  setSlot(fr: number, spi: number): void { this.stack[fr] = this.stack[fr]! | (1n << BigInt(spi)); }
  clearSlot(fr: number, spi: number): void { this.stack[fr] = this.stack[fr]! & ~(1n << BigInt(spi)); }
  /** bt_subprog_enter: going backwards into a callee. */
  enter(): void { this.frame++; if (this.regs.length <= this.frame) { this.regs.push(0); this.stack.push(0n); } else { this.regs[this.frame] = 0; this.stack[this.frame] = 0n; } }
  /** bt_subprog_exit: going backwards out of a callee into its caller. */
  exit(): void {
    if (this.frame === 0) throw new Unsupported();
    this.regs[this.frame] = 0; this.stack[this.frame] = 0n;
    this.frame--;
  }
}

const ARGS = 0x3e; // r1..r5

function regMaskStr(m: number): string {
  const out: string[] = [];
  for (let i = 0; i < 11; i++) if (m & (1 << i)) out.push(`r${i}`);
  return out.join(',');
}

function stackMaskStr(m: bigint): string {
  const out: string[] = [];
  for (let i = 0; m >> BigInt(i); i++) if (m & (1n << BigInt(i))) out.push(String(-(i + 1) * 8));
  return out.join(',');
}

/** bt_sync_linked_regs: if one of the linked scalars needs precision, all of them do. */
function syncLinked(bt: Bt, h: HistEntry | undefined): void {
  if (!h?.linked) return;
  let some = false;
  for (const l of h.linked) {
    if (l.frame > bt.frame) continue;
    if (l.spi ? bt.isSlot(l.frame, l.reg) : !!(bt.regs[l.frame]! & (1 << l.reg))) { some = true; break; }
  }
  if (!some) return;
  for (const l of h.linked) {
    if (l.frame > bt.frame) continue;
    if (l.spi) bt.setSlot(l.frame, l.reg);
    else bt.setReg(l.reg, l.frame);
  }
}

function isCallbackCall(insn: Insn): boolean {
  // helpers that call a callback synchronously (bpf_loop, for_each_map_elem, find_vma, user_ringbuf_drain)
  return insn.src === 0 && (insn.imm === 181 || insn.imm === 164 || insn.imm === 180 || insn.imm === 209);
}

/** backtrack_insn: the instruction at idx, followed on the path by subseq. */
function backtrackInsn(ctx: PrecisionCtx, bt: Bt, idx: number, subseq: number, h: HistEntry | undefined, reentry: boolean): void {
  const insn = ctx.insnAt(idx);
  if (!insn?.form) throw new Unsupported();
  if (ctx.log.level >= 2) {
    ctx.log.write(`mark_precise: frame${bt.frame}: regs=${regMaskStr(bt.regs[bt.frame]!)} stack=${stackMaskStr(bt.stack[bt.frame]!)} before ${idx}: ${ctx.insnText(insn)}\n`);
  }
  if (reentry) {
    // tsbpf's callback iterations: the next iteration's frame replaced this one; its
    // arguments come from the helper, not from the previous iteration's registers
    if (bt.regs[bt.frame]! & ~ARGS || bt.stack[bt.frame]) throw new Unsupported();
    bt.regs[bt.frame] = 0;
    return;
  }
  syncLinked(bt, h);
  const f = insn.form;
  const dreg = insn.dst;
  const sreg = insn.src;
  switch (f.kind) {
    case 'alu': {
      if (!bt.isReg(dreg)) return;
      const op = f.op as string;
      if (op === 'neg' || op === 'end' || op === 'bswap' || op === 'le' || op === 'be') return;
      if (op === 'mov' || op === 'movsx') {
        bt.clearReg(dreg);
        if (!f.useImm && sreg !== 10) bt.setReg(sreg);
        return;
      }
      if (!f.useImm && sreg !== 10) bt.setReg(sreg);
      return;
    }
    case 'ldx': {
      if (!bt.isReg(dreg)) return;
      bt.clearReg(dreg);
      if (!h?.stack) return;
      bt.setSlot(h.stack.frame, h.stack.spi);
      return;
    }
    case 'stx': case 'st': {
      if (bt.isReg(dreg)) throw new Unsupported();
      if (!h?.stack) return;
      if (!bt.isSlot(h.stack.frame, h.stack.spi)) return;
      bt.clearSlot(h.stack.frame, h.stack.spi);
      if (f.kind === 'stx') bt.setReg(sreg);
      return;
    }
    case 'atomic': {
      const op = f.op as string;
      if (op === 'load_acq') {
        if (!bt.isReg(dreg)) return;
        bt.clearReg(dreg);
        if (h?.stack) bt.setSlot(h.stack.frame, h.stack.spi);
        return;
      }
      if (bt.isReg(dreg)) throw new Unsupported();
      // a fetched value, or an atomic update of a tracked stack slot: give up (all precise)
      if ((op === 'cmpxchg' && bt.isReg(0)) || ((op.startsWith('fetch') || op === 'xchg') && bt.isReg(sreg))) throw new Unsupported();
      if (h?.stack && bt.isSlot(h.stack.frame, h.stack.spi)) throw new Unsupported();
      return;
    }
    case 'lddw':
      if (bt.isReg(dreg)) bt.clearReg(dreg);
      return;
    case 'ldabs': case 'ldind':
      if (bt.isReg(0)) throw new Unsupported();
      return;
    case 'call': {
      if (insn.src === 1) {
        // static subprogram call: we were in the callee's first instruction
        if (bt.regs[bt.frame]! & ~ARGS) throw new Unsupported();
        if (bt.stack[bt.frame]) throw new Unsupported();
        const m = bt.regs[bt.frame]! & ARGS;
        bt.regs[bt.frame] = 0;
        bt.exit();
        bt.regs[bt.frame] = bt.regs[bt.frame]! | m;
        return;
      }
      if (isCallbackCall(insn) && idx !== subseq - 1) {
        // the callback's entry, reached from the helper that calls it
        if (bt.regs[bt.frame]! & ~ARGS) throw new Unsupported();
        if (bt.stack[bt.frame]) throw new Unsupported();
        bt.exit();
        return;
      }
      if (insn.src === 2) throw new Unsupported();
      bt.clearReg(0);
      if (bt.regs[bt.frame]! & ARGS) throw new Unsupported();
      return;
    }
    case 'callx':
      throw new Unsupported();
    case 'exit': {
      if (bt.regs[bt.frame]! & ARGS) throw new Unsupported();
      const callInsn = ctx.insnAt(subseq - 1);
      const r0 = subseq - 1 >= 0 && callInsn?.form?.kind === 'call' && callInsn.src === 1 && bt.isReg(0);
      bt.clearReg(0);
      bt.enter();
      if (r0) bt.setReg(0);
      return;
    }
    case 'jmp': {
      if (f.op === 'ja') break;
      if (!f.useImm) {
        if (!bt.isReg(dreg) && !bt.isReg(sreg)) break;
        bt.setReg(sreg);
        bt.setReg(dreg);
      }
      break;
    }
    default:
      break;
  }
  syncLinked(bt, h);
}

/** get_prev_insn_idx: -1 when the segment's first instruction is reached. */
function prevInsn(first: number, i: number, hist: readonly HistEntry[], cnt: { n: number }): { i: number; entry?: HistEntry } {
  if (i === first) {
    if (cnt.n === 0) return { i: -1 };
    if (cnt.n === 1 && hist[0]!.idx === i) return { i: -1 };
  }
  if (cnt.n && hist[cnt.n - 1]!.idx === i) {
    const e = hist[cnt.n - 1]!;
    cnt.n--;
    return { i: e.prev, entry: e };
  }
  return { i: i - 1 };
}

function histFor(hist: readonly HistEntry[], cnt: number, i: number): HistEntry | undefined {
  return cnt && hist[cnt - 1]!.idx === i ? hist[cnt - 1] : undefined;
}

/** mark_all_scalars_precise: the fallback when backtracking cannot follow the path. */
function markAllPrecise(ctx: PrecisionCtx): void {
  if (ctx.log.level >= 2) ctx.log.write(`mark_precise: frame${ctx.cur.frames.length - 1}: falling back to forcing all scalars precise\n`);
  for (let st = ctx.parent; st; st = st.parent) {
    st.state.frames.forEach((f, fi) => {
      f.regs.forEach((r, j) => {
        if (j === 10 || r.type !== 'scalar' || r.precise) return;
        r.precise = true;
        if (ctx.log.level >= 2) ctx.log.write(`force_precise: frame${fi}: forcing r${j} to be precise\n`);
      });
      f.stack.forEach((s, j) => {
        const r = s.types[7] === STACK_SPILL ? s.spilled : null;
        if (!r || r.type !== 'scalar' || r.precise) return;
        r.precise = true;
        if (ctx.log.level >= 2) ctx.log.write(`force_precise: frame${fi}: forcing fp${-(j + 1) * 8} to be precise\n`);
      });
    });
  }
}

export interface Marks {
  regs?: Array<{ frame: number; reg: number }>;
  slots?: Array<{ frame: number; spi: number }>;
}

/** mark_chain_precision(regno): a scalar register of the current frame needs precision at ctx.pc. */
export function markRegPrecise(ctx: PrecisionCtx, regno: number): void {
  const fr = ctx.cur.frames.length - 1;
  const v = ctx.cur.frames[fr]!.regs[regno];
  if (!v || v.type !== 'scalar') return;
  markChainPrecision(ctx, { regs: [{ frame: fr, reg: regno }] }, fr);
}

/**
 * __mark_chain_precision: registers and stack slots (by frame) need precision at ctx.pc;
 * walk back through the path and mark them in the parent states.
 */
export function markChainPrecision(ctx: PrecisionCtx, marks: Marks, startFrame: number): void {
  const bt = new Bt(startFrame);
  for (const r of marks.regs ?? []) bt.setReg(r.reg, r.frame);
  for (const s of marks.slots ?? []) bt.setSlot(s.frame, s.spi);
  if (bt.empty()) return;
  let st: ChainState | null = null;
  let first = ctx.firstIdx;
  let last = ctx.pc;
  let hist = ctx.hist;
  let subseq = -1;
  let skipFirst = true;
  try {
    for (;;) {
      if (ctx.log.level >= 2) ctx.log.write(`mark_precise: frame${bt.frame}: last_idx ${last} first_idx ${first} subseq_idx ${subseq} \n`);
      const cnt = { n: hist.length };
      let reentry = false;
      for (let i = last; ;) {
        if (skipFirst) skipFirst = false;
        else backtrackInsn(ctx, bt, i, subseq, histFor(hist, cnt.n, i), reentry);
        if (bt.empty()) return;
        subseq = i;
        const p = prevInsn(first, i, hist, cnt);
        reentry = !!p.entry?.reentry;
        if (p.i < 0) break;
        i = p.i;
      }
      st = st ? st.parent : ctx.parent;
      if (!st) break;
      if (st.state.frames.length !== bt.frame + 1) throw new Unsupported();
      for (let fr = bt.frame; fr >= 0; fr--) {
        const f = st.state.frames[fr]!;
        for (let i = 0; i < 11; i++) {
          if (!(bt.regs[fr]! & (1 << i))) continue;
          const r = f.regs[i]!;
          if (r.type !== 'scalar' || r.precise) bt.clearReg(i, fr);
          else r.precise = true;
        }
        for (let i = 0; i < 64; i++) {
          if (!bt.isSlot(fr, i)) continue;
          const s = f.stack[i];
          const r: RegState | null | undefined = s && s.types[7] === STACK_SPILL ? s.spilled : null;
          if (!r || r.type !== 'scalar' || r.precise) bt.clearSlot(fr, i);
          else r.precise = true;
        }
        if (ctx.log.level >= 2) {
          ctx.log.write(`mark_precise: frame${fr}: parent state regs=${regMaskStr(bt.regs[fr]!)} stack=${stackMaskStr(bt.stack[fr]!)}: ${frameStr(f, st.state.refs, 'all', 'all')}\n`);
        }
      }
      if (bt.empty()) return;
      subseq = first;
      last = st.lastIdx;
      first = st.firstIdx;
      hist = st.hist;
    }
    if (!bt.empty()) markAllPrecise(ctx);
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    markAllPrecise(ctx);
  }
}

/** propagate_precision: the precise scalars of the state that covered cur, marked in cur's chain. */
export function propagatePrecision(ctx: PrecisionCtx, old: VState): void {
  const top = old.frames.length - 1;
  const marks: Required<Marks> = { regs: [], slots: [] };
  for (let fr = top; fr >= 0; fr--) {
    const f = old.frames[fr]!;
    const parts: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = f.regs[i]!;
      if (r.type !== 'scalar' || !r.precise) continue;
      marks.regs.push({ frame: fr, reg: i });
      parts.push(`r${i}`);
    }
    f.stack.forEach((s, i) => {
      const r = s.types[7] === STACK_SPILL ? s.spilled : null;
      if (!r || r.type !== 'scalar' || !r.precise) return;
      marks.slots.push({ frame: fr, spi: i });
      parts.push(`fp${-(i + 1) * 8}`);
    });
    if (parts.length && ctx.log.level >= 2) ctx.log.write(`frame ${fr}: propagating ${parts.join(',')}\n`);
  }
  markChainPrecision(ctx, marks, top);
}

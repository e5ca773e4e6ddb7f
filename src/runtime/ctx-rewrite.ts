// Finding the context accesses of a program and rewriting them, as the kernel's verifier
// does (check_ctx_access, then convert_ctx_accesses).
//
// Without the verifier's full register tracking, a small forward dataflow over the CFG
// finds which loads and stores go through the context pointer: r1 holds it at entry, `mov`
// copies it, 8-byte spills to the stack at fixed fp offsets keep it, anything else
// (arithmetic, calls) loses it. bpf-to-bpf callees inherit r1..r5 of their callers. An
// instruction reached with the ctx pointer on every path is a ctx access: its offset and
// size are checked against the program type (refused at load time as the kernel refuses
// them) and pointer fields are rewritten into 64-bit loads of the internal slots. Accesses
// the analysis cannot classify stay as they are; checked mode then guards them (the UAPI
// bytes of pointer fields are unreadable).

import { type Insn, isLddw, makeInsn } from '../isa/insn.js';
import type { ProgTypeInfo } from '../progs/types.js';
import { ProgLoadError } from './errors.js';

const OTHER = 0, CTX = 1, MIXED = 2;

interface State {
  regs: Uint8Array; // 11 registers
  stack: Map<number, number>; // fp offset → tag of an 8-byte spill
}

function join(a: State, b: State): State | undefined {
  let changed = false;
  const regs = a.regs.slice();
  for (let i = 0; i < 11; i++) {
    if (regs[i] !== b.regs[i] && regs[i] !== MIXED) { regs[i] = MIXED; changed = true; }
  }
  const stack = new Map(a.stack);
  for (const [k, v] of a.stack) {
    const w = b.stack.get(k) ?? OTHER;
    if (w !== v) { stack.set(k, MIXED); if (v !== MIXED) changed = true; }
  }
  for (const [k, w] of b.stack) {
    if (!a.stack.has(k) && w !== OTHER) { stack.set(k, MIXED); changed = true; }
  }
  return changed ? { regs, stack } : undefined;
}

function clone(s: State): State {
  return { regs: s.regs.slice(), stack: new Map(s.stack) };
}

export interface CtxAccess {
  pc: number;
  off: number;
  size: number;
  write: boolean;
}

/** Ctx accesses of `insns` (by slot pc), found by dataflow from the entry at pc 0. */
export function findCtxAccesses(insns: readonly Insn[]): CtxAccess[] {
  const byPc = new Map<number, Insn>();
  for (const i of insns) byPc.set(i.pc, i);
  const states = new Map<number, State>();
  const work: number[] = [];
  const entry: State = { regs: new Uint8Array(11), stack: new Map() };
  entry.regs[1] = CTX;
  const flow = (pc: number, s: State): void => {
    const old = states.get(pc);
    if (!old) { states.set(pc, s); work.push(pc); return; }
    const j = join(old, s);
    if (j) { states.set(pc, j); work.push(pc); }
  };
  flow(0, entry);
  const accessTag = new Map<number, { tag: number; off: number; size: number; write: boolean }>();
  let guard = 0;
  while (work.length > 0 && guard++ < 2_000_000) {
    const pc = work.pop()!;
    const insn = byPc.get(pc);
    const st = states.get(pc);
    if (!insn || !st || !insn.form) continue;
    const s = clone(st);
    const R = s.regs;
    const f = insn.form;
    const next = pc + (isLddw(insn.opcode) ? 2 : 1);
    const note = (reg: number, write: boolean, size: number): void => {
      const tag = R[reg]!;
      if (tag === OTHER) return;
      const prev = accessTag.get(pc);
      accessTag.set(pc, { tag: prev && prev.tag !== tag ? MIXED : tag, off: insn.off, size, write });
    };
    switch (f.kind) {
      case 'alu':
        if (f.op === 'mov' && f.is64 && !f.useImm && insn.off === 0) R[insn.dst] = R[insn.src]!;
        else R[insn.dst] = OTHER;
        flow(next, s);
        break;
      case 'ldx':
        note(insn.src, false, f.size!);
        R[insn.dst] = insn.src === 10 && f.size === 8 ? (st.stack.get(insn.off) ?? OTHER) : OTHER;
        flow(next, s);
        break;
      case 'stx':
      case 'st':
        note(insn.dst, true, f.size!);
        if (insn.dst === 10) {
          for (const k of [...s.stack.keys()]) if (k < insn.off + f.size! && k + 8 > insn.off) s.stack.delete(k);
          if (f.kind === 'stx' && f.size === 8 && R[insn.src] !== OTHER) s.stack.set(insn.off, R[insn.src]!);
        }
        flow(next, s);
        break;
      case 'atomic':
        note(insn.dst, true, f.size!);
        if (insn.dst === 10) for (const k of [...s.stack.keys()]) if (k < insn.off + f.size! && k + 8 > insn.off) s.stack.delete(k);
        R[insn.src] = OTHER; R[0] = OTHER;
        flow(next, s);
        break;
      case 'lddw':
        R[insn.dst] = OTHER;
        flow(next, s);
        break;
      case 'ldabs':
      case 'ldind':
        for (let r = 0; r <= 5; r++) R[r] = OTHER;
        flow(next, s);
        break;
      case 'call':
      case 'callx':
        if (f.kind === 'call' && insn.src === 1) {
          const callee: State = { regs: new Uint8Array(11), stack: new Map() };
          for (let r = 1; r <= 5; r++) callee.regs[r] = R[r]!;
          flow(pc + 1 + insn.imm, callee);
        }
        for (let r = 0; r <= 5; r++) R[r] = OTHER;
        flow(next, s);
        break;
      case 'exit':
        break;
      case 'jmp':
        if (f.op === 'ja') flow(pc + 1 + (f.id === 'ja32' ? insn.imm : insn.off), s);
        else { flow(pc + 1 + insn.off, clone(s)); flow(next, s); }
        break;
      case 'jcond':
        flow(pc + 1 + insn.off, clone(s)); flow(next, s);
        break;
      default:
        flow(next, s);
    }
  }
  const out: CtxAccess[] = [];
  for (const [pc, a] of accessTag) if (a.tag === CTX) out.push({ pc, off: a.off, size: a.size, write: a.write });
  return out.sort((a, b) => a.pc - b.pc);
}

/**
 * Check every ctx access against the program type and apply the kernel's rewrites. Returns
 * the new instruction list (same slots: rewrites are one instruction for one).
 */
export function rewriteCtx(
  progName: string, insns: readonly Insn[], info: ProgTypeInfo, attachType: number,
): Insn[] & { maxCtxOffset?: number } {
  const accesses = findCtxAccesses(insns);
  const out: Insn[] & { maxCtxOffset?: number } = insns.slice();
  // the kernel's prog->aux->max_ctx_offset: end of the furthest ctx access
  out.maxCtxOffset = accesses.reduce((m, a) => Math.max(m, a.off + a.size), 0);
  const index = new Map<number, number>();
  out.forEach((i, n) => index.set(i.pc, n));
  for (const a of accesses) {
    const n = index.get(a.pc)!;
    const insn = out[n]!;
    if (insn.form?.kind === 'atomic') {
      throw new ProgLoadError(progName, `BPF_ATOMIC stores into R${insn.dst} ctx is not allowed`, 13, a.pc);
    }
    const r = info.ctxAccess(a.off, a.size, a.write, attachType);
    if (!r.ok) throw new ProgLoadError(progName, r.reason, 13, a.pc);
    if (!a.write && insn.form?.signExtend && r.field.type !== 'scalar') {
      throw new ProgLoadError(progName, `invalid bpf_context access off=${a.off} size=${a.size}`, 13, a.pc);
    }
    const rw = !a.write ? info.rewriteCtxAccess?.(insn, r.field) : undefined;
    if (rw) {
      if (rw.length !== 1) throw new Error('ctx rewrites must replace one instruction by one');
      const repl = makeInsn(rw[0]!.opcode, rw[0]!.dst, rw[0]!.src, rw[0]!.off, rw[0]!.imm);
      repl.pc = insn.pc;
      out[n] = repl;
    }
  }
  return out;
}

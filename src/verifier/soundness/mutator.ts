// Mutated real programs for the soundness campaign: a program of a committed clang object
// with one to three small edits — a load/store offset or size, a jump offset, condition or
// immediate, a bounds check dropped or inverted, registers swapped, an ALU immediate or
// operation, an instruction deleted (jumps, calls and map references fixed up), a
// `rX += imm` inserted on the base of a memory access, a helper argument changed.
// lddw instructions (map references, function pointers) are never edited, so every map
// reference stays valid.

import { type Insn, isLddw, renumber } from '../../isa/insn.js';
import { findForm } from '../../isa/table.js';
import type { ProgramSpec } from '../../loader/types.js';
import type { Rng } from './rng.js';

export const MUTATIONS = ['memOff', 'memSize', 'jmpOff', 'jmpCond', 'jmpImm', 'dropCheck', 'invertCheck', 'swapRegs', 'aluImm', 'aluOp', 'delete', 'insertAdd', 'helperArg'] as const;
export type Mutation = (typeof MUTATIONS)[number];

const CLS_LD = 0, CLS_LDX = 1, CLS_ST = 2, CLS_STX = 3, CLS_ALU = 4, CLS_JMP = 5, CLS_JMP32 = 6, CLS_ALU64 = 7;
const MODE_MEM = 0x60;
const COND_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const INVERT: Record<number, number> = { 0x10: 0x50, 0x50: 0x10, 0x20: 0xb0, 0xb0: 0x20, 0x30: 0xa0, 0xa0: 0x30, 0x60: 0xd0, 0xd0: 0x60, 0x70: 0xc0, 0xc0: 0x70 };
const ALU_OPS = [0x00, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xc0, 0xb0];

const cls = (i: Insn): number => i.opcode & 7;
const isMem = (i: Insn): boolean => (cls(i) === CLS_LDX || cls(i) === CLS_ST || cls(i) === CLS_STX) && (i.opcode & 0xe0) === MODE_MEM;
const isCondJmp = (i: Insn): boolean => (cls(i) === CLS_JMP || cls(i) === CLS_JMP32) && COND_OPS.includes(i.opcode & 0xf0);
const isJa = (i: Insn): boolean => cls(i) === CLS_JMP && (i.opcode & 0xf0) === 0x00;
const isAlu = (i: Insn): boolean => (cls(i) === CLS_ALU || cls(i) === CLS_ALU64) && ALU_OPS.includes(i.opcode & 0xf0);
const isCall = (i: Insn): boolean => i.opcode === 0x85;
const isPseudoCall = (i: Insn): boolean => isCall(i) && i.src === 1;

function refit(i: Insn): Insn {
  i.form = findForm(i.opcode, i.src, i.off, i.imm);
  return i;
}

/** Slot targets of every relative transfer (jumps, bpf-to-bpf calls, func-pointer lddw), by list index. */
interface Edge { index: number; field: 'off' | 'imm'; target: number }
function edges(insns: Insn[]): Edge[] {
  const out: Edge[] = [];
  insns.forEach((i, index) => {
    if ((isCondJmp(i) || isJa(i)) && i.opcode !== 0x06) out.push({ index, field: 'off', target: i.pc + 1 + i.off });
    else if (i.opcode === 0x06) out.push({ index, field: 'imm', target: i.pc + 1 + i.imm });
    else if (isPseudoCall(i)) out.push({ index, field: 'imm', target: i.pc + 1 + i.imm });
    else if (isLddw(i.opcode) && i.src === 4) out.push({ index, field: 'imm', target: i.pc + 1 + i.imm });
  });
  return out;
}

/** Replace the instruction at list index `at` by `repl` (0, 1 or 2 instructions), keeping every transfer pointed at the same instruction. */
function splice(p: ProgramSpec, at: number, del: number, repl: Insn[]): void {
  const insns = p.insns;
  const es = edges(insns);
  const oldPc = insns.map((i) => i.pc);
  const oldSlots = insns.length ? insns[insns.length - 1]!.pc + (isLddw(insns[insns.length - 1]!.opcode) ? 2 : 1) : 0;
  const atPc = insns[at]!.pc;
  const delSlots = insns.slice(at, at + del).reduce((s, i) => s + (isLddw(i.opcode) ? 2 : 1), 0);
  const addSlots = repl.reduce((s, i) => s + (isLddw(i.opcode) ? 2 : 1), 0);
  const shift = addSlots - delSlots;
  const move = (slot: number): number => (slot > atPc ? Math.max(atPc, slot + shift) : slot);
  const owner = es.map((e) => insns[e.index]!);
  insns.splice(at, del, ...repl);
  renumber(insns);
  es.forEach((e, k) => {
    const i = owner[k]!;
    if (!insns.includes(i)) return;
    const t = e.target >= oldSlots ? e.target + shift : move(e.target);
    i[e.field] = t - i.pc - 1;
    refit(i);
  });
  for (const r of p.mapRefs) r.insn = r.insn > atPc ? r.insn + shift : r.insn;
  for (const f of p.funcInfo) f.insnOff = move(f.insnOff);
  for (const l of p.lineInfo) l.insnOff = move(l.insnOff);
  void oldPc;
}

function cloneSpec(p: ProgramSpec): ProgramSpec {
  return {
    ...p,
    insns: p.insns.map((i) => ({ ...i })),
    mapRefs: p.mapRefs.map((r) => ({ ...r })),
    lineInfo: p.lineInfo.map((l) => ({ ...l })),
    funcInfo: p.funcInfo.map((f) => ({ ...f })),
  };
}

/** One edit; returns its name, or undefined when the program has no place for it. */
export function mutateOnce(p: ProgramSpec, r: Rng, kind: Mutation = r.pick(MUTATIONS)): string | undefined {
  const insns = p.insns;
  const where = (f: (i: Insn) => boolean): number | undefined => {
    const idx: number[] = [];
    insns.forEach((i, n) => { if (f(i)) idx.push(n); });
    return idx.length ? r.pick(idx) : undefined;
  };
  let n: number | undefined;
  switch (kind) {
    case 'memOff': {
      if ((n = where(isMem)) === undefined) return;
      const i = insns[n]!;
      i.off = r.chance(0.7) ? i.off + r.pick([-8, -4, -2, -1, 1, 2, 4, 8]) : r.range(-520, 520);
      refit(i);
      return `memOff@${i.pc}`;
    }
    case 'memSize': {
      if ((n = where(isMem)) === undefined) return;
      const i = insns[n]!;
      i.opcode = (i.opcode & ~0x18) | r.pick([0x00, 0x08, 0x10, 0x18]);
      refit(i);
      return `memSize@${i.pc}`;
    }
    case 'jmpOff': {
      if ((n = where((i) => isCondJmp(i) || (isJa(i) && i.opcode !== 0x06))) === undefined) return;
      const i = insns[n]!;
      const total = insns[insns.length - 1]!.pc + 1;
      const t = i.pc + 1 + i.off + r.pick([-3, -2, -1, 1, 2, 3]);
      if (t < 0 || t >= total) return;
      i.off = t - i.pc - 1;
      refit(i);
      return `jmpOff@${i.pc}`;
    }
    case 'jmpCond': {
      if ((n = where(isCondJmp)) === undefined) return;
      const i = insns[n]!;
      i.opcode = (i.opcode & 0x0f) | r.pick(COND_OPS);
      refit(i);
      return `jmpCond@${i.pc}`;
    }
    case 'jmpImm': {
      if ((n = where((i) => isCondJmp(i) && (i.opcode & 8) === 0)) === undefined) return;
      const i = insns[n]!;
      i.imm = r.chance(0.6) ? i.imm + r.pick([-16, -8, -4, -2, -1, 1, 2, 4, 8, 16]) : r.pick([0, 1, 0x7fffffff, -1, -0x80000000, r.range(-100, 1600)]);
      refit(i);
      return `jmpImm@${i.pc}`;
    }
    case 'dropCheck': {
      if ((n = where(isCondJmp)) === undefined) return;
      const i = insns[n]!;
      if (r.chance(0.5)) { i.opcode = 0x05; i.dst = 0; i.src = 0; i.off = 0; i.imm = 0; } // never taken: ja +0
      else { i.opcode = 0x05; i.dst = 0; i.src = 0; i.imm = 0; } // always taken
      refit(i);
      return `dropCheck@${i.pc}`;
    }
    case 'invertCheck': {
      if ((n = where((i) => isCondJmp(i) && INVERT[i.opcode & 0xf0] !== undefined)) === undefined) return;
      const i = insns[n]!;
      i.opcode = (i.opcode & 0x0f) | INVERT[i.opcode & 0xf0]!;
      refit(i);
      return `invertCheck@${i.pc}`;
    }
    case 'swapRegs': {
      if ((n = where((i) => !isLddw(i.opcode) && !isCall(i) && i.opcode !== 0x95 && (isMem(i) || isAlu(i) || isCondJmp(i)))) === undefined) return;
      const i = insns[n]!;
      if (r.chance(0.4) && (i.opcode & 8) && cls(i) !== CLS_LDX) { const t = i.dst; i.dst = i.src; i.src = t; }
      else if (r.chance(0.5)) i.dst = r.range(0, 10);
      else i.src = r.range(0, 10);
      refit(i);
      return `swapRegs@${i.pc}`;
    }
    case 'aluImm': {
      if ((n = where((i) => isAlu(i) && (i.opcode & 8) === 0)) === undefined) return;
      const i = insns[n]!;
      i.imm = r.chance(0.6) ? i.imm + r.pick([-8, -4, -1, 1, 4, 8, 64]) : r.pick([0, 1, -1, 63, 64, 0xff, 0xffff, 0x7fffffff, r.range(-600, 600)]);
      refit(i);
      return `aluImm@${i.pc}`;
    }
    case 'aluOp': {
      if ((n = where(isAlu)) === undefined) return;
      const i = insns[n]!;
      i.opcode = (i.opcode & 0x0f) | r.pick(ALU_OPS);
      if (r.chance(0.2)) i.opcode ^= 3; // ALU <-> ALU64
      refit(i);
      return `aluOp@${i.pc}`;
    }
    case 'delete': {
      if ((n = where((i) => !isLddw(i.opcode) && !isPseudoCall(i) && i.opcode !== 0x95)) === undefined) return;
      const pc = insns[n]!.pc;
      splice(p, n, 1, []);
      return `delete@${pc}`;
    }
    case 'insertAdd': {
      if ((n = where(isMem)) === undefined) return;
      const i = insns[n]!;
      const base = cls(i) === CLS_LDX ? i.src : i.dst;
      if (base === 10) return;
      const add = refit({ pc: 0, opcode: 0x07, dst: base, src: 0, off: 0, imm: r.pick([-8, -4, -1, 1, 2, 4, 8, 16, 64, 4096]), form: undefined });
      const pc = i.pc;
      splice(p, n, 1, [add, i]);
      return `insertAdd@${pc}`;
    }
    case 'helperArg': {
      if ((n = where((i) => isCall(i) && i.src === 0)) === undefined) return;
      // the last write of r1..r5 before the call (within 8 instructions)
      for (let k = n - 1; k >= Math.max(0, n - 8); k--) {
        const i = insns[k]!;
        if (isLddw(i.opcode) || i.dst < 1 || i.dst > 5 || !(isAlu(i) || (i.opcode & 0xf7) === 0xb7)) continue;
        if (!r.chance(0.5) && k > n - 8) continue;
        if ((i.opcode & 8) === 0) i.imm = r.chance(0.5) ? i.imm + r.pick([-8, -1, 1, 8, 64]) : r.pick([0, 1, 8, 64, 512, -8, -1]);
        else i.src = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        refit(i);
        return `helperArg@${i.pc}`;
      }
      return;
    }
  }
  return undefined;
}

/** A copy of `p` with 1..3 edits (the names of the edits in `edits`). */
export function mutate(p: ProgramSpec, r: Rng): { prog: ProgramSpec; edits: string[] } {
  const q = cloneSpec(p);
  const edits: string[] = [];
  const want = r.pick([1, 1, 1, 2, 2, 3]);
  for (let t = 0; t < want * 4 && edits.length < want; t++) {
    const e = mutateOnce(q, r);
    if (e) edits.push(e);
  }
  return { prog: q, edits };
}

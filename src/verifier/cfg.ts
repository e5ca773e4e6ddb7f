// Control-flow checks before any state is explored (the kernel's check_subprogs and
// check_cfg): subprogram boundaries, jumps that leave their function, the last instruction
// of each function, unreachable instructions. Also the static register liveness the kernel
// prints at log level 2 ("Live regs before insn") and that state pruning uses.

import type { Insn } from '../isa/insn.js';
import { jumpTarget } from '../isa/insn.js';
import { VerifierReject } from './errors.js';
import { helperProto } from '../helpers/protos.js';

export interface Cfg {
  /** Instructions by slot (undefined for the second half of a lddw). */
  bySlot: Array<Insn | undefined>;
  nslots: number;
  /** Sorted first instructions of the functions (0 first). */
  subprogs: number[];
  /** Slots that start a state-pruning point (jump targets and the instructions after conditional jumps and calls). */
  prunePoints: Set<number>;
  /** Live-in register masks per slot. */
  live: Uint16Array;
  subprogOf(pc: number): number;
  subprogEnd(start: number): number;
}

/** Successors within the function (a call continues after itself; an exit has none). */
export function succs(insn: Insn, nslots: number): number[] {
  const f = insn.form!;
  const next = insn.pc + (f.slots ?? 1);
  switch (f.kind) {
    case 'exit': return [];
    case 'jmp': {
      const t = jumpTarget(insn);
      if (f.op === 'ja') return [t];
      return [next, t];
    }
    case 'jcond': return [next, jumpTarget(insn)];
    default: return next < nslots ? [next] : [next];
  }
}

/** Registers used and defined by an instruction (bitmasks). */
export function useDef(insn: Insn): { use: number; def: number } {
  const f = insn.form!;
  const d = 1 << insn.dst;
  const s = 1 << insn.src;
  switch (f.kind) {
    case 'alu':
      if (f.op === 'mov' || f.op === 'movsx') return { use: f.useImm ? 0 : s, def: d };
      return { use: d | (f.useImm === false ? s : 0), def: d };
    case 'jmp': if (f.op === 'ja') return { use: 0, def: 0 }; return { use: d | (f.useImm === false ? s : 0), def: 0 };
    case 'jcond': return { use: 0, def: 0 };
    case 'call': {
      if (insn.src === 0) {
        const p = helperProto(insn.imm);
        const n = p ? p.args.length : 5;
        return { use: ((1 << (n + 1)) - 2) & 0x3e, def: 0x3f };
      }
      return { use: 0x3e, def: 0x3f };
    }
    case 'callx': return { use: d | 0x3e, def: 0x3f };
    case 'exit': return { use: 1, def: 0 };
    case 'lddw': return { use: 0, def: d };
    case 'ldabs': return { use: 1 << 6, def: 0x3f };
    case 'ldind': return { use: (1 << 6) | s, def: 0x3f };
    case 'ldx': return { use: s, def: d };
    case 'st': return { use: d, def: 0 };
    case 'stx': return { use: d | s, def: 0 };
    case 'atomic':
      if (f.op === 'load_acq') return { use: s, def: d };
      if (f.op === 'cmpxchg') return { use: d | s | 1, def: 1 };
      if (f.op === 'store_rel' || !(f.op.startsWith('fetch') || f.op === 'xchg')) return { use: d | s, def: 0 };
      return { use: d | s, def: s };
  }
}

export function buildCfg(insns: readonly Insn[]): Cfg {
  const last = insns[insns.length - 1];
  const nslots = last ? last.pc + (last.form?.slots ?? 1) : 0;
  const bySlot: Array<Insn | undefined> = new Array(nslots);
  for (const i of insns) bySlot[i.pc] = i;

  // subprograms: targets of bpf-to-bpf calls and of function-pointer loads
  const starts = new Set<number>([0]);
  for (const i of insns) {
    if (i.form?.id === 'call_local' || i.form?.id === 'lddw_func') {
      const t = i.pc + 1 + i.imm;
      if (t < 0 || t >= nslots) throw new VerifierReject('JUMP_OUT_OF_RANGE', `jump out of range from insn ${i.pc} to ${t}`, i.pc, 22);
      starts.add(t);
    }
  }
  const subprogs = [...starts].sort((a, b) => a - b);
  const endOf = (k: number): number => (k + 1 < subprogs.length ? subprogs[k + 1]! : nslots);
  const subprogOf = (pc: number): number => {
    let s = 0;
    for (const x of subprogs) if (x <= pc) s = x;
    return s;
  };
  // check_subprogs: jumps stay inside their function; the last instruction is exit or jmp
  for (let k = 0; k < subprogs.length; k++) {
    const start = subprogs[k]!;
    const end = endOf(k);
    for (let pc = start; pc < end; pc++) {
      const i = bySlot[pc];
      if (!i) continue;
      const f = i.form!;
      if ((f.kind === 'jmp' || f.kind === 'jcond')) {
        const t = jumpTarget(i);
        if (t < start || t >= end) throw new VerifierReject('JUMP_OUT_OF_RANGE', `jump out of range from insn ${pc} to ${t}`, pc, 22);
      }
      const lastSlot = pc + f.slots - 1;
      if (lastSlot === end - 1) {
        if (!(f.kind === 'exit' || (f.kind === 'jmp' && f.op === 'ja'))) {
          throw new VerifierReject('LAST_INSN', 'last insn is not an exit or jmp', pc, 22);
        }
      }
    }
  }

  // check_cfg: everything reachable from the entry, or from calls / function pointers
  const visited = new Uint8Array(nslots);
  const prunePoints = new Set<number>();
  const stack: number[] = [0];
  visited[0] = 1;
  while (stack.length) {
    const pc = stack.pop()!;
    const i = bySlot[pc]!;
    const f = i.form!;
    const next: number[] = succs(i, nslots);
    // the kernel's prune points: conditional jumps and their targets, jump targets, after calls
    if (f.kind === 'jmp' && f.op !== 'ja') { prunePoints.add(jumpTarget(i)); prunePoints.add(pc); }
    if (f.kind === 'jmp' && f.op === 'ja') prunePoints.add(jumpTarget(i));
    if (f.kind === 'jcond') { prunePoints.add(jumpTarget(i)); prunePoints.add(pc); }
    if (f.kind === 'call' || f.kind === 'callx') prunePoints.add(pc + 1);
    if (f.id === 'call_local') prunePoints.add(pc);
    if (f.id === 'call_local' || f.id === 'lddw_func') next.push(pc + 1 + i.imm);
    for (const t of next) {
      if (t >= nslots) {
        throw new VerifierReject('JUMP_OUT_OF_RANGE', `jump out of range from insn ${pc} to ${t}`, pc, 22);
      }
      if (!visited[t]) { visited[t] = 1; stack.push(t); }
    }
  }
  for (const i of insns) {
    if (!visited[i.pc]) throw new VerifierReject('UNREACHABLE', `unreachable insn ${i.pc}`, i.pc, 22);
  }

  // liveness, per function (calls do not enter the callee here)
  const live = new Uint16Array(nslots + 1);
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = insns.length - 1; k >= 0; k--) {
      const i = insns[k]!;
      const f = i.form!;
      let out = 0;
      if (f.kind !== 'exit') for (const t of succs(i, nslots)) if (t < nslots) out |= live[t]!;
      const { use, def } = useDef(i);
      const inn = (use | (out & ~def)) & 0x3ff;
      if (inn !== live[i.pc]) { live[i.pc] = inn; changed = true; }
    }
  }
  return {
    bySlot, nslots, subprogs, prunePoints, live, subprogOf,
    subprogEnd: (start: number) => endOf(subprogs.indexOf(start)),
  };
}

/**
 * The first back-edge in the kernel's depth-first order (fall-through before branch), for
 * unprivileged loads, which may not loop: `back-edge from insn N to M`.
 */
export function findBackEdge(cfg: Cfg): [number, number] | undefined {
  const state = new Uint8Array(cfg.nslots); // 0 new, 1 on stack, 2 done
  const stack: Array<{ pc: number; next: number[]; i: number }> = [];
  const visit = (pc: number): void => {
    const i = cfg.bySlot[pc]!;
    const n = succs(i, cfg.nslots).filter((t) => t < cfg.nslots);
    if (i.form!.id === 'call_local') n.push(pc + 1 + i.imm);
    state[pc] = 1;
    stack.push({ pc, next: n, i: 0 });
  };
  visit(0);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.next.length) { state[top.pc] = 2; stack.pop(); continue; }
    const w = top.next[top.i++]!;
    if (state[w] === 1) return [top.pc, w];
    if (state[w] === 0) visit(w);
  }
  return undefined;
}

/** The level-2 "Live regs before insn" table line: `      3: 0123...... `. */
export function liveStr(mask: number): string {
  let s = '';
  for (let r = 0; r < 10; r++) s += mask & (1 << r) ? String(r) : '.';
  return s;
}

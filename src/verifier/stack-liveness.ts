// Stack slot liveness for state pruning: a slot no instruction reads before writing it
// again is dead, and two states that differ only in dead slots are equivalent. Without
// it big programs (Cilium's, with large on-stack structs) explore many times the states
// the kernel does. Like the kernel's (6.18 kernel/bpf/liveness.c) the analysis is a
// backward dataflow over the instructions whose "use" sets are what the exploration
// has actually seen each instruction read, and whose "def" sets are the static, whole-slot
// stores `*(u64 *)(r10 - 8k) = ...` that overwrite the slot on every visit.
//
// Sound for pruning against a state whose exploration is finished: every path from it
// has been explored (or pruned against another finished state), so each read its
// continuation makes has been recorded at an instruction reachable from its pc, and the
// dataflow makes that slot live there. Reads of a caller's frame (a pointer to the
// caller's stack passed to a subprogram or a bpf_loop callback) are recorded at the
// caller's call instruction: during the call, that instruction reads those slots.
// States still being explored are compared on the whole stack.

import { type Cfg, succs } from './cfg.js';

/** Slots per frame: 512 bytes / 8. Masks are two 32-bit halves (slot i ↔ bit i). */
export const SLOTS = 64;

export class StackLiveness {
  /** Live-in masks per instruction slot: [2*pc] slots 0..31, [2*pc+1] slots 32..63. */
  private readonly liveIn: Uint32Array;
  /** Whole-slot stores through r10, per instruction (same layout). */
  private readonly def: Uint32Array;
  private readonly preds: number[][];

  constructor(cfg: Cfg) {
    const n = cfg.nslots;
    this.liveIn = new Uint32Array(2 * n);
    this.def = new Uint32Array(2 * n);
    this.preds = Array.from({ length: n }, () => []);
    for (const i of cfg.bySlot) {
      if (!i) continue;
      for (const t of succs(i, n)) if (t >= 0 && t < n) this.preds[t]!.push(i.pc);
      const f = i.form!;
      // BPF_MEM stores of 8 bytes at fp - 8k (atomics, a kind of their own, read the slot too)
      if ((f.kind === 'st' || f.kind === 'stx') && f.size === 8 && i.dst === 10 && i.off < 0 && i.off % 8 === 0 && i.off >= -512) {
        const spi = -i.off / 8 - 1;
        this.def[2 * i.pc + (spi >> 5)]! |= 1 << (spi & 31);
      }
    }
  }

  /** Instruction pc reads slot spi of its own frame (or, for a call, of the frame it passes down). */
  use(pc: number, spi: number): void {
    if (spi < 0 || spi >= SLOTS) return;
    const h = spi >> 5;
    const bit = 1 << (spi & 31);
    if (this.liveIn[2 * pc + h]! & bit) return;
    this.liveIn[2 * pc + h]! |= bit;
    const work = [pc];
    while (work.length) {
      const p = work.pop()!;
      for (const q of this.preds[p]!) {
        if (this.def[2 * q + h]! & bit) continue;
        if (this.liveIn[2 * q + h]! & bit) continue;
        this.liveIn[2 * q + h]! |= bit;
        work.push(q);
      }
    }
  }

  /** Is slot spi live before instruction pc (may some path read it before writing it)? */
  alive(pc: number, spi: number): boolean {
    if (spi >= SLOTS) return true;
    return (this.liveIn[2 * pc + (spi >> 5)]! & (1 << (spi & 31))) !== 0;
  }
}

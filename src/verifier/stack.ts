// Stack slots of one frame: 64 slots of 8 bytes, each byte invalid ('?'), misc ('m'), zero
// ('0') or part of a spilled register ('r'); a slot whose last byte is 'r' holds the
// register state that was spilled there. Byte j of slot i is the byte at fp - 8*i - j - 1,
// as the kernel numbers them.

import { cloneReg, type RegState, regStr } from './regstate.js';

export const STACK_INVALID = 0;
export const STACK_SPILL = 1;
export const STACK_MISC = 2;
export const STACK_ZERO = 3;
const CHARS = ['?', 'r', 'm', '0'];

export interface StackSlot {
  types: number[];
  spilled: RegState | null;
  /** Bytes the spill covers (8, or 4/2/1 for narrow scalar spills). */
  spillSize: number;
  /**
   * Referenced by more than one state (copy-on-write): never modified again; writers take a
   * copy first (states.ts getSlot). Only slots without a spilled register are shared.
   */
  shared: boolean;
}

export function emptySlot(): StackSlot {
  return { types: [0, 0, 0, 0, 0, 0, 0, 0], spilled: null, spillSize: 0, shared: false };
}

export function cloneSlot(s: StackSlot): StackSlot {
  return { types: s.types.slice(), spilled: s.spilled ? cloneReg(s.spilled) : null, spillSize: s.spillSize, shared: false };
}

/** The slot for a copy of its state: data-only slots are shared, slots holding a register are copied. */
export function slotForClone(s: StackSlot): StackSlot {
  if (s.spilled) return cloneSlot(s);
  s.shared = true;
  return s;
}

export function isSpill(s: StackSlot | undefined): boolean {
  return !!s && s.types[7] === STACK_SPILL && !!s.spilled;
}

/** Slot index and byte index of the byte at fp + off (off < 0). */
export function slotOf(off: number): { spi: number; byte: number } {
  const slot = -off - 1;
  return { spi: slot >> 3, byte: slot & 7 };
}

/** ` fp-8=mmmm????` / ` fp-16=map_value(...)` parts of a state line. */
export function slotStr(i: number, s: StackSlot): string | undefined {
  if (s.types.every((t) => t === STACK_INVALID)) return undefined;
  const name = ` fp${(-i - 1) * 8}`;
  if (s.types[7] === STACK_SPILL && s.spilled) {
    // print_verifier_state prints a spilled register as print_reg_state does (6.18)
    return `${name}=${regStr(s.spilled)}`;
  }
  return `${name}=${s.types.map((t) => CHARS[t]).join('')}`;
}

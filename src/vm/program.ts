// A program ready to execute: instructions laid out for the interpreter.
//
// `code` holds two int32 words per slot, exactly the little-endian encoding: word 0 is
// opcode | dst << 8 | src << 12 | off << 16 (so `w >> 16` is the signed offset) and word 1
// is imm. A lddw's second slot carries the upper half of the constant in its imm word.
// lddw pseudo sources must be resolved before preparing (the loader turns map fds into map
// pointers, as the kernel does); function references (BPF_PSEUDO_FUNC) are resolved here.

import { BpfError } from '../errors.js';
import { type Insn, isLddw, slotCount } from '../isa/insn.js';
import { Pseudo } from '../isa/opcodes.js';
import { assertValidProgram } from '../isa/validate.js';
import { FUNC_HI } from './memory.js';

export interface Program {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly code: Int32Array;
  readonly slots: number;
}

export interface PrepareOptions {
  name?: string;
  /** Skip encoding validation (the caller already validated). */
  trusted?: boolean;
}

export function prepareProgram(insns: readonly Insn[], opts: PrepareOptions = {}): Program {
  if (!opts.trusted) assertValidProgram(insns);
  const slots = slotCount(insns);
  const code = new Int32Array(slots * 2);
  for (const i of insns) {
    const p = i.pc * 2;
    let src = i.src;
    let lo = i.imm, hi = i.imm2 ?? 0;
    if (isLddw(i.opcode)) {
      if (src === Pseudo.FUNC) {
        lo = i.pc + 1 + i.imm;
        hi = FUNC_HI;
        src = Pseudo.IMM;
      } else if (src !== Pseudo.IMM) {
        throw new BpfError('EINVAL_LDDW', `insn ${i.pc}: lddw with src ${src} must be resolved by the loader before running`, 22);
      }
    }
    code[p] = (i.opcode & 0xff) | ((i.dst & 0xf) << 8) | ((src & 0xf) << 12) | (i.off << 16);
    code[p + 1] = lo | 0;
    if (isLddw(i.opcode)) code[p + 3] = hi | 0;
  }
  return Object.freeze({ name: opts.name ?? 'prog', insns, code, slots });
}

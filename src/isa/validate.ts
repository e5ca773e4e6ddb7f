// Encoding validity: what every consumer of bytecode may assume once this passes.
//
// Structural rules only (the fields of each instruction, lddw pairs, jump targets, register
// numbers, writes to r10). Semantic rules (types, bounds, out-of-range shift immediates,
// division by a zero immediate) belong to the verifier, because the ISA itself defines a
// result for them and the conformance suite tests that result.
// Reasons reuse the kernel's verifier wording where it has one.

import { InvalidInsnError } from '../errors.js';
import { jumpTarget, type Insn, isLddw, slotCount } from './insn.js';
import { Cls, Limits, Op, Reg } from './opcodes.js';
import { FORMS_BY_OPCODE, type InsnForm } from './table.js';

const CLASS_NAME: Record<number, string> = {
  [Cls.LD]: 'BPF_LD', [Cls.LDX]: 'BPF_LDX', [Cls.ST]: 'BPF_ST', [Cls.STX]: 'BPF_STX',
  [Cls.ALU]: 'BPF_ALU', [Cls.JMP]: 'BPF_JMP', [Cls.JMP32]: 'BPF_JMP32', [Cls.ALU64]: 'BPF_ALU64',
};

function reservedName(f: InsnForm): string {
  switch (f.kind) {
    case 'alu':
      if (f.op === 'neg') return 'BPF_NEG';
      if (f.op === 'mov' || f.op === 'movsx') return 'BPF_MOV';
      if (f.op === 'le' || f.op === 'be' || f.op === 'bswap') return 'BPF_END';
      return 'BPF_ALU';
    case 'jmp': return f.op === 'ja' ? 'BPF_JA' : 'BPF_JMP/JMP32';
    case 'jcond': return 'may_goto';
    case 'call': case 'callx': return 'BPF_CALL';
    case 'exit': return 'BPF_EXIT';
    case 'ldabs': case 'ldind': return 'BPF_LD_[ABS|IND]';
    case 'lddw': return 'BPF_LD_IMM';
    case 'ldx': return 'BPF_LDX';
    case 'st': return 'BPF_ST';
    case 'stx': case 'atomic': return 'BPF_STX';
  }
}

/** Why a single instruction is malformed, or undefined when it is well-formed. */
export function insnProblem(insn: Insn): string | undefined {
  const f = insn.form;
  if (!f) {
    const siblings = FORMS_BY_OPCODE[insn.opcode]!;
    if (siblings.length === 0) return `unknown opcode 0x${insn.opcode.toString(16).padStart(2, '0')}`;
    const s = siblings[0]!;
    if (s.kind === 'atomic') return `BPF_ATOMIC uses invalid atomic opcode 0x${(insn.imm >>> 0).toString(16).padStart(2, '0')}`;
    if (s.kind === 'lddw') return `invalid BPF_LD_IMM64 src ${insn.src}`;
    if (s.kind === 'call') return `invalid BPF_CALL src ${insn.src}`;
    if (s.op === 'le' || s.op === 'be' || s.op === 'bswap') return `BPF_END uses invalid width imm ${insn.imm}`;
    if (s.op === 'mov' || s.op === 'movsx') return `BPF_MOV uses invalid sign-extension offset ${insn.off}`;
    return `${reservedName(s)} uses reserved fields`;
  }
  if (insn.dst >= Limits.MAX_REG) return `R${insn.dst} is invalid`;
  if (insn.src >= Limits.MAX_REG && f.src === 'any') return `R${insn.src} is invalid`;
  if ((f.dst === 'zero' && insn.dst !== 0) || (f.src === 'zero' && insn.src !== 0) ||
      (f.off === 'zero' && insn.off !== 0) || (f.imm === 'zero' && insn.imm !== 0)) {
    return `${reservedName(f)} uses reserved fields`;
  }
  if (f.writesDst && insn.dst === Reg.FP) return 'frame pointer is read only';
  if (isLddw(insn.opcode)) {
    const s = insn.second;
    if (!s) return 'invalid bpf_ld_imm64 insn: missing second half';
    if (s.opcode !== 0 || s.dst !== 0 || s.src !== 0 || s.off !== 0) return 'invalid bpf_ld_imm64 insn: second half uses reserved fields';
  }
  return undefined;
}

/**
 * All encoding problems of a program, in instruction order. Checks each instruction, then
 * the jump and local-call targets (inside the program, not into the middle of a lddw).
 */
export function validateProgram(insns: readonly Insn[]): InvalidInsnError[] {
  const errors: InvalidInsnError[] = [];
  const total = slotCount(insns);
  if (insns.length === 0) errors.push(new InvalidInsnError(0, 'empty program'));
  const secondHalf = new Set<number>();
  for (const i of insns) if (isLddw(i.opcode)) secondHalf.add(i.pc + 1);
  for (const insn of insns) {
    const p = insnProblem(insn);
    if (p) { errors.push(new InvalidInsnError(insn.pc, p)); continue; }
    const f = insn.form!;
    let target: number | undefined;
    if (f.kind === 'jmp' || f.kind === 'jcond') target = jumpTarget(insn);
    else if (f.id === 'call_local') target = insn.pc + 1 + insn.imm;
    else if (f.id === 'lddw_func') target = insn.pc + 1 + insn.imm;
    if (target !== undefined) {
      if (target < 0 || target >= total) {
        errors.push(new InvalidInsnError(insn.pc, `jump out of range from insn ${insn.pc} to ${target}`));
      } else if (secondHalf.has(target)) {
        errors.push(new InvalidInsnError(insn.pc, `jump into the middle of ldimm64 insn ${target - 1}`));
      }
    }
  }
  return errors;
}

/** Throw the first encoding problem, if any. */
export function assertValidProgram(insns: readonly Insn[]): void {
  const errors = validateProgram(insns);
  if (errors.length) throw errors[0]!;
}

export { CLASS_NAME };
/** The opcode byte of exit, for callers that look for a final exit. */
export const EXIT_OPCODE = Op.EXIT;

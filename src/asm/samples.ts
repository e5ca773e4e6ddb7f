// Sample instructions: every valid form of the table with a spread of operand values.
// Used by the disassembler's differential and golden tests and by the round-trip tests.

import { type Insn, makeInsn } from '../isa/insn.js';
import { INSN_FORMS, type InsnForm } from '../isa/table.js';

const REGS = [0, 1, 2, 5, 9, 10];
const OFFS = [0, 1, -1, 4, -4, 8, 16, -8, 255, 0x7fff, -0x8000, 1234, -513];
const IMMS = [0, 1, -1, 7, -7, 9, 10, 15, 16, 255, 256, 0x7fffffff, -0x80000000, 0x12345678, -0x1234, 100000];
const IMM2S = [0, 1, -1, 0x7fffffff, -0x80000000, 0x11223344];

/** Values of one field for a form (one value when the field is fixed or zero). */
function values(f: InsnForm, field: 'dst' | 'src' | 'off' | 'imm'): number[] {
  const use = f[field];
  if (use === 'zero') return [0];
  if (use === 'fixed') return [field === 'src' ? f.fixedSrc! : field === 'off' ? f.fixedOff! : f.fixedImm!];
  if (field === 'dst') return f.writesDst ? REGS.filter((r) => r !== 10) : REGS;
  if (field === 'src') return REGS;
  return field === 'off' ? OFFS : IMMS;
}

/**
 * `perForm` instructions of every valid form (fewer when the form has fewer operand
 * combinations), deterministic. Jump displacements may point outside any program: callers
 * that need a valid program must not validate jump targets.
 */
export function sampleInsns(perForm = 8, forms: readonly InsnForm[] = INSN_FORMS): Insn[] {
  const out: Insn[] = [];
  for (const f of forms) {
    const d = values(f, 'dst'), s = values(f, 'src'), o = values(f, 'off'), m = values(f, 'imm');
    const combos = Math.max(d.length, s.length, o.length, m.length, f.slots === 2 ? IMM2S.length : 1);
    const n = Math.min(perForm, combos);
    for (let i = 0; i < n; i++) {
      const dst = d[i % d.length]!, src = s[(i * 7 + 1) % s.length]!;
      const off = o[(i * 5) % o.length]!, imm = m[(i * 3) % m.length]!;
      const insn = makeInsn(f.opcode, dst, src, off, imm, f.slots === 2 ? IMM2S[i % IMM2S.length] : undefined);
      if (f.slots === 2) insn.second = { opcode: 0, dst: 0, src: 0, off: 0 };
      out.push(insn);
    }
  }
  let pc = 0;
  for (const i of out) { i.pc = pc; pc += i.form!.slots; }
  return out;
}

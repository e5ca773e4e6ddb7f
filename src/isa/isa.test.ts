// The instruction table, the encoding and the validator.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidInsnError } from '../errors.js';
import { decode, encode, makeInsn, readSlot, writeSlot } from './insn.js';
import { Op } from './opcodes.js';
import { FORMS_BY_ID, findForm, INSN_FORMS } from './table.js';
import { assertValidProgram, insnProblem, validateProgram } from './validate.js';
import { sampleInsns } from '../asm/samples.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('table', () => {
  it('ids are unique and every form is found from its own fields', () => {
    expect(FORMS_BY_ID.size).toBe(INSN_FORMS.length);
    for (const f of INSN_FORMS) {
      const src = f.src === 'fixed' ? f.fixedSrc! : 0;
      const off = f.off === 'fixed' ? f.fixedOff! : 0;
      const imm = f.imm === 'fixed' ? f.fixedImm! : 0;
      expect(findForm(f.opcode, src, off, imm)?.id, f.id).toBe(f.id);
    }
  });
  it('covers every class and the whole current ISA', () => {
    const classes = new Set(INSN_FORMS.map((f) => f.cls));
    expect(classes.size).toBe(8);
    const ids = new Set(INSN_FORMS.map((f) => f.id));
    for (const id of ['sdiv64_reg', 'smod32_imm', 'movsx32_64', 'bswap64', 'ja32', 'may_goto', 'call_kfunc', 'callx', 'lddw_map_idx_value',
      'ldabsb', 'ldindw', 'ldxsw', 'atomic_w_cmpxchg', 'atomic_dw_fetch_xor', 'atomic_b_load_acq', 'atomic_dw_store_rel']) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(INSN_FORMS.filter((f) => f.kind === 'atomic' && f.size! >= 4 && f.op !== 'load_acq' && f.op !== 'store_rel').length).toBe(20);
  });
  it('unknown opcodes and discriminators have no form', () => {
    expect(findForm(0xff, 0, 0, 0)).toBeUndefined();
    expect(findForm(Op.DIV64_X, 0, 2, 0)).toBeUndefined();      // off 2 is neither div nor sdiv
    expect(findForm(Op.ATOMIC_DW, 0, 0, 0x02)).toBeUndefined(); // no such atomic op
    expect(findForm(Op.LE, 0, 0, 24)).toBeUndefined();          // no 24-bit swap
    expect(findForm(Op.CALL, 3, 0, 0)).toBeUndefined();         // call src 3
  });
});

describe('encoding', () => {
  it('decode ∘ encode is the identity, both byte orders', () => {
    const insns = sampleInsns(10);
    for (const endian of ['little', 'big'] as const) {
      const b = encode(insns, endian);
      expect(Buffer.from(encode(decode(b, endian), endian)).toString('hex')).toBe(Buffer.from(b).toString('hex'));
    }
  });
  it('slot layout: registers nibble order follows the byte order', () => {
    const le = new Uint8Array(8), be = new Uint8Array(8);
    writeSlot(le, 0, { opcode: 0xbf, dst: 1, src: 2, off: -2, imm: 0x01020304 }, 'little');
    writeSlot(be, 0, { opcode: 0xbf, dst: 1, src: 2, off: -2, imm: 0x01020304 }, 'big');
    expect([...le]).toEqual([0xbf, 0x21, 0xfe, 0xff, 4, 3, 2, 1]);
    expect([...be]).toEqual([0xbf, 0x12, 0xff, 0xfe, 1, 2, 3, 4]);
    expect(readSlot(be, 0, 'big')).toEqual({ opcode: 0xbf, dst: 1, src: 2, off: -2, imm: 0x01020304 });
  });
  it('property: any 8-byte slot decodes, and encodes back to itself', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
      if (b[0] === Op.LDDW) return true;
      expect([...encode(decode(b))]).toEqual([...b]);
    }), { numRuns: 2000 });
  });
  it('a length that is not a multiple of 8 is refused', () => {
    expect(() => decode(new Uint8Array(12))).toThrow(InvalidInsnError);
    expect(() => decode(new Uint8Array(12))).toThrow(/insn 1: program length 12 is not a multiple of 8 bytes/);
  });
});

describe('validation names the index and the reason', () => {
  const problems = (b: Uint8Array) => validateProgram(decode(b)).map((e) => e.message);
  const EXIT = [Op.EXIT, 0, 0, 0, 0, 0, 0, 0];
  const cases: Array<[string, number[], string]> = [
    ['unknown opcode', [0x00, 0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: unknown opcode 0x00'],
    ['unknown opcode later', [Op.MOV64_K, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 1: unknown opcode 0xff'],
    ['reserved src', [Op.MOV64_K, 0x10, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: BPF_MOV uses reserved fields'],
    ['reserved imm', [Op.ADD64_X, 0x21, 0, 0, 1, 0, 0, 0, ...EXIT], 'insn 0: BPF_ALU uses reserved fields'],
    ['reserved off on exit', [Op.EXIT, 0, 1, 0, 0, 0, 0, 0], 'insn 0: BPF_EXIT uses reserved fields'],
    ['lddw missing its second half', [Op.MOV64_K, 0, 0, 0, 0, 0, 0, 0, Op.LDDW, 0, 0, 0, 0, 0, 0, 0], 'insn 1: invalid bpf_ld_imm64 insn: missing second half'],
    ['lddw second half not zero', [Op.LDDW, 0, 0, 0, 0, 0, 0, 0, 0x07, 0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: invalid bpf_ld_imm64 insn: second half uses reserved fields'],
    ['jump out of range', [Op.JA, 0, 5, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: jump out of range from insn 0 to 6'],
    ['jump backwards out of range', [Op.JA, 0, 0xfd, 0xff, 0, 0, 0, 0, ...EXIT], 'insn 0: jump out of range from insn 0 to -2'],
    ['jump into a lddw', [Op.JA, 0, 1, 0, 0, 0, 0, 0, Op.LDDW, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: jump into the middle of ldimm64 insn 1'],
    ['register > 10', [Op.MOV64_K, 0x0b, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: R11 is invalid'],
    ['src register > 10', [Op.MOV64_X, 0xc0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: R12 is invalid'],
    ['write to r10', [Op.MOV64_K, 0x0a, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: frame pointer is read only'],
    ['load into r10', [Op.LDX_DW, 0x1a, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: frame pointer is read only'],
    ['bad atomic op', [Op.ATOMIC_DW, 0x21, 0, 0, 0x02, 0, 0, 0, ...EXIT], 'insn 0: BPF_ATOMIC uses invalid atomic opcode 0x02'],
    ['bad byte swap width', [Op.BE, 0x01, 0, 0, 24, 0, 0, 0, ...EXIT], 'insn 0: BPF_END uses invalid width imm 24'],
    ['bad call src', [Op.CALL, 0x30, 0, 0, 1, 0, 0, 0, ...EXIT], 'insn 0: invalid BPF_CALL src 3'],
    ['bad lddw src', [Op.LDDW, 0x71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: invalid BPF_LD_IMM64 src 7'],
    ['bad movsx offset', [Op.MOV64_X, 0x21, 4, 0, 0, 0, 0, 0, ...EXIT], 'insn 0: BPF_MOV uses invalid sign-extension offset 4'],
  ];
  for (const [what, b, msg] of cases) {
    it(what, () => {
      expect(problems(bytes(...b))[0]).toBe(msg);
      expect(() => assertValidProgram(decode(bytes(...b)))).toThrow(InvalidInsnError);
    });
  }
  it('an empty program is refused', () => {
    expect(problems(new Uint8Array())).toEqual(['insn 0: empty program']);
  });
  it('errors carry index and reason fields', () => {
    const e = validateProgram(decode(bytes(Op.MOV64_K, 0x0a, 0, 0, 0, 0, 0, 0, ...EXIT)))[0]!;
    expect([e.index, e.reason, e.code, e.errno]).toEqual([0, 'frame pointer is read only', 'EINVAL_INSN', 22]);
  });
  it('every sample instruction of every form is valid on its own', () => {
    for (const i of sampleInsns(6)) expect(insnProblem(i), i.form!.id).toBeUndefined();
    expect(insnProblem(makeInsn(Op.EXIT, 0, 0, 0, 0))).toBeUndefined();
  });
});

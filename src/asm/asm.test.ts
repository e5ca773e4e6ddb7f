import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AsmError } from '../errors.js';
import { decode, encode, type Insn, makeInsn } from '../isa/insn.js';
import { INSN_FORMS, type InsnForm } from '../isa/table.js';
import { insnProblem } from '../isa/validate.js';
import { assemble, assembleInsn } from './assemble.js';
import { disassemble, formatInsnConformance, formatInsnKernel, formatInsnLlvm } from './disasm.js';
import { sampleInsns } from './samples.js';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An arbitrary valid instruction of a given form. */
function arbInsn(f: InsnForm): fc.Arbitrary<Insn> {
  const reg = f.writesDst ? fc.integer({ min: 0, max: 9 }) : fc.integer({ min: 0, max: 10 });
  const field = (use: InsnForm['dst'], fixed: number | undefined, arb: fc.Arbitrary<number>) =>
    use === 'zero' ? fc.constant(0) : use === 'fixed' ? fc.constant(fixed!) : arb;
  return fc.tuple(
    field(f.dst, undefined, reg),
    field(f.src, f.fixedSrc, fc.integer({ min: 0, max: 10 })),
    field(f.off, f.fixedOff, fc.integer({ min: -0x8000, max: 0x7fff })),
    field(f.imm, f.fixedImm, fc.integer({ min: -0x80000000, max: 0x7fffffff })),
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  ).map(([dst, src, off, imm, imm2]) => {
    const i = makeInsn(f.opcode, dst, src, off, imm, f.slots === 2 ? (f.fixedSrc === 0 || true ? imm2 : 0) : undefined);
    if (f.slots === 2) i.second = { opcode: 0, dst: 0, src: 0, off: 0 };
    return i;
  });
}

const anyInsn = fc.constantFrom(...INSN_FORMS).chain(arbInsn);

/** Forms whose plain llvm-objdump text loses a field. */
function llvmLossy(i: Insn): boolean {
  const f = i.form!;
  return f.id === 'call_local' || f.id === 'call_kfunc' || (f.kind === 'lddw' && f.fixedSrc !== 0 && (i.imm2 ?? 0) !== 0) ||
    (f.kind === 'ldind' && i.imm !== 0);
}

describe('round trips bytes → text → bytes', () => {
  it('every sample instruction is valid', () => {
    for (const i of sampleInsns(12)) expect(insnProblem(i)).toBeUndefined();
  });

  for (const dialect of ['conformance', 'llvm-extended', 'llvm-hex', 'llvm-dec', 'llvm-alu32'] as const) {
    it(`${dialect}: fast-check over every form`, () => {
      fc.assert(fc.property(anyInsn, (insn) => {
        if (dialect.startsWith('llvm') && dialect !== 'llvm-extended' && llvmLossy(insn)) return true;
        const text = dialect === 'conformance' ? formatInsnConformance(insn)
          : formatInsnLlvm(insn, { hex: dialect !== 'llvm-dec', alu32: dialect === 'llvm-alu32', extended: dialect === 'llvm-extended' });
        const back = assembleInsn(text, dialect === 'conformance' ? 'conformance' : 'llvm');
        expect(hexOf(encode([back])), text).toBe(hexOf(encode([insn])));
      }), { numRuns: 3000 });
    });
  }

  it('whole sample programs round-trip in both dialects (and auto-detect)', () => {
    const insns = sampleInsns(12);
    const bytes = encode(insns);
    expect(hexOf(assemble(disassemble(bytes, { dialect: 'conformance' }), { dialect: 'conformance' }).bytes)).toBe(hexOf(bytes));
    expect(hexOf(assemble(disassemble(bytes, { dialect: 'llvm', extended: true })).bytes)).toBe(hexOf(bytes));
    expect(hexOf(assemble(disassemble(bytes, { dialect: 'conformance' })).bytes)).toBe(hexOf(bytes));
    const labelled = disassemble(bytes, { dialect: 'conformance', labels: true });
    expect(labelled).toMatch(/^L\d+:$/m);
    expect(hexOf(assemble(labelled, { dialect: 'conformance' }).bytes)).toBe(hexOf(bytes));
  });

  it('labels in conformance disassembly', () => {
    const r = assemble('mov %r0, 0\nL:\nadd %r0, 1\njlt %r0, 3, L\ncall local f\nexit\nf:\nexit');
    expect(disassemble(r.bytes, { dialect: 'conformance', labels: true })).toBe(
      'mov %r0, 0\nL1:\nadd %r0, 1\njlt %r0, 3, L1\ncall local L5\nexit\nL5:\nexit\n');
  });
});

describe('llvm dialect', () => {
  it('assembles the documented examples', () => {
    const cases: Array<[string, string]> = [
      ['r0 = *(u32 *)(r1 + 4)', '6110040000000000'],
      ['if r1 > r2 goto +3', '2d21030000000000'],
      ['lock *(u64 *)(r1 + 0) += r2', 'db21000000000000'],
      ['r1 = 0 ll', '18010000000000000000000000000000'],
      ['call 1', '8500000001000000'],
      ['exit', '9500000000000000'],
      ['w0 = 5', 'b400000005000000'],
      ['r1 = (s16)r2', 'bf21100000000000'],
      ['r1 s/= -3', '37010100fdffffff'],
      ['gotol -0x2', '06000000feffffff'],
      ['r0 = load_acquire((u64 *)(r1 + 0x8))', 'db10080000010000'],
      ['r1 = 0x1122334455667788 ll', '1801000088776655000000004433221100'.slice(0, 32)],
    ];
    for (const [text, hex] of cases) expect(hexOf(assembleInsn(text, 'llvm') && encode([assembleInsn(text, 'llvm')])), text).toBe(hex);
  });

  it('reads llvm-objdump listings as they are', () => {
    const listing = [
      '',
      'x.o:\tfile format elf64-bpf',
      '',
      'Disassembly of section xdp:',
      '',
      '0000000000000000 <prog>:',
      '       0:\tb7 00 00 00 00 00 00 00\tr0 = 0x0',
      '       1:\t15 01 01 00 00 00 00 00\tif r1 == 0x0 goto +0x1 <prog+0x18>',
      '       2:\tb7 00 00 00 01 00 00 00\tr0 = 0x1',
      '       3:\t95 00 00 00 00 00 00 00\texit',
    ].join('\n');
    const r = assemble(listing);
    expect(r.labels.get('prog')).toBe(0);
    expect(hexOf(r.bytes)).toBe('b7000000000000001501010000000000b7000000010000009500000000000000');
  });

  it('labels in jumps', () => {
    const r = assemble('  r0 = 0\n  if r1 == 0 goto out\n  r0 = 1\nout:\n  exit\n', { dialect: 'llvm' });
    expect(r.insns[1]!.off).toBe(1);
  });

  it('errors name line and column', () => {
    const bad: Array<[string, number, number, RegExp]> = [
      ['r0 = 0\nr0 = *(u32 *)(r1 + 4\nexit', 2, 21, /incomplete/],
      ['exit\n  r1 += r11', 2, 9, /unexpected 'r11'/],
      ['  if r1 > r2 goto nowhere', 1, 19, /unknown label 'nowhere'/],
      ['r0 = 0\n\n   w1 = 0x100000000', 3, 9, /out of range/],
      ['r1 = *(u32 *)(r2 + 40000)', 1, 18, /out of range/],
      ['r0 = 1 @', 1, 8, /unexpected character/],
      ['r10 = 1', 1, 1, /frame pointer is read only/],
      ['a:\na:\nexit', 2, 1, /defined twice/],
    ];
    for (const [text, line, col, re] of bad) {
      let e: unknown;
      try { assemble(text, { dialect: 'llvm' }); } catch (x) { e = x; }
      expect(e, text).toBeInstanceOf(AsmError);
      const a = e as AsmError;
      expect([a.line, a.column, a.message], text).toEqual([line, col, expect.stringMatching(re)]);
    }
  });
});

describe('conformance dialect', () => {
  it('assembles bpf_conformance test syntax', () => {
    const src = `
# a comment
mov %r0, 0
lddw %r1, 0x1122334455667788
ldxw %r2, [%r1+4]
stxdw [%r10-8], %r1
lock fetch add32 [%r10-4], %r3
jeq %r1, 0, +2
add32 %r0, 1
ja L1
call 1
call local func1
L1:
exit
func1:
swap16 %r0
be32 %r0
exit
`;
    const r = assemble(src, { dialect: 'conformance' });
    expect(r.insns.map((i) => i.form!.id)).toEqual([
      'mov64_imm', 'lddw_imm', 'ldxw', 'stxdw', 'atomic_w_fetch_add', 'jeq_imm', 'add32_imm', 'ja', 'call_helper', 'call_local',
      'exit', 'bswap16', 'be32', 'exit',
    ]);
    expect(r.insns[7]!.off).toBe(2);
    expect(r.insns[9]!.imm).toBe(1);
    expect(r.labels.get('func1')).toBe(12);
  });

  it('errors name line and column', () => {
    let e: unknown;
    try { assemble('mov %r0, 0\nldxw %r2, [%r1+]\n', { dialect: 'conformance' }); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(AsmError);
    expect([(e as AsmError).line, (e as AsmError).column]).toEqual([2, 11]);
    try { assemble('frob %r1', { dialect: 'conformance', file: 'x.s' }); } catch (x) { e = x; }
    expect((e as AsmError).message).toBe("x.s:1:1: unknown mnemonic 'frob'");
  });
});

describe('kernel dialect', () => {
  const k = (text: string) => formatInsnKernel(assembleInsn(text));
  it('prints the verifier log spelling', () => {
    expect(k('r2 = *(u32 *)(r1 + 4)')).toBe('(61) r2 = *(u32 *)(r1 +4)');
    expect(k('*(u64 *)(r10 - 8) = r1')).toBe('(7b) *(u64 *)(r10 -8) = r1');
    expect(k('call 1')).toBe('(85) call bpf_map_lookup_elem#1');
    expect(k('if r1 > 3 goto +2')).toBe('(25) if r1 > 0x3 goto pc+2');
    expect(k('if w1 != -1 goto -2')).toBe('(56) if w1 != 0xffffffff goto pc-2');
    expect(k('r0 = 0x1234 ll')).toBe('(18) r0 = 0x1234');
    expect(k('w0 = -w0')).toBe('(84) w0 = -w0');
    expect(k('r1 = be16 r1')).toBe('(dc) r1 = be16 r1');
    expect(k('r1 = atomic_fetch_add((u64 *)(r0 + 0), r1)')).toBe('(db) r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)');
    expect(k('r0 = cmpxchg_64(r1 + 0, r0, r2)')).toBe('(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)');
    expect(k('goto +3')).toBe('(05) goto pc+3');
    expect(k('call local 3')).toBe('(85) call pc+3');
    expect(k('r0 = *(u16 *)skb[r3 + 5]')).toBe('(48) r0 = *(u16 *)skb[r3 + 5]');
    expect(formatInsnKernel(assembleInsn('ld_pseudo r1, 1, 5'), { imm64: (i) => `map[id:${i.imm}]` })).toBe('(18) r1 = map[id:5]');
    expect(formatInsnKernel(assembleInsn('ld_pseudo r1, 1, 5'), { bpftool: true })).toBe('(18) r1 = map[id:5]');
    expect(formatInsnKernel(assembleInsn('ld_pseudo r1, 2, 7, 16'), { bpftool: true })).toBe('(18) r1 = map[id:7][0]+16');
    expect(formatInsnKernel(assembleInsn('ld_pseudo r1, 6, 1, 0'), { bpftool: true })).toBe('(18) r1 = map[idx:1]+0');
    expect(formatInsnKernel(assembleInsn('ld_pseudo r1, 4, 3'), { bpftool: true })).toBe('(18) r1 = subprog[+3]');
    expect(formatInsnKernel(assembleInsn('r1 = 0x10 ll'), { bpftool: true })).toBe('(18) r1 = 0x10');
  });
  it('marks invalid encodings', () => {
    const bad = decode(Uint8Array.from([0xff, 0, 0, 0, 0, 0, 0, 0]))[0]!;
    expect(formatInsnKernel(bad)).toBe('(ff) BUG_ff');
    expect(formatInsnLlvm(bad)).toBe('<unknown>');
  });
});

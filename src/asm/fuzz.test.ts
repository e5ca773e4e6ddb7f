// Bad input is normal input: random text, bytes and objects end in typed errors (or in
// text), never in a TypeError, a hang or a stack trace.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BpfError } from '../errors.js';
import { decode } from '../isa/insn.js';
import { caseProgram, parseDataFile } from '../conformance/data.js';
import { assemble } from './assemble.js';
import { formatInsnConformance, formatInsnKernel, formatInsnLlvm, objdumpElf, objdumpSection } from './disasm.js';
import { programObject } from './elf-writer.js';
import { sampleInsns } from './samples.js';
import { encode } from '../isa/insn.js';

function typedOrNothing(fn: () => unknown): void {
  try { fn(); } catch (e) {
    if (!(e instanceof BpfError)) throw e;
  }
}

const asmAlphabet = fc.constantFrom(...'r0123456789w=+-*/%&|^<>()[], \t\n#:;xabcdefsulgoki.%ll_'.split(''));
const asmLike = fc.array(asmAlphabet, { maxLength: 80 }).map((a) => a.join(''));
const lineOf = fc.constantFrom('r0 = 1', 'exit', 'if r1 > r2 goto +1', 'lock *(u64 *)(r1 + 0) += r2', 'mov %r0, 1', 'ldxw %r0, [%r1+4]',
  'lddw %r0, 0x1', 'ja L', 'L:', 'call 1', 'r1 = 0 ll', 'goto -1', 'jeq %r1, 0, +2', 'lock fetch add32 [%r1], %r2');

describe('fuzz', () => {
  it('the assembler throws only AsmError on random text', () => {
    fc.assert(fc.property(asmLike, (text) => typedOrNothing(() => assemble(text))), { numRuns: 3000 });
  });
  it('the assembler throws only AsmError on mutated programs', () => {
    const mutated = fc.tuple(fc.array(lineOf, { maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.nat(), asmAlphabet), { maxLength: 4 }))
      .map(([lines, edits]) => {
        const t = lines.join('\n').split('');
        for (const [at, del, ch] of edits) if (t.length) t.splice(at % t.length, del % 3, ch);
        return t.join('');
      });
    for (const dialect of ['auto', 'llvm', 'conformance'] as const) {
      fc.assert(fc.property(mutated, (text) => typedOrNothing(() => assemble(text, { dialect }))), { numRuns: 1000 });
    }
  });
  it('the disassemblers print any 8-byte slot without throwing', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      for (const i of decode(b)) {
        expect(typeof formatInsnLlvm(i)).toBe('string');
        expect(typeof formatInsnKernel(i)).toBe('string');
        expect(typeof formatInsnConformance(i)).toBe('string');
      }
      expect(typeof objdumpSection(b, [{ name: 'p', offset: 0 }])).toBe('string');
    }), { numRuns: 5000 });
  });
  it('corrupted ELF objects end in typed errors', () => {
    const good = programObject(encode(sampleInsns(1)), { section: 'xdp' });
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(good.length), (edits, cut) => {
      const b = good.slice(0, Math.max(cut, 64));
      for (const [at, v] of edits) if (at < b.length) b[at] = v;
      typedOrNothing(() => objdumpElf(b, 'x.o'));
    }), { numRuns: 2000 });
  });
  it('.data files: parse errors and assembly errors are typed', () => {
    const dataLike = fc.array(fc.oneof(fc.constantFrom('-- asm', '-- mem', '-- result', '-- error', '-- raw', '-- c', '-- frob', '0x10', '00 11', 'zz'), lineOf), { maxLength: 10 })
      .map((l) => l.join('\n'));
    fc.assert(fc.property(dataLike, (text) => typedOrNothing(() => caseProgram(parseDataFile(text, 'f.data')))), { numRuns: 2000 });
  });
});

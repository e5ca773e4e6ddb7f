// The llvm dialect against llvm-objdump itself: every valid form with many operand values,
// written into an ELF object, disassembled by llvm-objdump 19 in its four spellings (hex /
// decimal immediates, default / --mcpu=v4) and compared line by line with objdumpSection.
// The same lines are kept in testdata/golden/llvm-objdump.txt so the comparison also runs
// where llvm is not installed (TSBPF_UPDATE_GOLDEN=1 regenerates it from llvm-objdump).

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from '../isa/insn.js';
import { INSN_FORMS } from '../isa/table.js';
import { programObject } from './elf-writer.js';
import { objdumpElf, objdumpSection } from './disasm.js';
import { sampleInsns } from './samples.js';

const LLVM_OBJDUMP = '/usr/lib/llvm-19/bin/llvm-objdump';
const GOLDEN = fileURLToPath(new URL('../../testdata/golden/llvm-objdump.txt', import.meta.url));

interface Mode { name: string; args: string[]; hex: boolean; alu32: boolean }
const MODES: Mode[] = [
  { name: 'hex', args: [], hex: true, alu32: false },
  { name: 'dec', args: ['--no-print-imm-hex'], hex: false, alu32: false },
  { name: 'hex-v4', args: ['--mcpu=v4'], hex: true, alu32: true },
  { name: 'dec-v4', args: ['--mcpu=v4', '--no-print-imm-hex'], hex: false, alu32: true },
];

// LLVM 19 does not know load-acquire / store-release (LLVM 20 spelling is used for them).
const FORMS = INSN_FORMS.filter((f) => f.op !== 'load_acq' && f.op !== 'store_rel');
const insns = sampleInsns(10, FORMS);
const code = encode(insns);

/** Lines llvm-objdump cannot print right in a mode: 32-bit atomics other than add need --mcpu. */
function comparable(pc: number, mode: Mode): boolean {
  const f = insns.find((i) => i.pc === pc)?.form;
  if (!f) return false;
  return mode.alu32 || !(f.kind === 'atomic' && f.size! < 8 && f.op !== 'add');
}

function instructionLines(listing: string): string[] {
  return listing.split('\n').filter((l) => /^ +\d+:\t/.test(l));
}

function ours(bytes: Uint8Array, mode: Mode): string[] {
  return instructionLines(objdumpSection(bytes, [{ name: 'prog', offset: 0 }], { hex: mode.hex, alu32: mode.alu32 }));
}

function compare(expected: string[], actual: string[], mode: Mode): void {
  const mism: string[] = [];
  for (const want of expected) {
    const pc = Number(want.slice(0, want.indexOf(':')));
    if (!comparable(pc, mode)) continue;
    const got = actual.find((l) => Number(l.slice(0, l.indexOf(':'))) === pc);
    if (got !== want) mism.push(`want ${JSON.stringify(want)}\n got ${JSON.stringify(got)}`);
  }
  expect(mism.slice(0, 10).join('\n')).toBe('');
}

const haveLlvm = existsSync(LLVM_OBJDUMP);

describe('llvm dialect vs llvm-objdump 19', () => {
  it.skipIf(!haveLlvm)('matches llvm-objdump on every valid form (live)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-objdump-'));
    try {
      const obj = join(dir, 'all.o');
      writeFileSync(obj, programObject(code));
      const golden: string[] = [`# llvm-objdump 19 instruction lines for ${insns.length} sample instructions (src/asm/samples.ts)`];
      for (const mode of MODES) {
        const r = spawnSync(LLVM_OBJDUMP, ['-d', ...mode.args, obj], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        const lines = instructionLines(r.stdout);
        expect(lines.length).toBe(insns.length);
        compare(lines, ours(code, mode), mode);
        golden.push(`== ${mode.name}`, ...lines);
        // and the whole listing, headers included, byte for byte
        if (mode.name === 'hex-v4') expect(objdumpElf(readFileSync(obj), obj, { hex: true, alu32: true })).toBe(r.stdout);
      }
      if (process.env.TSBPF_UPDATE_GOLDEN) writeFileSync(GOLDEN, golden.join('\n') + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches the golden llvm-objdump lines (no llvm needed)', () => {
    const text = readFileSync(GOLDEN, 'utf8');
    const blocks = new Map<string, string[]>();
    let cur: string[] | undefined;
    for (const line of text.split('\n')) {
      if (line.startsWith('== ')) { cur = []; blocks.set(line.slice(3), cur); } else if (cur && line) cur.push(line);
    }
    expect([...blocks.keys()]).toEqual(MODES.map((m) => m.name));
    for (const mode of MODES) {
      const lines = blocks.get(mode.name)!;
      // rebuild the bytes from the listing itself
      const hex = lines.map((l) => l.split('\t')[1]!).join(' ');
      const bytes = Uint8Array.from(hex.split(' ').map((h) => parseInt(h, 16)));
      expect(decode(bytes).length).toBe(lines.length);
      compare(lines, ours(bytes, mode), mode);
    }
  });
});

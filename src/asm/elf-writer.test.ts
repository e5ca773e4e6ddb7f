// The ELF writer: our own reader and llvm-readelf see the sections, symbols and relocations.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf } from '../elf/index.js';
import { assemble } from './assemble.js';
import { programObject, R_BPF_64_32, writeObject } from './elf-writer.js';

const READELF = '/usr/lib/llvm-19/bin/llvm-readelf';

function sample(): Uint8Array {
  const main = assemble('r1 = 1\ncall local -1\nexit').bytes;
  const sub = assemble('r0 = r1\nr0 += 1\nexit').bytes;
  return programObject(main, { section: 'xdp', name: 'entry', subprograms: [{ name: 'helper_fn', code: sub }], calls: [{ offset: 8, target: 'helper_fn' }] });
}

describe('elf-writer', () => {
  it('writes sections, symbols and call relocations our reader understands', () => {
    const elf = parseElf(sample());
    const names = elf.sections.map((s) => s.name);
    expect(names).toEqual(['', 'xdp', '.text', 'license', '.relxdp', '.symtab', '.strtab']);
    const entry = elf.symbols.find((s) => s.name === 'entry')!;
    const fn = elf.symbols.find((s) => s.name === 'helper_fn')!;
    expect([entry.shndx, entry.size, fn.shndx, fn.size]).toEqual([1, 24, 2, 24]);
    const rel = elf.sections.find((s) => s.name === '.relxdp')!;
    const relocs = elf.relocations(rel);
    expect(relocs.map((r) => [r.offset, r.type, elf.symbols[r.symbol]!.name])).toEqual([[8, R_BPF_64_32, 'helper_fn']]);
  });

  it('refuses relocations against unknown symbols and duplicate sections', () => {
    expect(() => writeObject([{ name: 'xdp', kind: 'code', bytes: new Uint8Array(8), relocations: [{ offset: 0, symbol: 'nope' }] }]))
      .toThrow(/unknown symbol 'nope'/);
    expect(() => writeObject([{ name: 'a', kind: 'data', bytes: new Uint8Array(1) }, { name: 'a', kind: 'data', bytes: new Uint8Array(1) }]))
      .toThrow(/duplicate section 'a'/);
  });

  it.skipIf(!existsSync(READELF))('llvm-readelf reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-elfw-'));
    try {
      const f = join(dir, 'x.o');
      writeFileSync(f, sample());
      const r = spawnSync(READELF, ['-r', '-s', f], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/R_BPF_64_32\s+0+\s+helper_fn/);
      expect(r.stdout).toMatch(/FUNC\s+GLOBAL\s+DEFAULT\s+\d+ entry/);
      expect(r.stdout).toMatch(/FUNC\s+LOCAL\s+DEFAULT\s+\d+ helper_fn/);
      expect(r.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The ELF reader against llvm-readelf-19 (golden JSON captured by testdata/loader/build.sh),
// both byte orders; and its typed errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpfError } from '../errors.js';
import { ElfError, isElf, parseElf, R_BPF_NAMES, SHT } from './index.js';

const dir = new URL('../../testdata/loader/', import.meta.url);
const load = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

interface RSection { Section: { Index: number; Name: { Name: string }; Type: { Value: number }; Flags: { Value: number }; Offset: number; Size: number; Link: number; Info: number; AddressAlignment: number; EntrySize: number } }
interface RSymbol { Symbol: { Name: { Name: string }; Value: number; Size: number; Binding: { Value: number }; Type: { Value: number }; Other: { Value: number }; Section: { Value: number } } }
interface RReloc { SectionIndex: number; Relocs: Array<{ Relocation: { Offset: number; Type: { Name: string; Value: number }; Symbol: { Name: string; Value: number } } }> }
interface RFile { FileSummary: { Arch: string }; Sections: RSection[]; Symbols: RSymbol[]; Relocations: RReloc[] }

describe('ELF reader agrees with llvm-readelf', () => {
  for (const o of ['xdp_counter', 'xdp_counter.bpfeb', 'multi', 'legacy', 'calls']) {
    it(o, () => {
      const bytes = load(`${o}.o`);
      expect(isElf(bytes)).toBe(true);
      const elf = parseElf(bytes);
      const ref = (JSON.parse(readFileSync(new URL(`elf/${o}.readelf.json`, dir), 'utf8')) as RFile[])[0]!;
      expect(elf.endian).toBe(ref.FileSummary.Arch === 'bpfeb' ? 'big' : 'little');
      expect(elf.header.machine).toBe(247);
      expect(elf.sections.map((s) => ({ i: s.index, n: s.name, t: s.type, f: s.flags, o: s.offset, s: s.size, l: s.link, inf: s.info, a: s.addralign, e: s.entsize })))
        .toEqual(ref.Sections.map(({ Section: s }) => ({ i: s.Index, n: s.Name.Name, t: s.Type.Value, f: s.Flags.Value, o: s.Offset, s: s.Size, l: s.Link, inf: s.Info, a: s.AddressAlignment, e: s.EntrySize })));
      for (const s of elf.sections) {
        if (s.type !== SHT.NOBITS && s.type !== SHT.NULL) expect(s.data.length).toBe(s.size);
      }
      expect(elf.symbols.map((s) => ({ n: s.name, v: s.value, z: s.size, b: s.bind, t: s.type, o: s.visibility, x: s.shndx })))
        .toEqual(ref.Symbols.map(({ Symbol: s }) => ({ n: s.Type.Value === 3 ? '' : s.Name.Name, // readelf names section symbols after their section
         v: s.Value, z: s.Size, b: s.Binding.Value, t: s.Type.Value, o: s.Other.Value & 3, x: s.Section.Value })));
      const ours = elf.sections.filter((s) => s.type === SHT.REL || s.type === SHT.RELA).map((rs) => ({
        target: rs.info,
        relocs: elf.relocations(rs).map((r) => ({ off: r.offset, type: R_BPF_NAMES[r.type], sym: r.symbol })),
      }));
      const theirs = ref.Relocations.map((r) => ({
        target: ref.Sections[r.SectionIndex]!.Section.Info,
        relocs: r.Relocs.map(({ Relocation: x }) => ({ off: x.Offset, type: x.Type.Name, sym: x.Symbol.Value })),
      }));
      expect(ours).toEqual(theirs);
      // relocationSectionsFor() finds them by target
      for (const r of ours) expect(elf.relocationSectionsFor(r.target).length).toBeGreaterThan(0);
    });
  }
});

describe('ELF reader errors', () => {
  const mut = (f: (dv: DataView, b: Uint8Array) => void) => {
    const b = load('xdp_counter.o');
    f(new DataView(b.buffer, b.byteOffset), b);
    return b;
  };
  const err = (b: Uint8Array): ElfError => {
    try {
      parseElf(b);
    } catch (e) {
      expect(e).toBeInstanceOf(ElfError);
      expect(e).toBeInstanceOf(BpfError);
      return e as ElfError;
    }
    throw new Error('no error');
  };
  it('bad magic, class, data encoding, machine', () => {
    expect(err(mut((_, b) => { b[0] = 0; })).code).toBe('ELF_MAGIC');
    expect(err(mut((_, b) => { b[4] = 1; })).code).toBe('ELF_CLASS');
    expect(err(mut((_, b) => { b[5] = 3; })).code).toBe('ELF_ENDIAN');
    expect(err(mut((dv) => dv.setUint16(18, 62, true))).code).toBe('ELF_MACHINE');
  });
  it('short files', () => {
    expect(err(new Uint8Array(0)).code).toBe('ELF_TRUNCATED');
    expect(err(load('xdp_counter.o').subarray(0, 20)).code).toBe('ELF_TRUNCATED');
  });
  it('section header table and string table problems', () => {
    const shoff = parseElf(load('xdp_counter.o')).header.shoff;
    expect(err(mut((dv) => dv.setUint16(58, 40, true))).code).toBe('ELF_HEADER');
    expect(err(mut((dv) => dv.setUint16(62, 999, true))).message).toContain('section name table index 999');
    expect(err(mut((dv) => dv.setBigUint64(40, BigInt(shoff + 64), true))).code).toBe('ELF_TRUNCATED');
    // a section name offset past the string table
    const e = err(mut((dv) => dv.setUint32(shoff + 64 * 3, 0xffffff, true)));
    expect(e.code).toBe('ELF_STRTAB');
    expect(e.section).toBe('.shstrtab');
  });
  it('symbol table problems', () => {
    const elf = parseElf(load('xdp_counter.o'));
    const sh = elf.header.shoff + elf.symtab!.index * 64;
    expect(err(mut((dv) => dv.setBigUint64(sh + 56, 16n, true))).code).toBe('ELF_SYMBOL');
    expect(err(mut((dv) => dv.setBigUint64(sh + 32, BigInt(elf.symtab!.size - 4), true))).code).toBe('ELF_SYMBOL');
    expect(err(mut((dv) => dv.setUint32(sh + 40, 0, true))).code).toBe('ELF_STRTAB');
    // a symbol name past the string table
    const e = err(mut((dv) => dv.setUint32(elf.symtab!.offset + 24, 0xfffffff, true)));
    expect(e.code).toBe('ELF_STRTAB');
    expect(e.message).toContain('symbol 1');
  });
  it('relocation section problems', () => {
    const b = load('xdp_counter.o');
    const elf = parseElf(b);
    const rel = elf.sections.find((s) => s.name === '.relxdp')!;
    const sh = elf.header.shoff + rel.index * 64;
    const dv = new DataView(b.buffer, b.byteOffset);
    dv.setBigUint64(sh + 56, 24n, true);
    const e1 = (() => { try { parseElf(b).relocations(parseElf(b).sections[rel.index]!); } catch (e) { return e as ElfError; } return undefined; })();
    expect(e1?.code).toBe('ELF_RELOC');
    expect(e1?.section).toBe('.relxdp');
  });
  it('sectionBytes names the missing section', () => {
    const elf = parseElf(load('xdp_counter.o'));
    expect(() => elf.sectionBytes('.nope')).toThrowError(/no section named '\.nope'/);
  });
});

// ELF64 reader for BPF objects, both byte orders (`clang -target bpfel` / `bpfeb`).
//
// Reads the header, the section headers and names, the symbol table and, on demand, the
// relocations of a REL/RELA section. Everything is bounds-checked against the file: a
// malformed object ends in an ElfError naming the section and the offset, never in an
// exception of another kind. Section contents are views into the input (no copies);
// NOBITS sections (.bss) have an empty view and their declared size.

import type { Endian } from '../isa/insn.js';
import {
  EI_NIDENT, ELF64_EHDR_SIZE, ELF64_REL_SIZE, ELF64_RELA_SIZE, ELF64_SHDR_SIZE, ELF64_SYM_SIZE,
  ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, EM_BPF, SHN, SHT,
} from './constants.js';
import { ElfError } from './errors.js';

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** sh_flags (the low 32 bits; no BPF object uses the others). */
  readonly flags: number;
  /** File offset of the contents. */
  readonly offset: number;
  /** Declared size (for NOBITS: the size in memory; `data` is then empty). */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The contents, a view into the input. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  /** st_value: for objects, the offset within the section `shndx`. */
  readonly value: number;
  readonly size: number;
  readonly bind: number;
  readonly type: number;
  readonly visibility: number;
  /** Section index (after SHN_XINDEX resolution), or SHN_UNDEF/ABS/COMMON. */
  readonly shndx: number;
}

export interface ElfRelocation {
  /** Index of the entry in its relocation section. */
  readonly index: number;
  /** r_offset: byte offset in the target section. */
  readonly offset: number;
  readonly type: number;
  /** Symbol table index. */
  readonly symbol: number;
  /** RELA only. */
  readonly addend?: bigint;
}

export interface ElfHeader {
  readonly endian: Endian;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly flags: number;
  readonly shoff: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True when the bytes start with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** A bounds-checked little/big-endian reader over the whole file. */
class Reader {
  private readonly dv: DataView;
  readonly le: boolean;
  constructor(readonly bytes: Uint8Array, endian: Endian) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = endian === 'little';
  }
  check(off: number, size: number, what: string, section?: string): void {
    if (off < 0 || size < 0 || off + size > this.bytes.length) {
      throw new ElfError('ELF_TRUNCATED', `${what} (${size} bytes) extends past the end of the file (${this.bytes.length} bytes)`,
        section !== undefined ? { section, offset: off } : { offset: off });
    }
  }
  u8(off: number): number { return this.dv.getUint8(off); }
  u16(off: number): number { return this.dv.getUint16(off, this.le); }
  u32(off: number): number { return this.dv.getUint32(off, this.le); }
  u64(off: number): bigint { return this.dv.getBigUint64(off, this.le); }
  /** A u64 that must fit a JS number (offsets, sizes). */
  size64(off: number, what: string, where: string): number {
    const v = this.u64(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ElfError('ELF_SECTION', `${what} 0x${v.toString(16)} is absurdly large`, { section: where });
    }
    return Number(v);
  }
}

/** Read a NUL-terminated string at `off` in a string table. */
function readString(table: Uint8Array, off: number, tableName: string, what: string): string {
  if (off >= table.length) {
    throw new ElfError('ELF_STRTAB', `${what}: name offset 0x${off.toString(16)} is past the end of the string table (${table.length} bytes)`,
      { section: tableName, offset: off });
  }
  let end = off;
  while (end < table.length && table[end] !== 0) end++;
  if (end >= table.length) {
    throw new ElfError('ELF_STRTAB', `${what}: name at offset 0x${off.toString(16)} is not NUL-terminated`, { section: tableName, offset: off });
  }
  return latin1(table, off, end);
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  /** The symbol table (empty when the object has none). */
  readonly symbols: readonly ElfSymbol[];
  readonly symtab: ElfSection | undefined;
  private readonly reader: Reader;
  private readonly byName = new Map<string, ElfSection>();
  private readonly relCache = new Map<number, ElfRelocation[]>();

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < EI_NIDENT) {
      throw new ElfError('ELF_TRUNCATED', `file is ${bytes.length} bytes, shorter than the ELF identification (16 bytes)`, { section: 'ELF header', offset: 0 });
    }
    if (!isElf(bytes)) throw new ElfError('ELF_MAGIC', 'not an ELF file (bad magic)', { section: 'ELF header', offset: 0 });
    if (bytes[4] !== ELFCLASS64) {
      throw new ElfError('ELF_CLASS', `unsupported ELF class ${bytes[4]} (BPF objects are ELF64)`, { section: 'ELF header', offset: 4 });
    }
    let endian: Endian;
    if (bytes[5] === ELFDATA2LSB) endian = 'little';
    else if (bytes[5] === ELFDATA2MSB) endian = 'big';
    else throw new ElfError('ELF_ENDIAN', `unknown data encoding ${bytes[5]}`, { section: 'ELF header', offset: 5 });
    const r = new Reader(bytes, endian);
    this.reader = r;
    r.check(0, ELF64_EHDR_SIZE, 'ELF header', 'ELF header');
    const machine = r.u16(18);
    const type = r.u16(16);
    const shentsize = r.u16(58);
    let shnum = r.u16(60);
    let shstrndx = r.u16(62);
    const shoff = r.size64(40, 'e_shoff', 'ELF header');
    if (machine !== 0 && machine !== EM_BPF) {
      throw new ElfError('ELF_MACHINE', `not a BPF object (e_machine ${machine}, expected ${EM_BPF})`, { section: 'ELF header', offset: 18 });
    }
    if (shoff !== 0 && shentsize !== ELF64_SHDR_SIZE) {
      throw new ElfError('ELF_HEADER', `section header size ${shentsize}, expected ${ELF64_SHDR_SIZE}`, { section: 'ELF header', offset: 58 });
    }
    if (shoff === 0) shnum = 0;
    // Extended numbering: counts that do not fit 16 bits live in section header 0.
    if (shoff !== 0) {
      r.check(shoff, ELF64_SHDR_SIZE, 'section header 0', 'ELF header');
      if (shnum === 0) shnum = r.size64(shoff + 32, 'section count (sh_size of section 0)', 'section header 0');
      if (shstrndx === SHN.XINDEX) shstrndx = r.u32(shoff + 40);
    }
    if (shnum > 0) {
      const tableSize = shnum * ELF64_SHDR_SIZE;
      r.check(shoff, tableSize, `section header table (${shnum} entries)`, 'ELF header');
    }
    this.header = { endian, type, machine, version: r.u32(20), flags: r.u32(48), shoff, shnum, shstrndx };

    // Raw section headers first; names need the section-name string table.
    interface Raw { type: number; flags: number; offset: number; size: number; link: number; info: number; addralign: number; entsize: number; nameOff: number }
    const raws: Raw[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * ELF64_SHDR_SIZE;
      const where = `section header ${i}`;
      raws.push({
        nameOff: r.u32(o),
        type: r.u32(o + 4),
        flags: Number(r.u64(o + 8) & 0xffffffffn),
        offset: r.size64(o + 24, 'sh_offset', where),
        size: r.size64(o + 32, 'sh_size', where),
        link: r.u32(o + 40),
        info: r.u32(o + 44),
        addralign: Number(r.u64(o + 48) & 0xffffffffn),
        entsize: r.size64(o + 56, 'sh_entsize', where),
      });
    }
    if (shnum > 0 && (shstrndx === 0 || shstrndx >= shnum)) {
      throw new ElfError('ELF_HEADER', `section name table index ${shstrndx} is out of range (${shnum} sections)`, { section: 'ELF header', offset: 62 });
    }
    const dataOf = (raw: Raw, label: string): Uint8Array => {
      if (raw.type === SHT.NOBITS || raw.type === SHT.NULL) return bytes.subarray(0, 0);
      r.check(raw.offset, raw.size, 'section contents', label);
      return bytes.subarray(raw.offset, raw.offset + raw.size);
    };
    let shstr: Uint8Array = new Uint8Array(0);
    if (shnum > 0) {
      const raw = raws[shstrndx]!;
      if (raw.type !== SHT.STRTAB) {
        throw new ElfError('ELF_STRTAB', `section name table (section ${shstrndx}) is not a string table (type ${raw.type})`, { section: `section header ${shstrndx}` });
      }
      shstr = dataOf(raw, `section header ${shstrndx}`);
    }
    const sections: ElfSection[] = [];
    for (let i = 0; i < shnum; i++) {
      const raw = raws[i]!;
      const name = i === 0 ? '' : readString(shstr, raw.nameOff, '.shstrtab', `section header ${i}`);
      const label = name || `section header ${i}`;
      const data = dataOf(raw, label);
      const s: ElfSection = { index: i, name, type: raw.type, flags: raw.flags, offset: raw.offset, size: raw.size,
        link: raw.link, info: raw.info, addralign: raw.addralign, entsize: raw.entsize, data };
      sections.push(s);
      if (i > 0 && !this.byName.has(name)) this.byName.set(name, s);
    }
    this.sections = sections;

    // Symbol table (at most one, as libbpf requires).
    const symtabs = sections.filter((s) => s.type === SHT.SYMTAB);
    if (symtabs.length > 1) throw new ElfError('ELF_SYMBOL', `multiple symbol tables (sections ${symtabs.map((s) => s.index).join(', ')})`, { section: symtabs[1]!.name });
    this.symtab = symtabs[0];
    this.symbols = this.symtab ? this.readSymbols(this.symtab) : [];
  }

  get endian(): Endian { return this.header.endian; }

  private readSymbols(symtab: ElfSection): ElfSymbol[] {
    const r = this.reader;
    if (symtab.entsize !== ELF64_SYM_SIZE) {
      throw new ElfError('ELF_SYMBOL', `symbol entry size ${symtab.entsize}, expected ${ELF64_SYM_SIZE}`, { section: symtab.name });
    }
    if (symtab.size % ELF64_SYM_SIZE !== 0) {
      throw new ElfError('ELF_SYMBOL', `symbol table size ${symtab.size} is not a multiple of ${ELF64_SYM_SIZE}`, { section: symtab.name, offset: symtab.size });
    }
    const strSec = this.sections[symtab.link];
    if (!strSec || symtab.link === 0 || strSec.type !== SHT.STRTAB) {
      throw new ElfError('ELF_STRTAB', `symbol string table (section ${symtab.link}) is missing or not a string table`, { section: symtab.name });
    }
    // Extended section indices for symbols with st_shndx == SHN_XINDEX.
    const xsec = this.sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === symtab.index);
    const n = symtab.size / ELF64_SYM_SIZE;
    const out: ElfSymbol[] = [];
    for (let i = 0; i < n; i++) {
      const o = symtab.offset + i * ELF64_SYM_SIZE;
      const nameOff = r.u32(o);
      const info = r.u8(o + 4);
      const other = r.u8(o + 5);
      let shndx = r.u16(o + 6);
      if (shndx === SHN.XINDEX && xsec) {
        if ((i + 1) * 4 > xsec.data.length) {
          throw new ElfError('ELF_SYMBOL', `symbol ${i}: extended section index past the end of ${xsec.name}`, { section: xsec.name, offset: i * 4 });
        }
        shndx = new DataView(xsec.data.buffer, xsec.data.byteOffset + i * 4, 4).getUint32(0, r.le);
      }
      const value = r.u64(o + 8);
      const size = r.u64(o + 16);
      out.push({
        index: i,
        name: nameOff === 0 ? '' : readString(strSec.data, nameOff, strSec.name, `symbol ${i}`),
        value: value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value),
        size: size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size),
        bind: info >> 4,
        type: info & 0xf,
        visibility: other & 3,
        shndx,
      });
    }
    return out;
  }

  /** The first section with this name. */
  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /** Contents of the named section; ElfError when there is none (for the disassembler). */
  sectionBytes(name: string): Uint8Array {
    const s = this.section(name);
    if (!s) {
      throw new ElfError('ELF_SECTION', `no section named '${name}' (have: ${this.sections.slice(1).map((x) => x.name).join(', ')})`, {}, 2);
    }
    return s.data;
  }

  /** Symbols defined in section `index`, by offset. */
  symbolsIn(index: number): ElfSymbol[] {
    return this.symbols.filter((s) => s.shndx === index).sort((a, b) => a.value - b.value);
  }

  /** REL/RELA sections that apply to section `index`. */
  relocationSectionsFor(index: number): ElfSection[] {
    return this.sections.filter((s) => (s.type === SHT.REL || s.type === SHT.RELA) && s.info === index && s.index !== 0);
  }

  /** The entries of a REL or RELA section, each checked against the symbol table. */
  relocations(rel: ElfSection): ElfRelocation[] {
    const cached = this.relCache.get(rel.index);
    if (cached) return cached;
    const isRela = rel.type === SHT.RELA;
    const entSize = isRela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
    if (rel.type !== SHT.REL && rel.type !== SHT.RELA) {
      throw new ElfError('ELF_RELOC', `not a relocation section (type ${rel.type})`, { section: rel.name });
    }
    if (rel.entsize !== entSize) {
      throw new ElfError('ELF_RELOC', `relocation entry size ${rel.entsize}, expected ${entSize}`, { section: rel.name });
    }
    if (rel.size % entSize !== 0) {
      throw new ElfError('ELF_RELOC', `section size ${rel.size} is not a multiple of the entry size ${entSize}`, { section: rel.name, offset: rel.size });
    }
    const r = this.reader;
    const n = rel.size / entSize;
    const out: ElfRelocation[] = [];
    for (let i = 0; i < n; i++) {
      const o = rel.offset + i * entSize;
      const off = r.u64(o);
      const info = r.u64(o + 8);
      const symbol = Number(info >> 32n);
      const type = Number(info & 0xffffffffn);
      if (symbol >= this.symbols.length) {
        throw new ElfError('ELF_RELOC', `relocation ${i}: symbol index ${symbol} is out of range (${this.symbols.length} symbols)`,
          { section: rel.name, offset: i * entSize });
      }
      const e: { index: number; offset: number; type: number; symbol: number; addend?: bigint } = {
        index: i,
        offset: off > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(off),
        type,
        symbol,
      };
      if (isRela) e.addend = BigInt.asIntN(64, r.u64(o + 16));
      out.push(e);
    }
    this.relCache.set(rel.index, out);
    return out;
  }
}

/** Parse an ELF64 object. Throws ElfError for anything malformed. */
export function parseElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}

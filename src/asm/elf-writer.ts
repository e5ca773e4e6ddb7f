// A small ELF64 relocatable-object writer for BPF (EM_BPF), enough for `tsbpf asm -o x.o`,
// for llvm-objdump, and for `bpftool prog load` (libbpf): code sections with FUNC symbols,
// data sections such as `license`, a symbol table, a string table, and call relocations
// (R_BPF_64_32, what clang emits for calls into `.text`). No BTF: programs with maps come
// from clang, not from here.

import { BpfError } from '../errors.js';
import type { Endian } from '../isa/insn.js';

const EM_BPF = 247;
const ET_REL = 1;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_REL = 9;
const SHF_INFO_LINK = 0x40;
/** Relocation types of EM_BPF. */
export const R_BPF_64_64 = 1;
export const R_BPF_64_32 = 10;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_SECTION = 3;

export interface ObjectSymbol {
  name: string;
  /** Byte offset in the section. */
  offset: number;
  size: number;
  /** Default: global for functions of program sections, local in `.text`. */
  bind?: 'global' | 'local';
  type?: 'func' | 'object';
}

export interface ObjectSection {
  /** Section name: a libbpf SEC() name such as `xdp`, `socket`, `.text`, or `license`. */
  name: string;
  /** `code` = executable instructions, `data` = writable data, `rodata` = read-only data. */
  kind: 'code' | 'data' | 'rodata';
  bytes: Uint8Array;
  symbols?: ObjectSymbol[];
  /** Relocations of this section (written as `.rel<name>`), against symbols by name. */
  relocations?: ObjectRelocation[];
}

export interface ObjectRelocation {
  /** Byte offset of the instruction in the section. */
  offset: number;
  /** Name of a symbol defined in one of the sections. */
  symbol: string;
  /** R_BPF_64_32 for calls (default), R_BPF_64_64 for lddw. */
  type?: number;
}

export interface WriteObjectOptions {
  endian?: Endian;
}

class StrTab {
  private readonly parts: string[] = [''];
  private size = 1;
  private readonly index = new Map<string, number>([['', 0]]);
  add(s: string): number {
    const known = this.index.get(s);
    if (known !== undefined) return known;
    const at = this.size;
    this.parts.push(s);
    this.size += Buffer.byteLength(s) + 1;
    this.index.set(s, at);
    return at;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.from(this.parts.join('\0') + '\0'));
  }
}

/** Write a relocatable ELF64 object holding the given sections. */
export function writeObject(sections: readonly ObjectSection[], opts: WriteObjectOptions = {}): Uint8Array {
  const le = (opts.endian ?? 'little') === 'little';
  const names = new Set<string>();
  for (const s of sections) {
    if (!s.name || s.name.includes('\0')) throw new BpfError('ELF_WRITE', `bad section name '${s.name}'`);
    if (names.has(s.name)) throw new BpfError('ELF_WRITE', `duplicate section '${s.name}'`);
    names.add(s.name);
  }
  const strtab = new StrTab();
  // Section indices: 0 null, 1..n the given sections, then one .rel<name> per section with
  // relocations, then .symtab, .strtab.
  const relFor = sections.map((s, i) => ({ i, relocs: s.relocations ?? [] })).filter((r) => r.relocs.length > 0);
  const symtabIndex = sections.length + relFor.length + 1;
  const strtabIndex = symtabIndex + 1;

  interface Sym { name: number; info: number; shndx: number; value: number; size: number }
  const locals: Sym[] = [{ name: 0, info: 0, shndx: 0, value: 0, size: 0 }];
  const globals: Sym[] = [];
  sections.forEach((s, i) => {
    locals.push({ name: 0, info: (STB_LOCAL << 4) | STT_SECTION, shndx: i + 1, value: 0, size: 0 });
    for (const sym of s.symbols ?? []) {
      const isFunc = (sym.type ?? (s.kind === 'code' ? 'func' : 'object')) === 'func';
      const bind = sym.bind ?? (s.name === '.text' ? 'local' : 'global');
      const entry = {
        name: strtab.add(sym.name),
        info: ((bind === 'global' ? STB_GLOBAL : STB_LOCAL) << 4) | (isFunc ? STT_FUNC : STT_OBJECT),
        shndx: i + 1, value: sym.offset, size: sym.size,
      };
      (bind === 'global' ? globals : locals).push(entry);
    }
  });
  const syms = [...locals, ...globals];
  // symbol name → index in the final (locals, then globals) order; first definition wins
  const symIndex = new Map<string, number>();
  {
    const localNames: Array<string | undefined> = [undefined];
    const globalNames: string[] = [];
    sections.forEach((s) => {
      localNames.push(undefined);
      for (const sym of s.symbols ?? []) {
        const bind = sym.bind ?? (s.name === '.text' ? 'local' : 'global');
        (bind === 'global' ? globalNames : localNames).push(sym.name);
      }
    });
    [...localNames, ...globalNames].forEach((n, i) => { if (n !== undefined && !symIndex.has(n)) symIndex.set(n, i); });
  }
  const relBytes = relFor.map(({ i, relocs }) => {
    const b = new Uint8Array(relocs.length * 16);
    const dv = new DataView(b.buffer);
    relocs.forEach((r, k) => {
      const si = symIndex.get(r.symbol);
      if (si === undefined) throw new BpfError('ELF_WRITE', `relocation in '${sections[i]!.name}' against unknown symbol '${r.symbol}'`);
      dv.setBigUint64(k * 16, BigInt(r.offset), le);
      dv.setBigUint64(k * 16 + 8, (BigInt(si) << 32n) | BigInt(r.type ?? R_BPF_64_32), le);
    });
    return { i, name: strtab.add(`.rel${sections[i]!.name}`), bytes: b };
  });

  const shName = sections.map((s) => strtab.add(s.name));
  const symtabName = strtab.add('.symtab');
  const strtabName = strtab.add('.strtab');

  // Layout: header, section contents (8-aligned), symtab, strtab, section headers.
  let off = 64;
  const align = (n: number, a: number) => (n + a - 1) & ~(a - 1);
  const offsets: number[] = [];
  for (const s of sections) {
    off = align(off, 8);
    offsets.push(off);
    off += s.bytes.length;
  }
  const relOffsets: number[] = [];
  for (const r of relBytes) {
    off = align(off, 8);
    relOffsets.push(off);
    off += r.bytes.length;
  }
  off = align(off, 8);
  const symOff = off;
  off += syms.length * 24;
  const strBytes = strtab.bytes();
  const strOff = off;
  off += strBytes.length;
  off = align(off, 8);
  const shOff = off;
  const shnum = sections.length + relBytes.length + 3;
  const total = shOff + shnum * 64;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0], 0);
  dv.setUint16(16, ET_REL, le);
  dv.setUint16(18, EM_BPF, le);
  dv.setUint32(20, 1, le);
  dv.setBigUint64(24, 0n, le);
  dv.setBigUint64(32, 0n, le);
  dv.setBigUint64(40, BigInt(shOff), le);
  dv.setUint32(48, 0, le);
  dv.setUint16(52, 64, le);
  dv.setUint16(54, 0, le);
  dv.setUint16(56, 0, le);
  dv.setUint16(58, 64, le);
  dv.setUint16(60, shnum, le);
  dv.setUint16(62, strtabIndex, le);

  sections.forEach((s, i) => out.set(s.bytes, offsets[i]!));
  relBytes.forEach((r, k) => out.set(r.bytes, relOffsets[k]!));
  syms.forEach((s, i) => {
    const o = symOff + i * 24;
    dv.setUint32(o, s.name, le);
    out[o + 4] = s.info;
    out[o + 5] = 0;
    dv.setUint16(o + 6, s.shndx, le);
    dv.setBigUint64(o + 8, BigInt(s.value), le);
    dv.setBigUint64(o + 16, BigInt(s.size), le);
  });
  out.set(strBytes, strOff);

  const header = (idx: number, name: number, type: number, flags: number, offset: number, size: number,
    link: number, info: number, addralign: number, entsize: number) => {
    const o = shOff + idx * 64;
    dv.setUint32(o, name, le);
    dv.setUint32(o + 4, type, le);
    dv.setBigUint64(o + 8, BigInt(flags), le);
    dv.setBigUint64(o + 16, 0n, le);
    dv.setBigUint64(o + 24, BigInt(offset), le);
    dv.setBigUint64(o + 32, BigInt(size), le);
    dv.setUint32(o + 40, link, le);
    dv.setUint32(o + 44, info, le);
    dv.setBigUint64(o + 48, BigInt(addralign), le);
    dv.setBigUint64(o + 56, BigInt(entsize), le);
  };
  sections.forEach((s, i) => {
    const flags = s.kind === 'code' ? SHF_ALLOC | SHF_EXECINSTR : s.kind === 'data' ? SHF_ALLOC | SHF_WRITE : SHF_ALLOC;
    header(i + 1, shName[i]!, SHT_PROGBITS, flags, offsets[i]!, s.bytes.length, 0, 0, s.kind === 'code' ? 8 : 1, 0);
  });
  relBytes.forEach((r, k) => header(sections.length + 1 + k, r.name, SHT_REL, SHF_INFO_LINK, relOffsets[k]!, r.bytes.length, symtabIndex, r.i + 1, 8, 16));
  header(symtabIndex, symtabName, SHT_SYMTAB, 0, symOff, syms.length * 24, strtabIndex, locals.length, 8, 24);
  header(strtabIndex, strtabName, SHT_STRTAB, 0, strOff, strBytes.length, 0, 0, 1, 0);
  return out;
}

export interface ProgramObjectOptions {
  /** libbpf section name (program type): `xdp`, `socket`, `tc`, ... Default `xdp`. */
  section?: string;
  /** Name of the program symbol. Default `prog`. */
  name?: string;
  /** License string. Default `GPL`. */
  license?: string;
  /**
   * Bytecode placed in `.text` as static subprograms (each entry one function), which
   * the main program reaches with bpf-to-bpf calls (libbpf appends them).
   */
  subprograms?: ReadonlyArray<{ name: string; code: Uint8Array }>;
  /**
   * Calls of the main program into the subprograms: the byte offset of each call
   * instruction and the subprogram's name. Each gets an R_BPF_64_32 relocation against the
   * subprogram's symbol; libbpf then wants the call's imm to be -1 (the symbol's first insn).
   */
  calls?: ReadonlyArray<{ offset: number; target: string }>;
  endian?: Endian;
}

/** An object with one program: what `bpftool prog load` needs. */
export function programObject(code: Uint8Array, opts: ProgramObjectOptions = {}): Uint8Array {
  const sections: ObjectSection[] = [{
    name: opts.section ?? 'xdp', kind: 'code', bytes: code,
    symbols: [{ name: opts.name ?? 'prog', offset: 0, size: code.length, bind: 'global' }],
    relocations: opts.calls?.map((c) => ({ offset: c.offset, symbol: c.target, type: R_BPF_64_32 })),
  }];
  if (opts.subprograms?.length) {
    const total = opts.subprograms.reduce((n, s) => n + s.code.length, 0);
    const text = new Uint8Array(total);
    const symbols: ObjectSymbol[] = [];
    let at = 0;
    for (const s of opts.subprograms) {
      text.set(s.code, at);
      symbols.push({ name: s.name, offset: at, size: s.code.length, bind: 'local' });
      at += s.code.length;
    }
    sections.push({ name: '.text', kind: 'code', bytes: text, symbols });
  }
  sections.push({ name: 'license', kind: 'data', bytes: new Uint8Array(Buffer.from((opts.license ?? 'GPL') + '\0')) });
  return writeObject(sections, { endian: opts.endian });
}

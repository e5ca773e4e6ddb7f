// The BTF reader: header, string section, every type kind, both byte orders; type
// resolution (sizes, alignment, skipping modifiers) with libbpf's rules; validation of every
// reference, and loop detection, so that everything downstream (dumpers, formatter,
// loader) can walk the graph without further checks beyond a depth bound.

import type { Endian } from '../isa/insn.js';
import {
  BTF_MAGIC, BtfError, BtfKind, type BtfType, type BtfComposite, type BtfEnum, type BtfEnum64, type BtfMember,
  type BtfVarSecinfo, type BtfParam, isModifierKind, BTF_KIND_NAMES,
} from './types.js';

export const BTF_HEADER_SIZE = 24;
/** libbpf's MAX_RESOLVE_DEPTH: longest modifier/typedef/array chain followed when resolving. */
export const MAX_RESOLVE_DEPTH = 32;
/** Bound on recursion through nested types in dumpers and formatters. */
export const MAX_NESTING = 256;

export interface BtfHeader {
  readonly magic: number;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
}

export interface BtfParseOptions {
  /** Name used in error messages (default `.BTF`). */
  section?: string;
}

const utf8 = new TextDecoder('utf-8');

/** Decoded BTF: `types[id]`, id 0 (void) is `undefined`. */
export class Btf {
  readonly header: BtfHeader;
  readonly endian: Endian;
  /** Index = type id; [0] is void (undefined). */
  readonly types: readonly (BtfType | undefined)[];
  /** The raw string section. */
  readonly strings: Uint8Array;
  /** The raw BTF bytes (as given). */
  readonly raw: Uint8Array;
  private readonly strCache = new Map<number, string>();
  private ptrSize: number | undefined;
  private nameIndex: Map<string, number[]> | undefined;

  constructor(raw: Uint8Array, header: BtfHeader, endian: Endian, strings: Uint8Array, types: (BtfType | undefined)[]) {
    this.raw = raw;
    this.header = header;
    this.endian = endian;
    this.strings = strings;
    this.types = types;
  }

  /** Number of type ids including void (libbpf's btf__type_cnt). */
  get typeCount(): number { return this.types.length; }

  /** The string at `off` in the string section ('' for 0); BtfError when out of range. */
  str(off: number): string {
    const c = this.strCache.get(off);
    if (c !== undefined) return c;
    const s = readCString(this.strings, off);
    if (s === undefined) throw new BtfError('BTF_STRINGS', `string offset ${off} is outside the string section (${this.strings.length} bytes)`);
    this.strCache.set(off, s);
    return s;
  }

  /** The type with this id; BtfError for void or an id out of range. */
  type(id: number): BtfType {
    const t = id > 0 ? this.types[id] : undefined;
    if (!t) throw new BtfError('BTF_TYPE', id === 0 ? 'void has no type record' : `type id ${id} is out of range (${this.types.length - 1} types)`);
    return t;
  }

  /** Like type(), but undefined for void. */
  typeOrVoid(id: number): BtfType | undefined {
    if (id === 0) return undefined;
    return this.type(id);
  }

  kindName(id: number): string {
    return id === 0 ? 'void' : (BTF_KIND_NAMES[this.type(id).kind] ?? 'UNKNOWN');
  }

  /** First type id with this name (and kind), or -1 (libbpf's btf__find_by_name[_kind]). */
  findByName(name: string, kind?: number): number {
    if (name === 'void') return 0;
    if (!this.nameIndex) {
      const idx = new Map<string, number[]>();
      for (let i = 1; i < this.types.length; i++) {
        const n = this.types[i]!.name;
        const l = idx.get(n);
        if (l) l.push(i); else idx.set(n, [i]);
      }
      this.nameIndex = idx;
    }
    const ids = this.nameIndex.get(name);
    if (!ids) return -1;
    for (const id of ids) if (kind === undefined || this.types[id]!.kind === kind) return id;
    return -1;
  }

  /**
   * Pointer size this BTF assumes: the size of `long` if the BTF has one, else 8 (BPF).
   * Mirrors libbpf's determine_ptr_size.
   */
  pointerSize(): number {
    if (this.ptrSize === undefined) this.ptrSize = determinePtrSize(this) ?? 8;
    return this.ptrSize;
  }

  /** Whether libbpf could determine the pointer size from the BTF itself. */
  hasPointerSizeHint(): boolean {
    return determinePtrSize(this) !== undefined;
  }

  /**
   * Skip const/volatile/restrict/type_tag and typedefs (libbpf's skip_mods_and_typedefs).
   * Returns the id reached (0 for void).
   */
  skipModsAndTypedefs(id: number): number {
    for (let depth = 0; id !== 0; depth++) {
      if (depth > MAX_RESOLVE_DEPTH * 4) throw new BtfError('BTF_LOOP', 'modifier chain too long', { typeId: id });
      const t = this.type(id);
      if (!isModifierKind(t.kind) && t.kind !== BtfKind.TYPEDEF) return id;
      id = (t as { type: number }).type;
    }
    return 0;
  }

  /**
   * libbpf's btf__resolve_type: skip modifiers, typedefs and vars. Throws (EINVAL) when the
   * chain ends in void or a FWD, or is deeper than MAX_RESOLVE_DEPTH.
   */
  resolveType(id: number): number {
    let depth = 0;
    let t = this.typeOrVoid(id);
    while (depth < MAX_RESOLVE_DEPTH && t && t.kind !== BtfKind.FWD &&
      (isModifierKind(t.kind) || t.kind === BtfKind.TYPEDEF || t.kind === BtfKind.VAR)) {
      id = (t as { type: number }).type;
      t = this.typeOrVoid(id);
      depth++;
    }
    if (depth === MAX_RESOLVE_DEPTH || !t || t.kind === BtfKind.FWD) {
      throw new BtfError('BTF_TYPE', `cannot resolve type ${id}`, {}, 22);
    }
    return id;
  }

  /**
   * Size in bytes of a type (libbpf's btf__resolve_size): follows modifiers, typedefs,
   * vars and arrays (multiplying), at most MAX_RESOLVE_DEPTH deep. BtfError with errno
   * EINVAL for void/FWD/FUNC or a chain too deep, E2BIG when the size does not fit 32 bits.
   */
  resolveSize(id: number): number {
    let nelems = 1;
    let size = -1;
    let t = this.typeOrVoid(id);
    for (let i = 0; i < MAX_RESOLVE_DEPTH && t && t.kind !== BtfKind.FWD; i++) {
      switch (t.kind) {
        case BtfKind.INT: case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.ENUM: case BtfKind.ENUM64:
        case BtfKind.DATASEC: case BtfKind.FLOAT:
          size = t.size;
          break;
        case BtfKind.PTR:
          size = this.pointerSize();
          break;
        case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT:
        case BtfKind.VAR: case BtfKind.DECL_TAG: case BtfKind.TYPE_TAG:
          id = t.type;
          break;
        case BtfKind.ARRAY:
          if (nelems && t.nelems > Math.floor(0xffffffff / nelems)) {
            throw new BtfError('BTF_SIZE', `size of type ${id} does not fit in 32 bits`, {}, 7);
          }
          nelems *= t.nelems;
          id = t.type;
          break;
        default:
          throw new BtfError('BTF_SIZE', `${BTF_KIND_NAMES[t.kind]} [${t.id}] has no size`, {}, 22);
      }
      if (size >= 0) break;
      t = this.typeOrVoid(id);
    }
    if (size < 0) throw new BtfError('BTF_SIZE', `cannot determine the size of type [${id}]`, {}, 22);
    if (nelems && size > Math.floor(0xffffffff / nelems)) {
      throw new BtfError('BTF_SIZE', `size of type [${id}] does not fit in 32 bits`, {}, 7);
    }
    return nelems * size;
  }

  /** Alignment of a type in bytes (libbpf's btf__align_of); 0 when it has none. */
  alignOf(id: number, depth = 0): number {
    if (depth > MAX_NESTING) throw new BtfError('BTF_LOOP', 'type nesting too deep', { typeId: id });
    const t = this.typeOrVoid(id);
    if (!t) return 0;
    switch (t.kind) {
      case BtfKind.INT: case BtfKind.ENUM: case BtfKind.ENUM64: case BtfKind.FLOAT:
        return Math.min(this.pointerSize(), t.size);
      case BtfKind.PTR:
        return this.pointerSize();
      case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
        return this.alignOf(t.type, depth + 1);
      case BtfKind.ARRAY:
        return this.alignOf(t.type, depth + 1);
      case BtfKind.STRUCT: case BtfKind.UNION: {
        let maxAlign = 1;
        for (const m of t.members) {
          const align = this.alignOf(m.type, depth + 1);
          if (align <= 0) return 0;
          maxAlign = Math.max(maxAlign, align);
          if (m.bitfieldSize === 0 && m.bitOffset % (8 * align) !== 0) return 1;
        }
        if (t.size % maxAlign !== 0) return 1;
        return maxAlign;
      }
      default:
        return 0;
    }
  }
}

function readCString(b: Uint8Array, off: number): string | undefined {
  if (off < 0 || off >= b.length) return off === 0 ? '' : undefined;
  let end = off;
  while (end < b.length && b[end] !== 0) end++;
  if (end >= b.length) return undefined;
  let ascii = true;
  for (let i = off; i < end; i++) if (b[i]! >= 0x80) { ascii = false; break; }
  if (ascii) {
    let s = '';
    for (let i = off; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return utf8.decode(b.subarray(off, end));
}

const LONG_ALIASES = new Set([
  'long', 'long int', 'int long', 'unsigned long', 'long unsigned', 'unsigned long int', 'unsigned int long',
  'long unsigned int', 'long int unsigned', 'int unsigned long', 'int long unsigned',
]);

function determinePtrSize(btf: Btf): number | undefined {
  for (let i = 1; i < btf.types.length; i++) {
    const t = btf.types[i]!;
    if (t.kind !== BtfKind.INT || (t.size !== 4 && t.size !== 8)) continue;
    if (LONG_ALIASES.has(t.name)) return t.size;
  }
  return undefined;
}

/** Sniff the byte order of raw BTF from its magic; undefined when it is not BTF. */
export function btfEndian(bytes: Uint8Array): Endian | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return 'little';
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return 'big';
  return undefined;
}

/** Parse raw BTF (the contents of a .BTF section, or a raw BTF file such as /sys/kernel/btf/vmlinux). */
export function parseBtf(bytes: Uint8Array, opts: BtfParseOptions = {}): Btf {
  const section = opts.section ?? '.BTF';
  const fail = (code: string, reason: string, offset?: number, typeId?: number): never => {
    const where: { section: string; offset?: number; typeId?: number } = { section };
    if (offset !== undefined) where.offset = offset;
    if (typeId !== undefined) where.typeId = typeId;
    throw new BtfError(code, reason, where);
  };
  if (bytes.length < BTF_HEADER_SIZE) fail('BTF_TRUNCATED', `${bytes.length} bytes is shorter than the BTF header (${BTF_HEADER_SIZE} bytes)`, 0);
  const endian = btfEndian(bytes);
  if (!endian) fail('BTF_HEADER', `bad magic 0x${((bytes[0]! << 8) | bytes[1]!).toString(16)} (expected 0x${BTF_MAGIC.toString(16)})`, 0);
  const le = endian === 'little';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: BtfHeader = {
    magic: BTF_MAGIC,
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen: dv.getUint32(4, le),
    typeOff: dv.getUint32(8, le),
    typeLen: dv.getUint32(12, le),
    strOff: dv.getUint32(16, le),
    strLen: dv.getUint32(20, le),
  };
  if (header.version !== 1) fail('BTF_HEADER', `unsupported version ${header.version}`, 2);
  if (header.flags !== 0) fail('BTF_HEADER', `unsupported flags 0x${header.flags.toString(16)}`, 3);
  if (header.hdrLen < BTF_HEADER_SIZE) fail('BTF_HEADER', `header length ${header.hdrLen} is shorter than ${BTF_HEADER_SIZE}`, 4);
  if (header.hdrLen > bytes.length) fail('BTF_TRUNCATED', `header length ${header.hdrLen} is larger than the data (${bytes.length} bytes)`, 4);
  // Bytes of a longer header beyond what we know must be zero (as the kernel requires).
  for (let i = BTF_HEADER_SIZE; i < header.hdrLen; i++) {
    if (bytes[i] !== 0) fail('BTF_HEADER', `unknown header field at byte ${i} is not zero`, i);
  }
  const metaLeft = bytes.length - header.hdrLen;
  if (header.strOff + header.strLen > metaLeft) {
    fail('BTF_TRUNCATED', `string section (${header.strOff} + ${header.strLen}) extends past the end of the data (${metaLeft} bytes after the header)`, 16);
  }
  if (header.typeOff + header.typeLen > header.strOff) {
    fail('BTF_HEADER', `type section (${header.typeOff} + ${header.typeLen}) overlaps the string section at ${header.strOff}`, 8);
  }
  if (header.typeOff % 4 !== 0) fail('BTF_HEADER', `type section offset ${header.typeOff} is not 4-byte aligned`, 8);
  const strStart = header.hdrLen + header.strOff;
  const strings = bytes.subarray(strStart, strStart + header.strLen);
  if (header.strLen === 0 || strings[header.strLen - 1] !== 0) fail('BTF_STRINGS', 'string section is empty or not NUL-terminated', strStart);
  if (strings[0] !== 0) fail('BTF_STRINGS', 'string section does not start with an empty string', strStart);

  const strOk = (off: number) => off < strings.length;
  const types: (BtfType | undefined)[] = [undefined];
  const tStart = header.hdrLen + header.typeOff;
  const tEnd = tStart + header.typeLen;
  let p = tStart;
  const u32 = (o: number) => dv.getUint32(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const nameCache = new Map<number, string>();
  const name = (off: number, at: number, id: number, what: string): string => {
    if (!strOk(off)) fail('BTF_STRINGS', `${what} name offset ${off} is outside the string section (${strings.length} bytes)`, at, id);
    let s = nameCache.get(off);
    if (s === undefined) {
      s = readCString(strings, off) ?? '';
      nameCache.set(off, s);
    }
    return s;
  };
  while (p + 12 <= tEnd) {
    const id = types.length;
    const nameOff = u32(p);
    const info = u32(p + 4);
    const sizeOrType = u32(p + 8);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kindFlag = (info >>> 31) === 1;
    const base = { id, nameOff, info, kindFlag, vlen, name: name(nameOff, p, id, 'type') };
    const rest = p + 12;
    const need = (n: number) => {
      if (rest + n > tEnd) fail('BTF_TRUNCATED', `${BTF_KIND_NAMES[kind]} record (${12 + n} bytes) extends past the end of the type section`, p - header.hdrLen, id);
    };
    let size = 12;
    let t: BtfType;
    switch (kind) {
      case BtfKind.INT: {
        need(4);
        const d = u32(rest);
        t = { ...base, kind, size: sizeOrType, intData: d, encoding: (d >>> 24) & 0x0f, bitsOffset: (d >>> 16) & 0xff, bits: d & 0xff };
        size += 4;
        break;
      }
      case BtfKind.PTR: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        t = { ...base, kind, type: sizeOrType };
        break;
      case BtfKind.FWD:
        t = { ...base, kind, isUnion: kindFlag };
        break;
      case BtfKind.FUNC:
        t = { ...base, kind, type: sizeOrType, linkage: vlen };
        break;
      case BtfKind.FLOAT:
        t = { ...base, kind, size: sizeOrType };
        break;
      case BtfKind.ARRAY:
        need(12);
        t = { ...base, kind, type: u32(rest), indexType: u32(rest + 4), nelems: u32(rest + 8) };
        size += 12;
        break;
      case BtfKind.STRUCT: case BtfKind.UNION: {
        need(vlen * 12);
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const o = rest + i * 12;
          const mOff = u32(o + 8);
          const mNameOff = u32(o);
          members.push({
            name: name(mNameOff, o, id, `member ${i}`), nameOff: mNameOff, type: u32(o + 4), offset: mOff,
            bitOffset: kindFlag ? mOff & 0xffffff : mOff, bitfieldSize: kindFlag ? mOff >>> 24 : 0,
          });
        }
        t = { ...base, kind, size: sizeOrType, members } as BtfComposite;
        size += vlen * 12;
        break;
      }
      case BtfKind.ENUM: {
        need(vlen * 8);
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const o = rest + i * 8;
          const vNameOff = u32(o);
          values.push({ name: name(vNameOff, o, id, `enumerator ${i}`), nameOff: vNameOff, value: i32(o + 4) });
        }
        t = { ...base, kind, size: sizeOrType, signed: kindFlag, values } as BtfEnum;
        size += vlen * 8;
        break;
      }
      case BtfKind.ENUM64: {
        need(vlen * 12);
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const o = rest + i * 12;
          const vNameOff = u32(o);
          const lo32 = u32(o + 4), hi32 = u32(o + 8);
          values.push({ name: name(vNameOff, o, id, `enumerator ${i}`), nameOff: vNameOff, lo32, hi32, value: (BigInt(hi32) << 32n) | BigInt(lo32) });
        }
        t = { ...base, kind, size: sizeOrType, signed: kindFlag, values } as BtfEnum64;
        size += vlen * 12;
        break;
      }
      case BtfKind.FUNC_PROTO: {
        need(vlen * 8);
        const params: BtfParam[] = [];
        for (let i = 0; i < vlen; i++) {
          const o = rest + i * 8;
          const pNameOff = u32(o);
          params.push({ name: name(pNameOff, o, id, `parameter ${i}`), nameOff: pNameOff, type: u32(o + 4) });
        }
        t = { ...base, kind, returnType: sizeOrType, params };
        size += vlen * 8;
        break;
      }
      case BtfKind.VAR:
        need(4);
        t = { ...base, kind, type: sizeOrType, linkage: u32(rest) };
        size += 4;
        break;
      case BtfKind.DATASEC: {
        need(vlen * 12);
        const vars: BtfVarSecinfo[] = [];
        for (let i = 0; i < vlen; i++) {
          const o = rest + i * 12;
          vars.push({ type: u32(o), offset: u32(o + 4), size: u32(o + 8) });
        }
        t = { ...base, kind, size: sizeOrType, vars };
        size += vlen * 12;
        break;
      }
      case BtfKind.DECL_TAG:
        need(4);
        t = { ...base, kind, type: sizeOrType, componentIdx: i32(rest) };
        size += 4;
        break;
      default:
        return fail('BTF_KIND', `unknown kind ${kind}`, p - header.hdrLen, id);
    }
    types.push(t);
    p += size;
  }
  if (p !== tEnd) fail('BTF_TRUNCATED', `${tEnd - p} trailing bytes at the end of the type section`, p - header.hdrLen);
  const btf = new Btf(bytes, header, endian!, strings, types);
  validateReferences(btf, section);
  detectLoops(btf, section);
  return btf;
}

/** Every type id a record refers to, with what it is (for messages). */
export function typeRefs(t: BtfType): Array<[number, string]> {
  switch (t.kind) {
    case BtfKind.PTR: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG: case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DECL_TAG:
      return [[t.type, 'type']];
    case BtfKind.ARRAY:
      return [[t.type, 'element type'], [t.indexType, 'index type']];
    case BtfKind.STRUCT: case BtfKind.UNION:
      return t.members.map((m, i) => [m.type, `member ${i}`]);
    case BtfKind.FUNC_PROTO:
      return [[t.returnType, 'return type'], ...t.params.map((p, i): [number, string] => [p.type, `parameter ${i}`])];
    case BtfKind.DATASEC:
      return t.vars.map((v, i) => [v.type, `variable ${i}`]);
    default:
      return [];
  }
}

function validateReferences(btf: Btf, section: string): void {
  const n = btf.types.length;
  for (let id = 1; id < n; id++) {
    const t = btf.types[id]!;
    for (const [ref, what] of typeRefs(t)) {
      if (ref >= n) throw new BtfError('BTF_TYPE', `${BTF_KIND_NAMES[t.kind]} ${what} refers to type ${ref}, but there are only ${n - 1} types`, { section, typeId: id });
    }
    switch (t.kind) {
      case BtfKind.FUNC: {
        const p = btf.types[t.type];
        if (!p || p.kind !== BtfKind.FUNC_PROTO) throw new BtfError('BTF_TYPE', `FUNC '${t.name}' refers to [${t.type}], which is not a FUNC_PROTO`, { section, typeId: id });
        break;
      }
      case BtfKind.DATASEC:
        for (const [i, v] of t.vars.entries()) {
          const vt = btf.types[v.type];
          if (!vt || (vt.kind !== BtfKind.VAR && vt.kind !== BtfKind.FUNC)) {
            throw new BtfError('BTF_TYPE', `DATASEC '${t.name}' variable ${i} refers to [${v.type}], which is not a VAR or FUNC`, { section, typeId: id });
          }
        }
        break;
      case BtfKind.DECL_TAG:
        if (t.type === 0) throw new BtfError('BTF_TYPE', `DECL_TAG '${t.name}' refers to void`, { section, typeId: id });
        break;
      case BtfKind.INT:
        if (t.bits > 128 || t.bitsOffset + t.bits > t.size * 8 || t.size > 16) {
          throw new BtfError('BTF_TYPE', `INT '${t.name}' has invalid size ${t.size} / bits ${t.bits} / offset ${t.bitsOffset}`, { section, typeId: id });
        }
        break;
      default:
        break;
    }
  }
}

// Loop detection. Two graphs must be acyclic (and not absurdly deep):
//  - "embedding" edges: everything but pointers (a struct that contains itself, a typedef
//    of itself, an array of itself...);
//  - "declaration" edges: pointers, modifiers, typedefs, arrays, function prototypes and the
//    members of anonymous structs/unions (those are written inline), i.e. every chain a C
//    declaration follows without stopping at a name.
function detectLoops(btf: Btf, section: string): void {
  const n = btf.types.length;
  const embed = (t: BtfType): number[] => {
    if (t.kind === BtfKind.PTR) return [];
    return typeRefs(t).map(([r]) => r);
  };
  const decl = (t: BtfType): number[] => {
    if (t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) return t.nameOff === 0 ? t.members.map((m) => m.type) : [];
    if (t.kind === BtfKind.DATASEC) return [];
    return typeRefs(t).map(([r]) => r);
  };
  for (const [edges, what] of [[embed, 'contains itself'], [decl, 'refers to itself']] as const) {
    // Iterative DFS with colours; depth = longest path found, bounded.
    const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
    const depth = new Uint32Array(n);
    for (let root = 1; root < n; root++) {
      if (state[root] !== 0) continue;
      const stack: Array<{ id: number; next: number[]; i: number }> = [{ id: root, next: edges(btf.types[root]!), i: 0 }];
      state[root] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        if (top.i < top.next.length) {
          const c = top.next[top.i++]!;
          if (c === 0) continue;
          if (state[c] === 1) throw new BtfError('BTF_LOOP', `loop detected: type [${c}] ${what} (through [${top.id}])`, { section, typeId: c }, 40);
          if (state[c] === 0) {
            state[c] = 1;
            stack.push({ id: c, next: edges(btf.types[c]!), i: 0 });
          }
          continue;
        }
        let d = 0;
        for (const c of top.next) if (c !== 0) d = Math.max(d, depth[c]! + 1);
        if (d > MAX_NESTING) throw new BtfError('BTF_LOOP', `type nesting deeper than ${MAX_NESTING}`, { section, typeId: top.id }, 7);
        depth[top.id] = d;
        state[top.id] = 2;
        stack.pop();
      }
    }
  }
}

export type { BtfType };

// `bpftool btf dump file OBJ format c`: BTF as compilable C, byte-for-byte as the reference
// bpftool (v7.1.0 as Debian ships it, built from Linux 6.1 stable: libbpf 1.1's btf_dump with
// the later padding, packed-struct and `(void)` prototype fixes, without the enum mode
// attributes) prints it. The algorithm follows libbpf's documented behaviour:
//  1. per requested type, a topological ordering that distinguishes "strong" links (a type
//     must be complete first: embedded members) from "weak" ones (a forward declaration is
//     enough: reached through a pointer to a named type);
//  2. emission in C syntax, with forward declarations where a type is needed while it is
//     still being emitted, `___N` suffixes for duplicate names, explicit bit-padding fields
//     and `__attribute__((packed))` where the layout is not the natural one.

import { type Btf, MAX_NESTING } from './btf.js';
import { BtfError, BtfKind, type BtfComposite, type BtfEnum, type BtfEnum64, type BtfType, isModifierKind } from './types.js';

const enum Order { NOT_ORDERED, ORDERING, ORDERED }
const enum Emit { NOT_EMITTED, EMITTING, EMITTED }

const PREFIX_CNT = 13;
function pfx(lvl: number): string {
  return '\t'.repeat(lvl >= PREFIX_CNT ? PREFIX_CNT : Math.max(lvl, 0));
}

const MISSING_BASE_TYPES: ReadonlyArray<[string, string]> = [
  ['__Poly8_t', 'unsigned char'],
  ['__Poly16_t', 'unsigned short'],
  ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
];

function roundup(x: number, y: number): number {
  return Math.ceil(x / y) * y;
}

export interface CDumpOptions {
  /** Emit bpftool's header and footer (the vmlinux.h guards); default true. */
  header?: boolean;
}

/** The C emitter. One instance keeps state across dumpType() calls, as libbpf's btf_dump does. */
export class BtfCDumper {
  private out = '';
  private readonly n: number;
  private readonly orderState: Uint8Array;
  private readonly emitState: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly cachedNames = new Map<number, string>();
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private emitQueue: number[] = [];
  private readonly ptrSz: number;
  private depth = 0;

  constructor(private readonly btf: Btf) {
    this.n = btf.typeCount;
    this.orderState = new Uint8Array(this.n);
    this.emitState = new Uint8Array(this.n);
    this.fwdEmitted = new Uint8Array(this.n);
    this.nameResolved = new Uint8Array(this.n);
    this.referenced = new Uint8Array(this.n);
    this.orderState[0] = Order.ORDERED;
    this.emitState[0] = Emit.EMITTED;
    this.ptrSz = btf.pointerSize();
    this.markReferenced();
  }

  /** Output produced so far. */
  text(): string {
    return this.out;
  }

  private p(s: string): void {
    this.out += s;
  }

  private t(id: number): BtfType | undefined {
    return id === 0 ? undefined : this.btf.types[id];
  }

  private enter(id: number): void {
    if (++this.depth > MAX_NESTING * 4) throw new BtfError('BTF_LOOP', 'type nesting too deep while dumping C', { typeId: id }, 40);
  }

  private leave(): void {
    this.depth--;
  }

  private markReferenced(): void {
    for (let i = 1; i < this.n; i++) {
      const t = this.btf.types[i]!;
      switch (t.kind) {
        case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.PTR: case BtfKind.TYPEDEF:
        case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DECL_TAG: case BtfKind.TYPE_TAG:
          this.referenced[t.type] = 1;
          break;
        case BtfKind.ARRAY:
          this.referenced[t.indexType] = 1;
          this.referenced[t.type] = 1;
          break;
        case BtfKind.STRUCT: case BtfKind.UNION:
          for (const m of t.members) this.referenced[m.type] = 1;
          break;
        case BtfKind.FUNC_PROTO:
          for (const p of t.params) this.referenced[p.type] = 1;
          break;
        case BtfKind.DATASEC:
          for (const v of t.vars) this.referenced[v.type] = 1;
          break;
        default:
          break;
      }
    }
  }

  /** btf_dump__dump_type: the type and everything it needs that was not emitted yet. */
  dumpType(id: number): void {
    if (id >= this.n) throw new BtfError('BTF_TYPE', `type id ${id} is out of range`, {}, 22);
    this.emitQueue = [];
    this.orderType(id, false);
    for (const q of this.emitQueue) this.emitType(q, 0);
  }

  // ---- ordering ----------------------------------------------------------------------------

  private orderType(id: number, throughPtr: boolean): number {
    if (this.orderState[id] === Order.ORDERED) return 1;
    const t = this.t(id)!;
    if (this.orderState[id] === Order.ORDERING) {
      if ((t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) && throughPtr && t.nameOff !== 0) return 0;
      throw new BtfError('BTF_LOOP', `unsatisfiable type cycle, id:[${id}]`, {}, 40);
    }
    this.enter(id);
    try {
      switch (t.kind) {
        case BtfKind.INT: case BtfKind.FLOAT:
          this.orderState[id] = Order.ORDERED;
          return 0;
        case BtfKind.PTR: {
          const r = this.orderType(t.type, true);
          this.orderState[id] = Order.ORDERED;
          return r;
        }
        case BtfKind.ARRAY:
          return this.orderType(t.type, false);
        case BtfKind.STRUCT: case BtfKind.UNION: {
          if (throughPtr && t.nameOff !== 0) return 0;
          this.orderState[id] = Order.ORDERING;
          for (const m of t.members) this.orderType(m.type, false);
          if (t.nameOff !== 0) this.emitQueue.push(id);
          this.orderState[id] = Order.ORDERED;
          return 1;
        }
        case BtfKind.ENUM: case BtfKind.ENUM64: case BtfKind.FWD:
          if (t.nameOff !== 0 || !this.referenced[id]) this.emitQueue.push(id);
          this.orderState[id] = Order.ORDERED;
          return 1;
        case BtfKind.TYPEDEF: {
          const isStrong = this.orderType(t.type, throughPtr);
          if (throughPtr && !isStrong) return 0;
          this.emitQueue.push(id);
          this.orderState[id] = Order.ORDERED;
          return 1;
        }
        case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
          return this.orderType(t.type, throughPtr);
        case BtfKind.FUNC_PROTO: {
          let isStrong = this.orderType(t.returnType, throughPtr) > 0;
          for (const p of t.params) if (this.orderType(p.type, throughPtr) > 0) isStrong = true;
          return isStrong ? 1 : 0;
        }
        case BtfKind.FUNC: case BtfKind.VAR: case BtfKind.DATASEC: case BtfKind.DECL_TAG:
          this.orderState[id] = Order.ORDERED;
          return 0;
        default:
          throw new BtfError('BTF_KIND', `unexpected kind in type [${id}]`, {}, 22);
      }
    } finally {
      this.leave();
    }
  }

  // ---- emission ----------------------------------------------------------------------------

  private isBlacklisted(id: number): boolean {
    const t = this.t(id);
    return !!t && t.nameOff !== 0 && t.name === '__builtin_va_list';
  }

  private emitType(id: number, contId: number): void {
    if (this.emitState[id] === Emit.EMITTED) return;
    const t = this.t(id)!;
    const topLevel = contId === 0;
    if (this.emitState[id] === Emit.EMITTING) {
      if (this.fwdEmitted[id]) return;
      switch (t.kind) {
        case BtfKind.STRUCT: case BtfKind.UNION:
          if (id === contId) return;
          if (t.nameOff === 0) return; // anonymous struct/union loop
          this.emitStructFwd(id, t);
          this.p(';\n\n');
          this.fwdEmitted[id] = 1;
          break;
        case BtfKind.TYPEDEF:
          if (!this.isBlacklisted(id)) {
            this.emitTypedefDef(id, t, 0);
            this.p(';\n\n');
          }
          this.fwdEmitted[id] = 1;
          break;
        default:
          break;
      }
      return;
    }
    this.enter(id);
    try {
      switch (t.kind) {
        case BtfKind.INT:
          this.emitMissingAliases(id);
          this.emitState[id] = Emit.EMITTED;
          break;
        case BtfKind.ENUM: case BtfKind.ENUM64:
          if (topLevel) {
            this.emitEnumDef(id, t, 0);
            this.p(';\n\n');
          }
          this.emitState[id] = Emit.EMITTED;
          break;
        case BtfKind.PTR: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
          this.emitType(t.type, contId);
          break;
        case BtfKind.ARRAY:
          this.emitType(t.type, contId);
          break;
        case BtfKind.FWD:
          this.emitFwdDef(id);
          this.p(';\n\n');
          this.emitState[id] = Emit.EMITTED;
          break;
        case BtfKind.TYPEDEF:
          this.emitState[id] = Emit.EMITTING;
          this.emitType(t.type, id);
          if (!this.fwdEmitted[id] && !this.isBlacklisted(id)) {
            this.emitTypedefDef(id, t, 0);
            this.p(';\n\n');
          }
          this.emitState[id] = Emit.EMITTED;
          break;
        case BtfKind.STRUCT: case BtfKind.UNION:
          this.emitState[id] = Emit.EMITTING;
          if (topLevel || t.nameOff === 0) {
            const newCont = t.nameOff === 0 ? contId : id;
            for (const m of t.members) this.emitType(m.type, newCont);
          } else if (!this.fwdEmitted[id] && id !== contId) {
            this.emitStructFwd(id, t);
            this.p(';\n\n');
            this.fwdEmitted[id] = 1;
          }
          if (topLevel) {
            this.emitStructDef(id, t, 0);
            this.p(';\n\n');
            this.emitState[id] = Emit.EMITTED;
          } else {
            this.emitState[id] = Emit.NOT_EMITTED;
          }
          break;
        case BtfKind.FUNC_PROTO:
          this.emitType(t.returnType, contId);
          for (const p of t.params) this.emitType(p.type, contId);
          break;
        default:
          break;
      }
    } finally {
      this.leave();
    }
  }

  private emitMissingAliases(id: number): void {
    const name = this.typeName(id);
    for (const [alias, base] of MISSING_BASE_TYPES) {
      if (name === alias) {
        this.p(`typedef ${base} ${name};\n\n`);
        break;
      }
    }
  }

  private isStructPacked(t: BtfComposite): boolean {
    let maxAlign = 1;
    for (const m of t.members) {
      const align = this.btf.alignOf(m.type);
      if (align && m.bitfieldSize === 0 && m.offset % (8 * align) !== 0) return true;
      maxAlign = Math.max(align, maxAlign);
    }
    return t.size % maxAlign !== 0;
  }

  private emitBitPadding(curOff: number, nextOff: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    const pads: Array<[string, number]> = [['long', this.ptrSz * 8], ['int', 32], ['short', 16], ['char', 8]];
    if (curOff >= nextOff) return;
    let newOff = 0, padBits = 0, padType = '';
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      newOff = roundup(curOff, padBits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      const alignedTo = nextAlign * 8 === 0 ? NaN : roundup(curOff, nextAlign * 8);
      if (inBitfield || (newOff === nextOff && alignedTo !== newOff) || (newOff !== nextOff && nextOff - newOff <= newOff - curOff)) {
        this.p(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    let guard = 0;
    while (curOff !== nextOff) {
      if (++guard > 1 << 20) throw new BtfError('BTF_SIZE', 'absurd padding', {}, 7);
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.p(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        padType = pads[i]![0];
        padBits = pads[i]![1];
        if (padBits < bits) continue;
        this.p(`\n${pfx(lvl)}${padType}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  private emitStructFwd(id: number, t: BtfType): void {
    this.p(`${t.kind === BtfKind.STRUCT ? 'struct' : 'union'}${t.nameOff ? ' ' : ''}${this.typeName(id)}`);
  }

  private emitStructDef(id: number, t: BtfComposite, lvl: number): void {
    this.enter(id);
    const isStruct = t.kind === BtfKind.STRUCT;
    const align = this.btf.alignOf(id);
    const packed = isStruct ? this.isStructPacked(t) : false;
    this.p(`${isStruct ? 'struct' : 'union'}${t.nameOff ? ' ' : ''}${this.typeName(id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      const fname = m.name;
      let mSz = m.bitfieldSize;
      const mOff = m.bitOffset;
      const mAlign = packed ? 1 : this.btf.alignOf(m.type);
      const inBitfield = prevBitfield && mSz !== 0;
      this.emitBitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
      this.p(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(m.type, fname, lvl + 1);
      if (mSz) {
        this.p(`: ${mSz}`);
        off = mOff + mSz;
        prevBitfield = true;
      } else {
        let sz = 0;
        try { sz = Math.max(0, this.btf.resolveSize(m.type)); } catch { sz = 0; }
        mSz = sz;
        off = mOff + mSz * 8;
        prevBitfield = false;
      }
      this.p(';');
    }
    if (isStruct) this.emitBitPadding(off, t.size * 8, align, false, lvl + 1);
    if (t.vlen || t.size) {
      this.p('\n');
      this.p(`${pfx(lvl)}}`);
    } else {
      this.p('}');
    }
    if (packed) this.p(' __attribute__((packed))');
    this.leave();
  }

  private emitEnumDef(id: number, t: BtfEnum | BtfEnum64, lvl: number): void {
    this.p(`enum${t.nameOff ? ' ' : ''}${this.typeName(id)}`);
    if (!t.vlen) return;
    this.p(' {');
    if (t.kind === BtfKind.ENUM) {
      for (const v of t.values) {
        const dup = this.nameDups(this.identNames, v.name);
        const val = t.signed ? String(v.value | 0) : String(v.value >>> 0);
        this.p(dup > 1 ? `\n${pfx(lvl + 1)}${v.name}___${dup} = ${val},` : `\n${pfx(lvl + 1)}${v.name} = ${val},`);
      }
    } else {
      for (const v of t.values) {
        const dup = this.nameDups(this.identNames, v.name);
        const val = t.signed ? `${BigInt.asIntN(64, v.value)}LL` : `${v.value}ULL`;
        this.p(dup > 1 ? `\n${pfx(lvl + 1)}${v.name}___${dup} = ${val},` : `\n${pfx(lvl + 1)}${v.name} = ${val},`);
      }
    }
    // (bpftool 7.1 as shipped predates libbpf's mode(byte)/mode(word) attributes for odd-sized enums.)
    this.p(`\n${pfx(lvl)}}`);
  }

  private emitFwdDef(id: number): void {
    const t = this.t(id)!;
    const name = this.typeName(id);
    this.p(t.kindFlag ? `union ${name}` : `struct ${name}`);
  }

  private emitTypedefDef(id: number, t: BtfType & { type: number }, lvl: number): void {
    const name = this.identName(id);
    if (t.type === 0 && name === '__gnuc_va_list') {
      this.p('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.p('typedef ');
    this.emitTypeDecl(t.type, name, lvl);
  }

  private emitTypeDecl(id: number, fname: string, lvl: number): void {
    this.enter(id);
    const stack: number[] = [];
    for (let guard = 0; ; guard++) {
      if (guard > MAX_NESTING * 4) throw new BtfError('BTF_LOOP', 'declaration chain too long', { typeId: id }, 40);
      stack.push(id);
      if (id === 0) break;
      const t = this.t(id)!;
      let next: number | undefined;
      switch (t.kind) {
        case BtfKind.PTR: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
          next = t.type;
          break;
        case BtfKind.FUNC_PROTO:
          next = t.returnType;
          break;
        case BtfKind.ARRAY:
          next = t.type;
          break;
        default:
          next = undefined;
      }
      if (next === undefined) break;
      id = next;
    }
    this.emitTypeChain(stack, fname, lvl);
    this.leave();
  }

  private emitMods(decls: number[]): void {
    while (decls.length) {
      const id = decls[decls.length - 1]!;
      const t = this.t(id);
      if (!t) return;
      if (t.kind === BtfKind.VOLATILE) this.p('volatile ');
      else if (t.kind === BtfKind.CONST) this.p('const ');
      else if (t.kind === BtfKind.RESTRICT) this.p('restrict ');
      else return;
      decls.pop();
    }
  }

  private dropMods(decls: number[]): void {
    while (decls.length) {
      const t = this.t(decls[decls.length - 1]!);
      if (!t || !isModifierKind(t.kind)) return;
      decls.pop();
    }
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.p(`${name && !lastWasPtr ? ' ' : ''}${name}`);
  }

  private emitTypeChain(decls: number[], fname: string, lvl: number): void {
    let lastWasPtr = true;
    while (decls.length) {
      const id = decls.pop()!;
      if (id === 0) {
        this.emitMods(decls);
        this.p('void');
        lastWasPtr = false;
        continue;
      }
      const t = this.t(id)!;
      switch (t.kind) {
        case BtfKind.INT: case BtfKind.FLOAT:
          this.emitMods(decls);
          this.p(t.name);
          break;
        case BtfKind.STRUCT: case BtfKind.UNION:
          this.emitMods(decls);
          if (t.nameOff === 0) this.emitStructDef(id, t, lvl);
          else this.emitStructFwd(id, t);
          break;
        case BtfKind.ENUM: case BtfKind.ENUM64:
          this.emitMods(decls);
          if (t.nameOff === 0) this.emitEnumDef(id, t, lvl);
          else this.p(`enum ${this.typeName(id)}`);
          break;
        case BtfKind.FWD:
          this.emitMods(decls);
          this.emitFwdDef(id);
          break;
        case BtfKind.TYPEDEF:
          this.emitMods(decls);
          this.p(this.identName(id));
          break;
        case BtfKind.PTR:
          this.p(lastWasPtr ? '*' : ' *');
          break;
        case BtfKind.VOLATILE:
          this.p(' volatile');
          break;
        case BtfKind.CONST:
          this.p(' const');
          break;
        case BtfKind.RESTRICT:
          this.p(' restrict');
          break;
        case BtfKind.TYPE_TAG:
          this.emitMods(decls);
          this.p(` __attribute__((btf_type_tag("${t.name}")))`);
          break;
        case BtfKind.ARRAY: {
          this.dropMods(decls);
          if (decls.length === 0) {
            this.emitName(fname, lastWasPtr);
            this.p(`[${t.nelems}]`);
            return;
          }
          const next = this.t(decls[decls.length - 1]!);
          const multidim = !!next && next.kind === BtfKind.ARRAY;
          if (fname && !lastWasPtr) this.p(' ');
          if (!multidim) this.p('(');
          this.emitTypeChain(decls, fname, lvl);
          if (!multidim) this.p(')');
          this.p(`[${t.nelems}]`);
          return;
        }
        case BtfKind.FUNC_PROTO: {
          this.dropMods(decls);
          if (decls.length) {
            this.p(' (');
            this.emitTypeChain(decls, fname, lvl);
            this.p(')');
          } else {
            this.emitName(fname, lastWasPtr);
          }
          this.p('(');
          const params = t.params;
          // bpftool 7.1 as shipped (Linux 6.1 stable) prints `(void)` for no-argument prototypes.
          if (params.length === 0 || (params.length === 1 && params[0]!.type === 0)) {
            this.p('void)');
            return;
          }
          for (let i = 0; i < params.length; i++) {
            const prm = params[i]!;
            if (i > 0) this.p(', ');
            if (i === params.length - 1 && prm.type === 0) {
              this.p('...');
              break;
            }
            this.emitTypeDecl(prm.type, prm.name, lvl);
          }
          this.p(')');
          return;
        }
        default:
          return; // unexpected type in decl chain
      }
      lastWasPtr = t.kind === BtfKind.PTR;
    }
    this.emitName(fname, lastWasPtr);
  }

  private nameDups(map: Map<string, number>, name: string): number {
    const c = (map.get(name) ?? 0) + 1;
    map.set(name, c);
    return c;
  }

  private resolveName(id: number, map: Map<string, number>): string {
    const t = this.t(id);
    if (!t || t.nameOff === 0) return '';
    const orig = t.name;
    if (this.nameResolved[id]) return this.cachedNames.get(id) ?? orig;
    if (t.kind === BtfKind.FWD || (t.kind === BtfKind.ENUM && t.vlen === 0)) {
      this.nameResolved[id] = 1;
      return orig;
    }
    const dup = this.nameDups(map, orig);
    if (dup > 1) this.cachedNames.set(id, `${orig}___${dup}`.slice(0, 255));
    this.nameResolved[id] = 1;
    return this.cachedNames.get(id) ?? orig;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }
}

/** The whole of `bpftool btf dump file F format c` (or only `rootIds` and their dependencies). */
export function dumpC(btf: Btf, opts: CDumpOptions & { rootIds?: readonly number[] } = {}): string {
  const d = new BtfCDumper(btf);
  const header = opts.header ?? true;
  let pre = '';
  if (header) {
    pre = '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n' +
      '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
      '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
      '#endif\n\n';
  }
  const ids = opts.rootIds ?? Array.from({ length: btf.typeCount - 1 }, (_, i) => i + 1);
  for (const id of ids) d.dumpType(id);
  let post = '';
  if (header) post = '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';
  return pre + d.text() + post;
}

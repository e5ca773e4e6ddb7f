// CO-RE: applying BTF.ext relocation records against a target BTF (for example the kernel's
// /sys/kernel/btf/vmlinux), following libbpf's relo_core rules: an access string is
// resolved on the program's own (local) types, every target type with the same kind and
// essential name (the name up to `___`) is a candidate, named members are matched by name
// (looking into anonymous members), array indices carry over, field types must be
// compatible, all matching candidates must agree, and the instruction's immediate
// (ALU, lddw) or offset (loads and stores, whose size may change) is patched after checking
// that it holds the locally computed value. A relocation without a target is 0 for the
// *_EXISTS kinds and poisons the instruction (`call 0xbad2310`) otherwise, as libbpf does.

import type { Btf, BtfType, CoreReloRecord } from '../btf/index.js';
import { BtfKind, CoreReloKind, CORE_RELO_KIND_NAMES } from '../btf/index.js';
import type { Insn } from '../isa/insn.js';
import { findForm } from '../isa/table.js';
import { LoaderError } from './errors.js';

/** The helper id libbpf writes into poisoned instructions. */
export const CORE_POISON_IMM = 0xbad2310;

interface Accessor {
  /** Type the access applies to (composite, array or enum). */
  typeId: number;
  idx: number;
  /** Member or enumerator name; undefined for array indexing. */
  name?: string;
}

interface Spec {
  btf: Btf;
  rootTypeId: number;
  /** Named and array accesses after the first (pointer arithmetic) one. */
  acc: Accessor[];
  /** Raw indices. */
  raw: number[];
  bitOffset: number;
}

const isComposite = (t: BtfType | undefined) => t?.kind === BtfKind.STRUCT || t?.kind === BtfKind.UNION;
const isAnyEnum = (t: BtfType | undefined) => t?.kind === BtfKind.ENUM || t?.kind === BtfKind.ENUM64;

/** Name up to a `___flavor` suffix (libbpf's bpf_core_essential_name_len). */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i > 0; i--) {
    if (name[i] === '_' && name[i + 1] === '_' && name[i + 2] === '_') return name.slice(0, i);
  }
  return name;
}

function fieldKind(kind: number): boolean {
  return kind <= CoreReloKind.FIELD_RSHIFT_U64;
}
function enumKind(kind: number): boolean {
  return kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.ENUMVAL_VALUE;
}

class CoreFail extends Error {}

/** Parse an access string on the local types (libbpf's bpf_core_parse_spec). */
function parseSpec(btf: Btf, typeId: number, access: string, kind: number): Spec {
  const raw = access.split(':').map((s) => {
    // libbpf reads each index as an int
    if (!/^\d+$/.test(s) || Number(s) > 0x7fffffff) throw new CoreFail(`bad access string '${access}'`);
    return Number(s);
  });
  if (raw.length === 0) throw new CoreFail('empty access string');
  const spec: Spec = { btf, rootTypeId: typeId, acc: [], raw, bitOffset: 0 };
  if (!fieldKind(kind) && !enumKind(kind)) {
    if (raw.length !== 1 || raw[0] !== 0) throw new CoreFail(`type relocation with access '${access}'`);
    return spec;
  }
  let id = btf.skipModsAndTypedefs(typeId);
  let t = btf.typeOrVoid(id);
  if (enumKind(kind)) {
    if (!isAnyEnum(t) || raw.length !== 1) throw new CoreFail(`enum relocation on a ${t ? btf.kindName(id) : 'void'}`);
    const e = t as { values: ReadonlyArray<{ name: string }> };
    if (raw[0]! >= e.values.length) throw new CoreFail(`enumerator ${raw[0]} out of range`);
    spec.acc.push({ typeId: id, idx: raw[0]!, name: e.values[raw[0]!]!.name });
    return spec;
  }
  // first index: pointer arithmetic on the root type
  spec.bitOffset = raw[0]! * btf.resolveSize(id) * 8;
  spec.acc.push({ typeId: id, idx: raw[0]! });
  for (const idx of raw.slice(1)) {
    id = btf.skipModsAndTypedefs(id);
    t = btf.typeOrVoid(id);
    if (isComposite(t)) {
      const c = t as { members: ReadonlyArray<{ name: string; type: number; bitOffset: number }> };
      const m = c.members[idx];
      if (!m) throw new CoreFail(`member ${idx} out of range`);
      spec.bitOffset += m.bitOffset;
      if (m.name) spec.acc.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t?.kind === BtfKind.ARRAY) {
      const elem = btf.skipModsAndTypedefs(t.type);
      spec.bitOffset += idx * btf.resolveSize(elem) * 8;
      spec.acc.push({ typeId: id, idx });
      id = elem;
    } else {
      throw new CoreFail(`access ${idx} into a ${t ? btf.kindName(id) : 'void'}`);
    }
  }
  return spec;
}

function kindCompat(a: BtfType, b: BtfType): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

/** libbpf's bpf_core_fields_are_compat. */
function fieldsCompat(lb: Btf, lid: number, tb: Btf, tid: number): boolean {
  for (let depth = 0; depth < 64; depth++) {
    lid = lb.skipModsAndTypedefs(lid);
    tid = tb.skipModsAndTypedefs(tid);
    const l = lb.typeOrVoid(lid), t = tb.typeOrVoid(tid);
    if (!l || !t) return false;
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case BtfKind.PTR: case BtfKind.FLOAT: return true;
      case BtfKind.FWD: case BtfKind.ENUM: case BtfKind.ENUM64: {
        const a = essentialName(l.name), b = essentialName(t.name);
        return a === '' || b === '' || a === b;
      }
      case BtfKind.INT: return l.bitsOffset === 0 && (t as typeof l).bitsOffset === 0;
      case BtfKind.ARRAY:
        lid = l.type;
        tid = (t as typeof l).type;
        continue;
      default: return false;
    }
  }
  return false;
}

/** Find member `name` in target composite `tid`, looking into anonymous members; adds to bit offset. */
function matchMember(tb: Btf, tid: number, name: string, depth = 0): { typeId: number; idx: number; bitOffset: number; memberType: number } | undefined {
  if (depth > 32) return undefined;
  const t = tb.typeOrVoid(tb.skipModsAndTypedefs(tid));
  if (!isComposite(t)) return undefined;
  const c = t as { id: number; members: ReadonlyArray<{ name: string; type: number; bitOffset: number }> };
  for (let i = 0; i < c.members.length; i++) {
    const m = c.members[i]!;
    if (m.name === name) return { typeId: c.id, idx: i, bitOffset: m.bitOffset, memberType: m.type };
    if (!m.name) {
      const inner = matchMember(tb, m.type, name, depth + 1);
      if (inner) return { ...inner, bitOffset: inner.bitOffset + m.bitOffset };
    }
  }
  return undefined;
}

/** Match the local spec against one target candidate (libbpf's bpf_core_spec_match). */
function matchSpec(local: Spec, tb: Btf, candId: number, kind: number): Spec | undefined {
  const spec: Spec = { btf: tb, rootTypeId: candId, acc: [], raw: [], bitOffset: 0 };
  if (!fieldKind(kind) && !enumKind(kind)) return spec; // type kinds: the candidate itself
  if (enumKind(kind)) {
    const t = tb.typeOrVoid(tb.skipModsAndTypedefs(candId));
    if (!isAnyEnum(t)) return undefined;
    const want = essentialName(local.acc[0]!.name!);
    const values = (t as { values: ReadonlyArray<{ name: string }> }).values;
    const i = values.findIndex((v) => essentialName(v.name) === want);
    if (i < 0) return undefined;
    spec.acc.push({ typeId: t!.id, idx: i, name: values[i]!.name });
    return spec;
  }
  let id = candId;
  for (const [n, acc] of local.acc.entries()) {
    if (n === 0) {
      // the root: pointer arithmetic with the target's size
      id = tb.skipModsAndTypedefs(id);
      spec.bitOffset = acc.idx * tb.resolveSize(id) * 8;
      spec.acc.push({ typeId: id, idx: acc.idx });
      continue;
    }
    if (acc.name !== undefined) {
      const m = matchMember(tb, id, acc.name);
      if (!m) return undefined;
      const lt = local.btf.type(acc.typeId) as { members: ReadonlyArray<{ type: number }> };
      if (!fieldsCompat(local.btf, lt.members[acc.idx]!.type, tb, m.memberType)) return undefined;
      spec.bitOffset += m.bitOffset;
      spec.acc.push({ typeId: m.typeId, idx: m.idx, name: acc.name });
      id = m.memberType;
    } else {
      const t = tb.typeOrVoid(tb.skipModsAndTypedefs(id));
      if (t?.kind !== BtfKind.ARRAY) return undefined;
      // index must be in bounds unless it is a flexible array
      if (t.nelems > 0 && acc.idx >= t.nelems) return undefined;
      const elem = tb.skipModsAndTypedefs(t.type);
      spec.bitOffset += acc.idx * tb.resolveSize(elem) * 8;
      spec.acc.push({ typeId: t.id, idx: acc.idx });
      id = elem;
    }
  }
  return spec;
}

interface Calc { val: bigint; fieldSz: number; validate: boolean; poison: boolean }

function calcField(spec: Spec | undefined, kind: number): Calc {
  const res: Calc = { val: 0n, fieldSz: 0, validate: true, poison: false };
  if (kind === CoreReloKind.FIELD_EXISTS) {
    res.val = spec ? 1n : 0n;
    return res;
  }
  if (!spec) return { ...res, poison: true };
  const btf = spec.btf;
  const acc = spec.acc[spec.acc.length - 1]!;
  const elemSize = (id: number): number => {
    let t = btf.typeOrVoid(btf.skipModsAndTypedefs(id));
    let eid = btf.skipModsAndTypedefs(id);
    while (t?.kind === BtfKind.ARRAY) {
      eid = btf.skipModsAndTypedefs(t.type);
      t = btf.typeOrVoid(eid);
    }
    return btf.resolveSize(eid);
  };
  // a non-bitfield access must start on a byte (the kernel's BTF check refuses such members)
  const byteAligned = (): void => {
    if (spec.bitOffset % 8 !== 0) throw new CoreFail(`field at bit offset ${spec.bitOffset} is not byte aligned`);
  };
  if (acc.name === undefined) {
    // array element (or the root) access
    byteAligned();
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      res.val = BigInt(spec.bitOffset / 8);
      res.fieldSz = elemSize(acc.typeId);
    } else if (kind === CoreReloKind.FIELD_BYTE_SIZE) {
      res.val = BigInt(btf.resolveSize(acc.typeId));
    } else {
      throw new CoreFail(`${CORE_RELO_KIND_NAMES[kind]} can't be applied to an array access`);
    }
    return res;
  }
  const parent = btf.type(acc.typeId) as { members: ReadonlyArray<{ type: number; bitfieldSize: number }> };
  const m = parent.members[acc.idx]!;
  const mtId = btf.skipModsAndTypedefs(m.type);
  const mt = btf.typeOrVoid(mtId);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number, byteOff: number;
  if (bitfield) {
    if (!mt || !('size' in mt) || !(mt.size > 0)) throw new CoreFail('bitfield of a type without a size');
    byteSz = mt.size;
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreFail("bitfield can't be read with a 64-bit load");
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteAligned();
    byteSz = btf.resolveSize(mtId);
    byteOff = bitOff / 8;
    bitSz = byteSz * 8;
  }
  res.validate = !bitfield;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      res.val = BigInt(byteOff);
      if (!bitfield) res.fieldSz = elemSize(mtId);
      break;
    case CoreReloKind.FIELD_BYTE_SIZE:
      res.val = BigInt(byteSz);
      break;
    case CoreReloKind.FIELD_SIGNED:
      res.val = (isAnyEnum(mt) && mt!.kindFlag) || (mt?.kind === BtfKind.INT && (mt.encoding & 1) !== 0) ? 1n : 0n;
      res.validate = true;
      break;
    case CoreReloKind.FIELD_LSHIFT_U64:
      // little-endian target (the runtime's byte order)
      res.val = BigInt(64 - (bitOff + bitSz - byteOff * 8));
      break;
    case CoreReloKind.FIELD_RSHIFT_U64:
      res.val = BigInt(64 - bitSz);
      res.validate = true;
      break;
    default:
      throw new CoreFail(`unsupported relocation kind ${kind}`);
  }
  return res;
}

function calc(spec: Spec | undefined, kind: number, localTypeId: number): Calc {
  if (fieldKind(kind)) return calcField(spec, kind);
  if (enumKind(kind)) {
    if (kind === CoreReloKind.ENUMVAL_EXISTS) return { val: spec ? 1n : 0n, fieldSz: 0, validate: true, poison: false };
    if (!spec) return { val: 0n, fieldSz: 0, validate: true, poison: true };
    const t = spec.btf.type(spec.acc[0]!.typeId) as { kind: number; values: ReadonlyArray<{ value: number | bigint }> };
    const v = t.values[spec.acc[0]!.idx]!.value;
    return { val: typeof v === 'bigint' ? v : BigInt(v), fieldSz: 0, validate: true, poison: false };
  }
  switch (kind) {
    case CoreReloKind.TYPE_ID_LOCAL: return { val: BigInt(localTypeId), fieldSz: 0, validate: true, poison: false };
    case CoreReloKind.TYPE_ID_TARGET: return { val: spec ? BigInt(spec.rootTypeId) : 0n, fieldSz: 0, validate: false, poison: false };
    case CoreReloKind.TYPE_EXISTS: case CoreReloKind.TYPE_MATCHES: return { val: spec ? 1n : 0n, fieldSz: 0, validate: true, poison: false };
    case CoreReloKind.TYPE_SIZE: return { val: spec ? BigInt(spec.btf.resolveSize(spec.rootTypeId)) : 0n, fieldSz: 0, validate: true, poison: false };
    default: throw new CoreFail(`unknown relocation kind ${kind}`);
  }
}

/** Candidate target types: same kind (composites, enums, or the local kind) and essential name. */
function candidates(lb: Btf, localId: number, tb: Btf): number[] {
  const lt = lb.typeOrVoid(localId);
  if (!lt) return [];
  const name = essentialName(lt.name);
  if (!name) return [];
  const out: number[] = [];
  for (let id = 1; id < tb.types.length; id++) {
    const t = tb.types[id]!;
    if (!kindCompat(lt, t)) continue;
    if (essentialName(t.name) === name) out.push(id);
  }
  return out;
}

const sizeBytes: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
const sizeCode: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

/**
 * Apply one relocation to `insn` (a decoded instruction of the program's section).
 * Throws LoaderError (LOADER_CORE) when libbpf would fail.
 */
export function applyCoreRelo(insn: Insn, relo: CoreReloRecord, local: Btf, target: Btf, where: { section: string; prog: string }): 'poison-lddw' | undefined {
  const fail = (msg: string): never => {
    throw new LoaderError('LOADER_CORE', `prog '${where.prog}': CO-RE relo at insn ${relo.insnOff / 8} (${CORE_RELO_KIND_NAMES[relo.kind] ?? relo.kind} '${relo.accessStr}' on [${relo.typeId}]): ${msg}`,
      { section: where.section, offset: relo.insnOff });
  };
  let res: Calc;
  let orig: Calc;
  try {
    const localSpec = parseSpec(local, relo.typeId, relo.accessStr, relo.kind);
    orig = calc(localSpec, relo.kind, relo.typeId);
    if (relo.kind === CoreReloKind.TYPE_ID_LOCAL) {
      res = orig;
    } else {
      const results: Calc[] = [];
      for (const cand of candidates(local, relo.typeId, target)) {
        const ts = matchSpec(localSpec, target, cand, relo.kind);
        if (!ts) continue;
        results.push(calc(ts, relo.kind, relo.typeId));
      }
      if (results.length === 0) res = calc(undefined, relo.kind, relo.typeId);
      else {
        res = results[0]!;
        for (const r of results.slice(1)) {
          if (r.val !== res.val || r.fieldSz !== res.fieldSz) fail(`relocation decision ambiguous: ${res.val} != ${r.val}`);
        }
      }
    }
  } catch (e) {
    if (e instanceof CoreFail) return fail(e.message);
    throw e;
  }
  const cls = insn.opcode & 7;
  if (res.poison) {
    // a lddw becomes two poisoned calls; the caller splits it
    if (insn.opcode === 0x18) return 'poison-lddw';
    Object.assign(insn, { opcode: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM | 0 });
    insn.form = findForm(insn.opcode, insn.src, insn.off, insn.imm);
    return undefined;
  }
  const validate = res.validate && orig.validate;
  if (cls === 4 || cls === 7) {
    if ((insn.opcode & 0x08) !== 0) fail('ALU instruction with a register source');
    if (validate && BigInt(insn.imm) !== BigInt.asIntN(32, orig.val)) fail(`unexpected insn value: imm ${insn.imm}, expected ${orig.val}`);
    if (res.val > 0xffffffffn) fail(`value ${res.val} does not fit the immediate`);
    insn.imm = Number(BigInt.asIntN(32, res.val));
  } else if ((cls === 1 && insn.opcode !== 0x18) || cls === 2 || cls === 3) {
    if (validate && BigInt(insn.off) !== orig.val) fail(`unexpected insn offset ${insn.off}, expected ${orig.val}`);
    if (res.val > 0x7fffn) fail(`offset ${res.val} does not fit the instruction`);
    insn.off = Number(res.val);
    if (res.fieldSz !== orig.fieldSz && relo.kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      const size = sizeBytes[insn.opcode & 0x18];
      if (size !== orig.fieldSz) fail(`unexpected memory size ${size}, expected ${orig.fieldSz}`);
      const code = sizeCode[res.fieldSz];
      if (code === undefined) fail(`invalid new memory size ${res.fieldSz}`);
      insn.opcode = (insn.opcode & ~0x18) | code!;
    }
  } else if (insn.opcode === 0x18 && insn.src === 0) {
    const imm64 = (BigInt(insn.imm2 ?? 0) << 32n) | BigInt(insn.imm >>> 0);
    if (validate && BigInt.asUintN(64, imm64) !== BigInt.asUintN(64, orig.val)) fail(`unexpected lddw value ${imm64}, expected ${orig.val}`);
    insn.imm = Number(BigInt.asIntN(32, res.val));
    insn.imm2 = Number(BigInt.asIntN(32, res.val >> 32n));
  } else {
    fail(`cannot relocate instruction with opcode 0x${insn.opcode.toString(16)}`);
  }
  insn.form = findForm(insn.opcode, insn.src, insn.off, insn.imm);
  return undefined;
}

/** The poisoned instruction libbpf writes (`call 0xbad2310`), at slot `pc`. */
export function poisonInsn(pc: number): Insn {
  const i: Insn = { pc, opcode: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM | 0, form: undefined };
  i.form = findForm(i.opcode, i.src, i.off, i.imm);
  return i;
}

// BTF type records (linux/btf.h), decoded. One interface per kind; `id` is the type id
// (0 is void, never stored as a record).

import { BpfError } from '../errors.js';

/** BTF_KIND_* numbers. */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** bpftool's spelling of each kind. */
export const BTF_KIND_NAMES: readonly string[] = [
  'UNKNOWN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST',
  'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

/** BTF_INT_* encoding bits. */
export const BtfIntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;
/** BTF_VAR_* linkage. */
export const BtfVarLinkage = { STATIC: 0, GLOBAL_ALLOCATED: 1, GLOBAL_EXTERN: 2 } as const;
/** BTF_FUNC_* linkage (in vlen of FUNC). */
export const BtfFuncLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

export const BTF_MAGIC = 0xeb9f;
export const BTF_MAX_TYPE = 0x000fffff;
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
export const BTF_MAX_VLEN = 0xffff;

interface Common {
  readonly id: number;
  readonly name: string;
  readonly nameOff: number;
  /** The raw info word (vlen | kind << 24 | kind_flag << 31). */
  readonly info: number;
  readonly kindFlag: boolean;
  readonly vlen: number;
}

export interface BtfInt extends Common {
  readonly kind: typeof BtfKind.INT;
  readonly size: number;
  /** BTF_INT_ENCODING: SIGNED / CHAR / BOOL bits. */
  readonly encoding: number;
  /** BTF_INT_OFFSET. */
  readonly bitsOffset: number;
  /** BTF_INT_BITS. */
  readonly bits: number;
  /** The raw extra word. */
  readonly intData: number;
}

/** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: one referenced type. */
export interface BtfRef extends Common {
  readonly kind: typeof BtfKind.PTR | typeof BtfKind.TYPEDEF | typeof BtfKind.VOLATILE | typeof BtfKind.CONST |
    typeof BtfKind.RESTRICT | typeof BtfKind.TYPE_TAG;
  readonly type: number;
}

export interface BtfArray extends Common {
  readonly kind: typeof BtfKind.ARRAY;
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

export interface BtfMember {
  readonly name: string;
  readonly nameOff: number;
  readonly type: number;
  /** Bit offset of the member in the struct. */
  readonly bitOffset: number;
  /** Bitfield size (0 when not a bitfield, or when kind_flag is clear). */
  readonly bitfieldSize: number;
  /** Raw offset word. */
  readonly offset: number;
}

export interface BtfComposite extends Common {
  readonly kind: typeof BtfKind.STRUCT | typeof BtfKind.UNION;
  readonly size: number;
  readonly members: readonly BtfMember[];
}

export interface BtfEnumValue {
  readonly name: string;
  readonly nameOff: number;
  /** As stored: for ENUM, a signed 32-bit value (reinterpret with >>> 0 when unsigned). */
  readonly value: number;
}

export interface BtfEnum extends Common {
  readonly kind: typeof BtfKind.ENUM;
  readonly size: number;
  /** kind_flag: signed enumerators. */
  readonly signed: boolean;
  readonly values: readonly BtfEnumValue[];
}

export interface BtfEnum64Value {
  readonly name: string;
  readonly nameOff: number;
  /** Unsigned 64-bit value (lo32 | hi32 << 32). */
  readonly value: bigint;
  readonly lo32: number;
  readonly hi32: number;
}

export interface BtfEnum64 extends Common {
  readonly kind: typeof BtfKind.ENUM64;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnum64Value[];
}

export interface BtfFwd extends Common {
  readonly kind: typeof BtfKind.FWD;
  /** kind_flag: union (true) or struct (false). */
  readonly isUnion: boolean;
}

export interface BtfFunc extends Common {
  readonly kind: typeof BtfKind.FUNC;
  /** The FUNC_PROTO. */
  readonly type: number;
  /** BTF_FUNC_STATIC / GLOBAL / EXTERN (stored in vlen). */
  readonly linkage: number;
}

export interface BtfParam {
  readonly name: string;
  readonly nameOff: number;
  readonly type: number;
}

export interface BtfFuncProto extends Common {
  readonly kind: typeof BtfKind.FUNC_PROTO;
  readonly returnType: number;
  readonly params: readonly BtfParam[];
}

export interface BtfVar extends Common {
  readonly kind: typeof BtfKind.VAR;
  readonly type: number;
  readonly linkage: number;
}

export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfDatasec extends Common {
  readonly kind: typeof BtfKind.DATASEC;
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}

export interface BtfFloat extends Common {
  readonly kind: typeof BtfKind.FLOAT;
  readonly size: number;
}

export interface BtfDeclTag extends Common {
  readonly kind: typeof BtfKind.DECL_TAG;
  readonly type: number;
  /** -1 for the type itself, else the member / parameter index. */
  readonly componentIdx: number;
}

export type BtfType = BtfInt | BtfRef | BtfArray | BtfComposite | BtfEnum | BtfEnum64 | BtfFwd | BtfFunc |
  BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag;

/** Kinds whose record carries one referenced type in `type`. */
export function isRefKind(kind: number): boolean {
  return kind === BtfKind.PTR || kind === BtfKind.TYPEDEF || kind === BtfKind.VOLATILE || kind === BtfKind.CONST ||
    kind === BtfKind.RESTRICT || kind === BtfKind.TYPE_TAG;
}

/** VOLATILE, CONST, RESTRICT, TYPE_TAG (libbpf's btf_is_mod). */
export function isModifierKind(kind: number): boolean {
  return kind === BtfKind.VOLATILE || kind === BtfKind.CONST || kind === BtfKind.RESTRICT || kind === BtfKind.TYPE_TAG;
}

/**
 * Malformed BTF or BTF.ext, or a type that cannot be resolved. Codes: BTF_TRUNCATED,
 * BTF_HEADER, BTF_STRINGS, BTF_KIND, BTF_TYPE (bad reference or field), BTF_LOOP,
 * BTF_SIZE (absurd or unresolvable size), BTF_EXT.
 */
export class BtfError extends BpfError {
  readonly section?: string;
  readonly offset?: number;
  constructor(code: string, readonly reason: string, where: { section?: string; offset?: number; typeId?: number } = {}, errno = 22) {
    const loc: string[] = [];
    if (where.section !== undefined) loc.push(`section '${where.section}'`);
    if (where.offset !== undefined) loc.push(`offset 0x${where.offset.toString(16)}`);
    const head = loc.length ? `${loc.join(' at ')}: ` : '';
    const type = where.typeId !== undefined ? `type [${where.typeId}]: ` : '';
    super(code, `BTF: ${head}${type}${reason}`, errno);
    if (where.section !== undefined) this.section = where.section;
    if (where.offset !== undefined) this.offset = where.offset;
  }
}

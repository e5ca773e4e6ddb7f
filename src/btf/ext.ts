// .BTF.ext: per-section function info, line info and CO-RE relocation records, as clang
// emits them (instruction offsets in bytes from the start of the ELF section). Both byte
// orders. CO-RE records are decoded and kept; applying them is a later step.

import type { Btf } from './btf.js';
import { BtfError } from './types.js';

export interface FuncInfoRecord {
  /** Byte offset of the function's first instruction in its section. */
  readonly insnOff: number;
  /** BTF id of the FUNC. */
  readonly typeId: number;
}

export interface LineInfoRecord {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  /** line_col >> 10 */
  readonly line: number;
  /** line_col & 0x3ff */
  readonly col: number;
  /** Resolved strings. */
  readonly fileName: string;
  readonly lineText: string;
}

/** enum bpf_core_relo_kind */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

export const CORE_RELO_KIND_NAMES: readonly string[] = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id',
  'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches',
];

export interface CoreReloRecord {
  readonly insnOff: number;
  /** Local BTF type id the access starts from. */
  readonly typeId: number;
  readonly accessStrOff: number;
  /** e.g. `0:1:2` */
  readonly accessStr: string;
  readonly kind: number;
}

/** Records of one ELF section. */
export interface BtfExtSection<R> {
  readonly section: string;
  readonly records: readonly R[];
}

export interface BtfExt {
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
  readonly coreReloRecSize: number;
  readonly funcInfo: ReadonlyMap<string, readonly FuncInfoRecord[]>;
  readonly lineInfo: ReadonlyMap<string, readonly LineInfoRecord[]>;
  readonly coreRelos: ReadonlyMap<string, readonly CoreReloRecord[]>;
}

const MIN_REC = { func: 8, line: 16, core: 16 } as const;

/** Parse .BTF.ext against the object's BTF (whose strings it uses). */
export function parseBtfExt(bytes: Uint8Array, btf: Btf, section = '.BTF.ext'): BtfExt {
  const fail = (reason: string, offset?: number): never => {
    throw new BtfError('BTF_EXT', reason, offset === undefined ? { section } : { section, offset });
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is shorter than the .BTF.ext header`, 0);
  let le: boolean;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) le = true;
  else if (bytes[0] === 0xeb && bytes[1] === 0x9f) le = false;
  else return fail(`bad magic 0x${((bytes[0]! << 8) | bytes[1]!).toString(16)}`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => dv.getUint32(o, le);
  if (bytes[2] !== 1) fail(`unsupported version ${bytes[2]}`, 2);
  if (bytes[3] !== 0) fail(`unsupported flags 0x${bytes[3]!.toString(16)}`, 3);
  const hdrLen = u32(4);
  if (hdrLen < 24 || hdrLen > bytes.length) fail(`header length ${hdrLen} is invalid (data is ${bytes.length} bytes)`, 4);
  const field = (o: number) => (o + 4 <= hdrLen ? u32(o) : 0);
  const parts = {
    func: { off: field(8), len: field(12) },
    line: { off: field(16), len: field(20) },
    core: { off: field(24), len: field(28) },
  };

  const str = (off: number, where: number, what: string): string => {
    try {
      return btf.str(off);
    } catch {
      return fail(`${what}: string offset ${off} is outside the BTF string section`, where);
    }
  };

  function readPart<R>(which: keyof typeof parts, decode: (o: number, sec: string) => R): [Map<string, R[]>, number] {
    const out = new Map<string, R[]>();
    const { off, len } = parts[which];
    if (len === 0) return [out, 0];
    const desc = which === 'func' ? 'func_info' : which === 'line' ? 'line_info' : 'core_relo';
    if (off % 4 !== 0) fail(`${desc} subsection offset ${off} is not 4-byte aligned`, hdrLen + off);
    const start = hdrLen + off;
    if (start + len > bytes.length) fail(`${desc} subsection (offset ${off}, length ${len}) extends past the end of .BTF.ext`, start);
    if (len < 4) fail(`${desc} record size not found`, start);
    const recSize = u32(start);
    if (recSize < MIN_REC[which] || recSize % 4 !== 0) fail(`${desc} has invalid record size ${recSize}`, start);
    let p = start + 4;
    const end = start + len;
    if (p === end) fail(`${desc} has no records`, p);
    while (p < end) {
      if (end - p < 8) fail(`${desc} section header is truncated`, p);
      const secNameOff = u32(p);
      const num = u32(p + 4);
      const secName = str(secNameOff, p, `${desc} section name`);
      if (num === 0) fail(`${desc} for section '${secName}' has no records`, p + 4);
      if (num * recSize > end - p - 8) fail(`${desc} for section '${secName}' has ${num} records of ${recSize} bytes, more than the data left`, p + 4);
      const list = out.get(secName) ?? [];
      for (let i = 0; i < num; i++) list.push(decode(p + 8 + i * recSize, secName));
      out.set(secName, list);
      p += 8 + num * recSize;
    }
    return [out, recSize];
  }

  const [funcInfo, funcInfoRecSize] = readPart('func', (o) => ({ insnOff: u32(o), typeId: u32(o + 4) }));
  const [lineInfo, lineInfoRecSize] = readPart('line', (o) => {
    const fileNameOff = u32(o + 4), lineOff = u32(o + 8), lineCol = u32(o + 12);
    return {
      insnOff: u32(o), fileNameOff, lineOff, line: lineCol >>> 10, col: lineCol & 0x3ff,
      fileName: str(fileNameOff, o + 4, 'line_info file name'), lineText: str(lineOff, o + 8, 'line_info line'),
    };
  });
  const [coreRelos, coreReloRecSize] = readPart('core', (o) => {
    const accessStrOff = u32(o + 8);
    return { insnOff: u32(o), typeId: u32(o + 4), accessStrOff, accessStr: str(accessStrOff, o + 8, 'core_relo access string'), kind: u32(o + 12) };
  });
  for (const [secName, recs] of funcInfo) {
    for (const r of recs) {
      if (r.typeId >= btf.typeCount || btf.types[r.typeId]?.kind !== 12) {
        fail(`func_info for section '${secName}' at insn offset ${r.insnOff} refers to type ${r.typeId}, which is not a FUNC`);
      }
    }
  }
  for (const [secName, recs] of coreRelos) {
    for (const r of recs) {
      if (r.typeId >= btf.typeCount) fail(`core_relo for section '${secName}' at insn offset ${r.insnOff} refers to type ${r.typeId}, out of range`);
    }
  }
  return { funcInfoRecSize, lineInfoRecSize, coreReloRecSize, funcInfo, lineInfo, coreRelos };
}

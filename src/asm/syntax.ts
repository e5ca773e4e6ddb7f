// Spellings shared by the dialects: operator symbols, access-size names, helper names,
// pseudo-source names and number formatting. These are syntax facts keyed by the table's
// operation names (src/isa/table.ts); no opcode number appears here.

import { BpfFunc } from '../uapi/bpf.js';
import type { AluOpName, AtomicOpName, InsnForm, JmpOpName } from '../isa/table.js';
import { Pseudo } from '../isa/opcodes.js';

/** The three text dialects. */
export type Dialect = 'llvm' | 'kernel' | 'conformance';
export const DIALECTS: readonly Dialect[] = ['llvm', 'kernel', 'conformance'];

/** Compound-assignment operator of each binary ALU operation (llvm and kernel). */
export const ALU_SYMBOL: Partial<Record<AluOpName, string>> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  mod: '%=', smod: 's%=', xor: '^=', arsh: 's>>=', mov: '=',
};

/** Comparison operator of each conditional jump (llvm and kernel). */
export const JMP_SYMBOL: Partial<Record<JmpOpName, string>> = {
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=',
  jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};

/** Operator of the non-fetching atomic read-modify-write operations. */
export const ATOMIC_SYMBOL: Partial<Record<AtomicOpName, string>> = {
  add: '+=', or: '|=', and: '&=', xor: '^=',
};

export function invert<K extends string>(m: Partial<Record<K, string>>): Map<string, K> {
  const out = new Map<string, K>();
  for (const [k, v] of Object.entries(m) as Array<[K, string]>) out.set(v, k);
  return out;
}

/** `u8`, `u16`, `u32`, `u64` (or `s8`... when signed). */
export function sizeName(bytes: number, signed = false): string {
  return `${signed ? 's' : 'u'}${bytes * 8}`;
}

/** Suffix of the conformance mnemonics by access size. */
export const SIZE_SUFFIX: Record<number, string> = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' };

/** Names of the lddw pseudo sources, as tsbpf's conformance-syntax extension spells them. */
export const PSEUDO_NAME: Record<number, string> = {
  [Pseudo.MAP_FD]: 'map_fd', [Pseudo.MAP_VALUE]: 'map_value', [Pseudo.BTF_ID]: 'btf_id',
  [Pseudo.FUNC]: 'func', [Pseudo.MAP_IDX]: 'map_idx', [Pseudo.MAP_IDX_VALUE]: 'map_idx_value',
};

/** Helper names by id (`bpf_map_lookup_elem` for 1), as the kernel's func_id_str. */
export const HELPER_NAME: ReadonlyMap<number, string> = new Map(
  Object.entries(BpfFunc).map(([name, id]) => [id as number, `bpf_${name}`]),
);
export const HELPER_ID: ReadonlyMap<string, number> = new Map([...HELPER_NAME].map(([id, n]) => [n, id]));

/** Decimal or (with `hex`) C-style signed hex: `-0x7`, `0x10`. */
export function fmtSigned(v: number | bigint, hex: boolean): string {
  const b = BigInt(v);
  if (!hex) return b.toString();
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}

/** A jump displacement with its sign: `+3`, `-1`, `+0` (hex: `+0x3`). */
export function fmtDisp(v: number, hex: boolean): string {
  const mag = hex ? `0x${Math.abs(v).toString(16)}` : String(Math.abs(v));
  return (v < 0 ? '-' : '+') + mag;
}

/** A memory offset with spaces, as llvm prints it: `+ 4`, `- 4`. */
export function fmtMemOff(v: number, hex: boolean): string {
  const mag = hex ? `0x${Math.abs(v).toString(16)}` : String(Math.abs(v));
  return (v < 0 ? '- ' : '+ ') + mag;
}

/** The 64-bit value of a lddw (unsigned). */
export function lddwFull(imm: number, imm2: number | undefined): bigint {
  return (BigInt((imm2 ?? 0) >>> 0) << 32n) | BigInt(imm >>> 0);
}

/** Whether the form's second operand is a register (X) rather than an immediate. */
export function usesSrcReg(f: InsnForm): boolean {
  return f.src === 'any';
}
/** The conformance mnemonic of a form (the table's, with widths for the narrow ordering atomics). */
export function conformanceMnemonic(f: InsnForm): string {
  if (f.kind === 'atomic' && (f.op === 'load_acq' || f.op === 'store_rel')) {
    return `lock ${f.op}${f.size === 8 ? '' : f.size! * 8}`;
  }
  return f.mnemonic;
}


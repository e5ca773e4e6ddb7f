// Building blocks of the program-type descriptions: context field tables and the access
// check every type shares (an access is allowed when it is aligned to its size and lies
// inside one field that permits that size for loads, or for stores).
//
// tsbpf keeps the UAPI context struct itself in memory, so scalar fields need no rewrite
// (narrow loads read the right bytes of a little-endian field directly). Fields the
// kernel rewrites into pointer loads (xdp_md.data, __sk_buff.data_end, ...) are 32-bit in
// the UAPI struct but the program must get a 64-bit pointer: as the kernel's
// convert_ctx_access does, the load is rewritten into a 64-bit load from an internal slot
// that follows the UAPI struct (see `ptrSlot`). The UAPI bytes of those fields are left
// unreadable in checked mode, so an access the rewrite missed faults instead of lying.

import type { Insn } from '../isa/insn.js';
import { makeInsn } from '../isa/insn.js';
import { Op } from '../isa/opcodes.js';
import type { CtxAccessResult, CtxField, CtxValueType } from './types.js';

export const NARROW = [1, 2, 4] as const;
export const NARROW8 = [1, 2, 4, 8] as const;

export function field(
  name: string, offset: number, size: number, readSizes: readonly number[],
  writeSizes: readonly number[] = [], type: CtxValueType = 'scalar', narrow?: 'start' | number,
): CtxField {
  return Object.freeze(narrow === undefined ? { name, offset, size, readSizes, writeSizes, type }
    : { name, offset, size, readSizes, writeSizes, type, narrow });
}

/** Size of a load/store instruction's access, or 0 when it is not a memory load/store. */
export function accessSize(opcode: number): number {
  switch (opcode & 0x18) {
    case 0x00: return 4;
    case 0x08: return 2;
    case 0x10: return 1;
    default: return 8;
  }
}

export function checkAccess(
  fields: readonly CtxField[], _ctxName: string, off: number, size: number, write: boolean,
): CtxAccessResult {
  if (![1, 2, 4, 8].includes(size)) return { ok: false, reason: `invalid bpf_context access off=${off} size=${size}` };
  if (off < 0 || off % size !== 0) return { ok: false, reason: `invalid bpf_context access off=${off} size=${size}` };
  for (const f of fields) {
    if (off < f.offset || off + size > f.offset + f.size) continue;
    const sizes = write ? f.writeSizes : f.readSizes;
    if (!sizes.includes(size)) break;
    // pointer fields: only a full-width load at the field's start
    if (f.type !== 'scalar' && off !== f.offset) break;
    // narrow loads restricted to the start (or the first bytes) of the field
    if (!write && f.narrow !== undefined && size < Math.max(...f.readSizes)) {
      if (f.narrow === 'start' ? off !== f.offset : off + size > f.offset + f.narrow) break;
    }
    return { ok: true, field: f, type: f.type };
  }
  return { ok: false, reason: `invalid bpf_context access off=${off} size=${size}` };
}

/**
 * Offset of the internal 64-bit slot holding the real pointer for a pointer field: slots
 * follow the UAPI struct (rounded up to 8), in the order of `ptrFields`.
 */
export function ptrSlot(ctxSize: number, ptrFields: readonly string[], name: string): number {
  const i = ptrFields.indexOf(name);
  return i < 0 ? -1 : ((ctxSize + 7) & ~7) + 8 * i;
}

/** The rewrite of a load of a pointer field: a 64-bit load from its internal slot. */
export function rewritePtrLoad(insn: Insn, slot: number): Insn[] {
  const out = makeInsn(Op.LDX_DW, insn.dst, insn.src, slot, 0);
  out.pc = insn.pc;
  return [out];
}

/** Parse `1-3 5 7-9` into a set of numbers. */
export function parseRanges(s: string): Set<number> {
  const out = new Set<number>();
  for (const part of s.split(/\s+/)) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

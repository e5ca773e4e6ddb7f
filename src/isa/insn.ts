// Instructions in decoded form, and the byte encoding (both byte orders).
//
// Bytes → Insn[] once; everything downstream (validator, disassembler, interpreter set-up,
// verifier, JIT) works on Insn. An Insn is one instruction: a lddw occupies two slots but
// is one Insn carrying both immediates. `pc` is always the slot index, as the kernel counts.

import { findForm, type InsnForm } from './table.js';
import { Op } from './opcodes.js';
import { InvalidInsnError } from '../errors.js';

export type Endian = 'little' | 'big';

export interface Insn {
  /** Slot index of the instruction. */
  pc: number;
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** For lddw: the imm of the second slot (upper 32 bits of the constant). */
  imm2?: number;
  /** For lddw: the raw fields of the second slot, which must all be zero but imm. */
  second?: { opcode: number; dst: number; src: number; off: number };
  /** The table form, undefined when the encoding matches none. */
  form: InsnForm | undefined;
}

/** A raw 8-byte slot. */
export interface Slot {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export function readSlot(bytes: Uint8Array, index: number, endian: Endian = 'little'): Slot {
  const o = index * 8;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + o, 8);
  const le = endian === 'little';
  const regs = bytes[o + 1]!;
  return {
    opcode: bytes[o]!,
    dst: le ? regs & 0x0f : regs >> 4,
    src: le ? regs >> 4 : regs & 0x0f,
    off: dv.getInt16(2, le),
    imm: dv.getInt32(4, le),
  };
}

export function writeSlot(out: Uint8Array, index: number, s: Slot, endian: Endian = 'little'): void {
  const o = index * 8;
  const dv = new DataView(out.buffer, out.byteOffset + o, 8);
  const le = endian === 'little';
  out[o] = s.opcode & 0xff;
  out[o + 1] = le ? (s.dst & 0x0f) | ((s.src & 0x0f) << 4) : ((s.dst & 0x0f) << 4) | (s.src & 0x0f);
  dv.setInt16(2, s.off, le);
  dv.setInt32(4, s.imm | 0, le);
}

export function isLddw(opcode: number): boolean {
  return opcode === Op.LDDW;
}

/**
 * Decode bytecode into instructions. Never throws for bad encodings (those get
 * `form: undefined` and are reported by validate()); throws only when the length is not
 * a multiple of 8.
 */
export function decode(bytes: Uint8Array, endian: Endian = 'little'): Insn[] {
  if (bytes.length % 8 !== 0) {
    throw new InvalidInsnError(Math.floor(bytes.length / 8), `program length ${bytes.length} is not a multiple of 8 bytes`);
  }
  const n = bytes.length / 8;
  const out: Insn[] = [];
  for (let pc = 0; pc < n; pc++) {
    const s = readSlot(bytes, pc, endian);
    const insn: Insn = { pc, ...s, form: findForm(s.opcode, s.src, s.off, s.imm) };
    if (isLddw(s.opcode) && pc + 1 < n) {
      const t = readSlot(bytes, pc + 1, endian);
      insn.imm2 = t.imm;
      insn.second = { opcode: t.opcode, dst: t.dst, src: t.src, off: t.off };
      pc++;
    }
    out.push(insn);
  }
  return out;
}

/** Number of slots a list of instructions occupies. */
export function slotCount(insns: readonly Insn[]): number {
  let n = 0;
  for (const i of insns) n += isLddw(i.opcode) ? 2 : 1;
  return n;
}

/** Encode instructions; pcs are recomputed from order, so callers may build Insns freely. */
export function encode(insns: readonly Omit<Insn, 'pc' | 'form'>[], endian: Endian = 'little'): Uint8Array {
  let n = 0;
  for (const i of insns) n += isLddw(i.opcode) ? 2 : 1;
  const out = new Uint8Array(n * 8);
  let slot = 0;
  for (const i of insns) {
    writeSlot(out, slot++, i, endian);
    if (isLddw(i.opcode)) {
      const s = i.second ?? { opcode: 0, dst: 0, src: 0, off: 0 };
      writeSlot(out, slot++, { ...s, imm: i.imm2 ?? 0 }, endian);
    }
  }
  return out;
}

/** Make an instruction from fields, looking its form up in the table. */
export function makeInsn(opcode: number, dst: number, src: number, off: number, imm: number, imm2?: number): Insn {
  const insn: Insn = { pc: 0, opcode, dst, src, off, imm: imm | 0, form: findForm(opcode, src, off, imm | 0) };
  if (isLddw(opcode)) insn.imm2 = (imm2 ?? 0) | 0;
  return insn;
}

/** Reassign pcs after instructions were inserted or removed. */
export function renumber(insns: Insn[]): Insn[] {
  let pc = 0;
  for (const i of insns) {
    i.pc = pc;
    pc += isLddw(i.opcode) ? 2 : 1;
  }
  return insns;
}

/** The 64-bit constant of a lddw as a bigint (unsigned). */
export function lddwValue(insn: Pick<Insn, 'imm' | 'imm2'>): bigint {
  return (BigInt((insn.imm2 ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Jump target slot of a jump instruction (ja32/gotol uses imm). */
export function jumpTarget(insn: Insn): number {
  return insn.pc + 1 + (insn.form?.id === 'ja32' ? insn.imm : insn.off);
}

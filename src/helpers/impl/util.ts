// Argument access shared by the helper implementations: memory arguments are checked in
// checked mode (mapped, readable or writable) and always against the linear memory's size,
// so a bad pointer ends in a RunError naming the helper, never in a raw exception.

import type { Cpu } from '../../vm/cpu.js';
import { helperName } from '../protos.js';

function bad(cpu: Cpu, id: number, what: string): Error {
  return cpu.helperFault(`${helperName(id)}: ${what}`);
}

/** Register n as a memory address for `len` bytes to be read; throws on a bad pointer. */
export function memIn(cpu: Cpu, id: number, n: number, len: number): number {
  if (len === 0) return 0;
  const a = cpu.addr(n);
  if (a < 0) throw bad(cpu, id, `R${n} is not a pointer (0x${cpu.u64(n).toString(16)})`);
  const mem = cpu.mem;
  if (a + len > mem.size || (cpu.checked && !mem.canRead(a, len))) {
    throw bad(cpu, id, `R${n}: invalid read of ${len} bytes at 0x${a.toString(16)}`);
  }
  return a;
}

/** Register n as a memory address for `len` bytes to be written. */
export function memOut(cpu: Cpu, id: number, n: number, len: number): number {
  if (len === 0) return 0;
  const a = cpu.addr(n);
  if (a < 0) throw bad(cpu, id, `R${n} is not a pointer (0x${cpu.u64(n).toString(16)})`);
  const mem = cpu.mem;
  if (a + len > mem.size || (cpu.checked && !mem.canWrite(a, len))) {
    throw bad(cpu, id, `R${n}: invalid write of ${len} bytes at 0x${a.toString(16)}`);
  }
  return a;
}

/** Write bytes at a checked address and mark them initialised. */
export function store(cpu: Cpu, a: number, bytes: Uint8Array): void {
  cpu.mem.u8.set(bytes, a);
  cpu.mem.markWritten(a, bytes.length);
}

/** A NUL-terminated string of at most `max` bytes at address `a` (checked byte by byte). */
export function cString(cpu: Cpu, id: number, a: number, max: number): string | undefined {
  const mem = cpu.mem;
  let s = '';
  for (let i = 0; i < max; i++) {
    if (a + i >= mem.size || (cpu.checked && !mem.canRead(a + i, 1))) {
      if (i === 0) throw bad(cpu, id, `invalid string pointer 0x${a.toString(16)}`);
      return undefined;
    }
    const c = mem.u8[a + i]!;
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return undefined;
}

export const enc = new TextEncoder();

/** Register n has bits set above the low 32 (flags arguments: the kernel refuses unknown bits). */
export function hiBits(cpu: Cpu, n: number): boolean {
  return cpu.regs[n * 2 + 1] !== 0;
}

/** A RunError for a helper (helper name prefixed). */
export function helperError(cpu: Cpu, id: number, what: string): Error {
  return bad(cpu, id, what);
}

// The one memory model.
//
// All memory a program can reach (stack frames, context, packet data, map keys and values,
// ring buffers, global data) lives in ONE linear memory: a WebAssembly.Memory, so that the
// interpreter and a WebAssembly JIT read and write the very same bytes. A pointer held in a
// BPF register is a plain 64-bit value: the high 32 bits are ADDR_HI (so pointers look like
// kernel addresses and a scalar is never mistaken for one), the low 32 bits are the byte
// offset in the linear memory. Offsets below GUARD_SIZE are never allocated, so NULL and
// small scalars never reach valid memory.
//
// Checked mode keeps two shadow bitmaps, one bit per byte: `rd` (may be read: mapped and
// initialised) and `wr` (may be written). Stack bytes start writable but unreadable and
// become readable when written, which is how reads of uninitialised stack are caught.

import { MemoryFault } from '../errors.js';

/** High 32 bits of every data pointer (as a signed int32, as registers hold it). */
export const ADDR_HI = 0xffff8880 | 0;
/** High 32 bits of a function pointer (lddw with src = BPF_PSEUDO_FUNC); the low half is the pc. */
export const FUNC_HI = 0xffffffff | 0;
/** Offsets below this are never handed out. */
export const GUARD_SIZE = 0x10000;

const PAGE = 65536;

export type RegionKind =
  | 'stack' | 'ctx' | 'packet' | 'map_value' | 'map_key' | 'map' | 'ringbuf' | 'global' | 'scratch' | 'user';

export interface Region {
  readonly start: number;
  readonly size: number;
  readonly kind: RegionKind;
  readonly name: string;
  readable: boolean;
  writable: boolean;
}

export interface AllocOptions {
  kind: RegionKind;
  name?: string;
  /** Alignment of the start (power of two, default 8). */
  align?: number;
  /** Default true. */
  readable?: boolean;
  /** Default true. */
  writable?: boolean;
  /** Bytes start readable only once written (stack). Default false. */
  uninitialized?: boolean;
}

function sizeClass(n: number): number {
  if (n <= 16) return 16;
  return 1 << (32 - Math.clz32(n - 1));
}

export class Memory {
  readonly wasm: WebAssembly.Memory;
  buffer!: ArrayBuffer;
  u8!: Uint8Array;
  dv!: DataView;
  /** Shadow bitmaps for checked mode: bit (a & 7) of byte (a >> 3). */
  rd: Uint8Array;
  wr: Uint8Array;

  private top = GUARD_SIZE;
  private readonly freeLists = new Map<number, number[]>();
  private readonly regions = new Map<number, Region>();
  private sorted: Region[] | undefined;
  private readonly growListeners: Array<() => void> = [];
  private bytes = 0;

  constructor(initialBytes = 1 << 20, maximumBytes = 2 ** 32) {
    const initial = Math.max(1, Math.ceil(initialBytes / PAGE));
    this.wasm = new WebAssembly.Memory({ initial, maximum: Math.ceil(maximumBytes / PAGE) });
    this.rd = new Uint8Array(initial * PAGE / 8 + 8);
    this.wr = new Uint8Array(initial * PAGE / 8 + 8);
    this.refresh();
  }

  private refresh(): void {
    this.buffer = this.wasm.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.bytes = this.buffer.byteLength;
  }

  /** Called after the memory grew (views replaced). Interpreters re-read `u8`/`dv` then. */
  onGrow(fn: () => void): void {
    this.growListeners.push(fn);
  }

  /** Size of the linear memory in bytes (a field: read on every checked access). */
  get size(): number {
    return this.bytes;
  }

  private ensure(end: number): void {
    if (end <= this.buffer.byteLength) return;
    const need = Math.ceil((end - this.buffer.byteLength) / PAGE);
    const grow = Math.max(need, Math.ceil(this.buffer.byteLength / PAGE / 2)); // grow by ≥ 50 %
    try {
      this.wasm.grow(grow);
    } catch {
      this.wasm.grow(need); // may throw RangeError: out of memory, reported by the caller
    }
    this.refresh();
    const bits = this.buffer.byteLength / 8 + 8;
    const rd = new Uint8Array(bits); rd.set(this.rd); this.rd = rd;
    const wr = new Uint8Array(bits); wr.set(this.wr); this.wr = wr;
    for (const fn of this.growListeners) fn();
  }

  /** Allocate a zeroed region; returns its offset (the low half of pointers into it). */
  alloc(size: number, opts: AllocOptions): number {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bad allocation size ${size}`);
    const align = opts.align ?? 8;
    const cls = sizeClass(Math.max(size, 1));
    let start: number | undefined;
    if (align <= 16) start = this.freeLists.get(cls)?.pop();
    if (start === undefined) {
      start = (this.top + align - 1) & ~(align - 1);
      this.ensure(start + cls);
      this.top = start + cls;
    } else {
      this.u8.fill(0, start, start + cls);
    }
    const region: Region = {
      start, size, kind: opts.kind, name: opts.name ?? opts.kind,
      readable: opts.readable ?? true, writable: opts.writable ?? true,
    };
    this.regions.set(start, region);
    this.sorted = undefined;
    this.setBits(this.rd, start, size, region.readable && !opts.uninitialized);
    this.setBits(this.wr, start, size, region.writable);
    return start;
  }

  /** Release a region. Its bytes become unreachable in checked mode at once. */
  free(start: number): void {
    const r = this.regions.get(start);
    if (!r) throw new Error(`free of unknown region at 0x${start.toString(16)}`);
    this.regions.delete(start);
    this.sorted = undefined;
    this.setBits(this.rd, start, r.size, false);
    this.setBits(this.wr, start, r.size, false);
    const cls = sizeClass(Math.max(r.size, 1));
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(start);
  }

  region(start: number): Region | undefined {
    return this.regions.get(start);
  }

  /** The region containing offset `a`, if any (for diagnostics; O(log n)). */
  regionAt(a: number): Region | undefined {
    const s = (this.sorted ??= [...this.regions.values()].sort((x, y) => x.start - y.start));
    let lo = 0, hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = s[mid]!;
      if (a < r.start) hi = mid - 1;
      else if (a >= r.start + Math.max(r.size, 1)) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** Change the access rights of part of a region (freezing, packet head/tail adjustment). */
  protect(start: number, size: number, rights: { read?: boolean; write?: boolean; initialized?: boolean }): void {
    if (rights.read !== undefined) this.setBits(this.rd, start, size, rights.read);
    if (rights.write !== undefined) this.setBits(this.wr, start, size, rights.write);
    if (rights.initialized) this.setBits(this.rd, start, size, true);
  }

  /**
   * Set both access bits of a range (the hot-path form of `protect`, no options object):
   * per-run packet and stack resets.
   */
  setAccess(start: number, size: number, read: boolean, write: boolean): void {
    this.setBits(this.rd, start, size, read);
    this.setBits(this.wr, start, size, write);
  }

  /** Mark bytes as not initialised (unreadable until written): the stack at the start of a run. */
  markUninitialized(start: number, size: number): void {
    this.setBits(this.rd, start, size, false);
  }

  /** Mark bytes as initialised (readable), as a write by a helper does. */
  markWritten(start: number, size: number): void {
    this.setBits(this.rd, start, size, true);
  }

  private setBits(bm: Uint8Array, start: number, size: number, on: boolean): void {
    if (size <= 0) return;
    const end = start + size;
    const first = start >>> 3, last = (end - 1) >>> 3;
    // masks of the bits in the first and last bitmap bytes
    const headMask = (0xff << (start & 7)) & 0xff;
    const tailMask = 0xff >>> (7 - ((end - 1) & 7));
    if (first === last) {
      const m = headMask & tailMask;
      if (on) bm[first]! |= m; else bm[first]! &= ~m;
      return;
    }
    if (on) { bm[first]! |= headMask; bm[last]! |= tailMask; } else { bm[first]! &= ~headMask; bm[last]! &= ~tailMask; }
    if (last - first > 1) bm.fill(on ? 0xff : 0, first + 1, last);
  }

  /** True when all `size` (≤ 8) bytes at `a` have their bit set in `bm`. */
  static allSet(bm: Uint8Array, a: number, size: number): boolean {
    const i = a >>> 3;
    const word = bm[i]! | (bm[i + 1]! << 8);
    const mask = (1 << size) - 1;
    return ((word >>> (a & 7)) & mask) === mask;
  }

  /** Checked access test for an arbitrary length (helpers' memory arguments). */
  canRead(a: number, size: number): boolean {
    if (a < 0 || a + size > this.bytes) return false;
    for (let off = 0; off < size; off += 8) {
      if (!Memory.allSet(this.rd, a + off, Math.min(8, size - off))) return false;
    }
    return true;
  }

  canWrite(a: number, size: number): boolean {
    if (a < 0 || a + size > this.bytes) return false;
    for (let off = 0; off < size; off += 8) {
      if (!Memory.allSet(this.wr, a + off, Math.min(8, size - off))) return false;
    }
    return true;
  }

  /** A fault describing an access at offset `a` (hi = the pointer's high half). */
  fault(pc: number, hi: number, a: number, size: number, write: boolean): MemoryFault {
    const address = (BigInt(hi >>> 0) << 32n) | BigInt(a >>> 0);
    let detail: string;
    if (hi !== ADDR_HI) {
      detail = hi === 0 && a < GUARD_SIZE ? (a === 0 ? 'NULL pointer' : 'not a pointer: near NULL') : 'not a pointer into BPF memory';
    } else {
      const r = this.regionAt(a) ?? this.regionAt(a + size - 1);
      if (!r) {
        const before = this.regionAt(a - 1);
        detail = before ? `just past the end of ${before.name} (${before.size} bytes)` : 'unmapped';
      } else {
        const off = a - r.start;
        if (off < 0 || off + size > r.size) detail = `outside ${r.name}: offset ${off}, size ${r.size}`;
        else if (write && !r.writable) detail = `${r.name} is read-only`;
        else if (!write && r.kind === 'stack') detail = `uninitialized ${r.name} at offset ${off - r.size}`;
        else if (write) detail = `${r.name} offset ${off} is not writable`;
        else detail = `${r.name} offset ${off} is not readable`;
      }
    }
    return new MemoryFault(pc, address, size, write, detail);
  }

  // ---- convenience for user-space code and helpers (not for the hot path) ----------------

  read(start: number, size: number): Uint8Array {
    return this.u8.slice(start, start + size);
  }

  write(start: number, bytes: Uint8Array): void {
    this.u8.set(bytes, start);
    this.markWritten(start, bytes.length);
  }

  /** A 64-bit pointer (as a bigint) to offset `a`. */
  static pointer(a: number): bigint {
    return (BigInt(ADDR_HI >>> 0) << 32n) | BigInt(a >>> 0);
  }
}

// The execution state shared by the interpreter (and, later, the JIT) and the helpers.
//
// Registers are an Int32Array of 22 words: r0..r10 as (lo, hi) pairs, lo at 2·n. Helpers
// read their arguments from r1..r5 there and leave their result in r0, so the same helper
// implementations serve every engine.

import { RunError } from '../errors.js';
import { Limits } from '../isa/opcodes.js';
import { ADDR_HI, Memory } from './memory.js';
import type { Program } from './program.js';

export type HelperFn = (cpu: Cpu) => void;

export const enum Control {
  NONE = 0,
  /** A helper asked the program to stop now with r0 as its result (unwind). */
  EXIT = 1,
  /** bpf_tail_call succeeded: continue in cpu.tailTarget. */
  TAIL_CALL = 2,
}

/** The BPF stack of one run: MAX_CALL_FRAMES frames of 512 bytes. */
export const STACK_BYTES = Limits.STACK_SIZE * Limits.MAX_CALL_FRAMES;

/** Runs at most this many instructions unless told otherwise (0 = unlimited). */
export const DEFAULT_BUDGET = 100_000_000;

export interface RunOptions {
  /** Arguments r1..r5 as 64-bit values (bigint, or numbers taken as unsigned 32-bit... use bigint for pointers). */
  args?: ReadonlyArray<bigint | number>;
  /** Check every memory access against the regions (default true until verified). */
  checked?: boolean;
  /** Instruction budget for this run (0 = unlimited); default the cpu's. */
  budget?: number;
}

export class Cpu {
  readonly regs = new Int32Array(22);
  readonly mem: Memory;
  /** Helper implementations by helper id. */
  helpers: ReadonlyArray<HelperFn | undefined> = [];
  /** kfunc implementations by BTF id. */
  kfuncs: ReadonlyMap<number, HelperFn> = new Map();
  /** Instruction budget per run; 0 = unlimited. */
  budget = DEFAULT_BUDGET;
  /** In checked mode, reading stack bytes never written is a fault. */
  uninitStackIsFault = true;

  // ---- state of the current run (read by helpers) -----------------------------------------
  checked = true;
  /** Program being executed (changes on tail calls). */
  prog: Program | undefined;
  /** pc of the instruction being executed when a helper runs. */
  pc = 0;
  /** Current frame depth (0 = the program's main function). */
  depth = 0;
  /** Instructions executed by the last run. */
  executed = 0;
  /** Set by helpers to stop or redirect the run. */
  control: Control = Control.NONE;
  tailTarget: Program | undefined;
  tailCalls = 0;
  /** Per-run context for helpers (the program type's run state: packet, skb fields, ...). */
  env: unknown;
  /** Packet seen by LD_ABS / LD_IND: offset of data, its length, offsets of the network/mac headers from data. */
  pktData = 0;
  pktLen = 0;
  pktNetOff = 0;
  pktMacOff = 0;
  /** Pointer-looking 8-byte values stored outside the stack, or returned (checked mode). */
  leaks = 0;

  // ---- frames ----------------------------------------------------------------------------
  readonly stackBase: number;
  /** Saved r6..r10 (lo, hi) per frame. */
  readonly frameSave = new Int32Array(Limits.MAX_CALL_FRAMES * 10);
  readonly frameRet = new Int32Array(Limits.MAX_CALL_FRAMES);
  readonly frameProg: Array<Program | undefined> = new Array(Limits.MAX_CALL_FRAMES).fill(undefined);
  /** may_goto counters per frame. */
  readonly frameLoops = new Float64Array(Limits.MAX_CALL_FRAMES);

  constructor(mem?: Memory) {
    this.mem = mem ?? new Memory();
    this.stackBase = this.mem.alloc(STACK_BYTES, { kind: 'stack', name: 'stack', align: 64, uninitialized: true });
  }

  /** Frame pointer (offset) of frame `depth`. */
  framePointer(depth: number): number {
    return this.stackBase + STACK_BYTES - depth * Limits.STACK_SIZE;
  }

  // ---- register access for helpers -------------------------------------------------------

  /** Low 32 bits of register n, unsigned. */
  u32(n: number): number {
    return this.regs[n * 2]! >>> 0;
  }

  /** Register n as a number; exact below 2^53 (sizes, flags, ids). */
  num(n: number): number {
    return (this.regs[n * 2 + 1]! >>> 0) * 4294967296 + (this.regs[n * 2]! >>> 0);
  }

  /** Register n as an unsigned bigint. */
  u64(n: number): bigint {
    return (BigInt(this.regs[n * 2 + 1]! >>> 0) << 32n) | BigInt(this.regs[n * 2]! >>> 0);
  }

  /** Register n as a signed bigint. */
  s64(n: number): bigint {
    return BigInt.asIntN(64, this.u64(n));
  }

  /** Register n as a memory offset, or -1 when it does not hold a pointer into BPF memory. */
  addr(n: number): number {
    return this.regs[n * 2 + 1] === ADDR_HI ? this.regs[n * 2]! >>> 0 : -1;
  }

  set(n: number, lo: number, hi: number): void {
    this.regs[n * 2] = lo | 0;
    this.regs[n * 2 + 1] = hi | 0;
  }

  /** Set register n from a number (non-negative or negative integer below 2^53 in magnitude). */
  setNum(n: number, v: number): void {
    if (v >= 0) {
      this.regs[n * 2] = v % 4294967296 | 0;
      this.regs[n * 2 + 1] = Math.floor(v / 4294967296) | 0;
    } else if (v >= -2147483648) {
      // small negatives (helpers' -errno): sign-extend without BigInt
      this.regs[n * 2] = v | 0;
      this.regs[n * 2 + 1] = -1;
    } else {
      this.setBig(n, BigInt(v));
    }
  }

  setBig(n: number, v: bigint): void {
    this.regs[n * 2] = Number(BigInt.asIntN(32, v));
    this.regs[n * 2 + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }

  /** Set register n to a pointer to offset `a`. */
  setPtr(n: number, a: number): void {
    this.regs[n * 2] = a | 0;
    this.regs[n * 2 + 1] = a === 0 ? 0 : ADDR_HI;
  }

  /** r0 := v (helpers' return). */
  ret(v: number): void {
    this.setNum(0, v);
  }

  /** The 64-bit r0. */
  r0(): bigint {
    return this.u64(0);
  }

  /** Fault raised by a helper about the program's arguments. */
  helperFault(message: string): RunError {
    return new RunError('RUN_HELPER', this.pc, message);
  }
}

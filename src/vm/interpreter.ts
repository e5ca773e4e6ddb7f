// The interpreter: executes a prepared program over the one memory model.
//
// One `switch` over the opcode byte; case labels are `Op.*` const-enum members, inlined by
// tsc to literals, so V8 builds a jump table. 64-bit values are (lo, hi) int32 pairs in
// `cpu.regs`; only 64-bit division of large operands falls back to BigInt.
//
// In checked mode every load and store is tested against the shadow bitmaps of the memory
// (mapped, writable, initialised) and a bad access stops the run with a MemoryFault naming
// the pc, the address and the size. Unchecked mode (for verified programs) relies on the
// verifier's proof; an access outside the linear memory still raises a clean fault.

import { BpfError, RunError } from '../errors.js';
import { AtomicOp, Limits, Op } from '../isa/opcodes.js';
import { Control, type Cpu, DEFAULT_BUDGET, type RunOptions, STACK_BYTES } from './cpu.js';
import {
  arsh64, bswap16, bswap32, lsh64, mul64, OUT, rsh64, sdiv32, sdiv64, smod32, smod64, udiv32, udiv64, umod32, umod64,
} from './int64.js';
import { ADDR_HI, FUNC_HI } from './memory.js';
import type { Program } from './program.js';

/** Default may_goto budget per frame (BPF_MAX_LOOPS in the kernel). */
const MAY_GOTO_LOOPS = 8 * 1024 * 1024;
/** Offsets of the special LD_ABS areas (SKF_NET_OFF, SKF_LL_OFF in linux/filter.h). */
const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;

/**
 * Run `prog` from its first instruction with r1..r5 = args and return r0 (64-bit, unsigned).
 */
export function run(cpu: Cpu, prog: Program, opts: RunOptions = {}): bigint {
  const R = cpu.regs;
  R.fill(0);
  const args = opts.args ?? [];
  for (let i = 0; i < args.length && i < 5; i++) {
    const v = BigInt.asUintN(64, BigInt(args[i]!));
    R[(i + 1) * 2] = Number(BigInt.asIntN(32, v));
    R[(i + 1) * 2 + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
  runRaw(cpu, prog, opts.checked ?? true, opts.budget ?? cpu.budget);
  return cpu.r0();
}

/**
 * Run with the registers already set up (r1..r5); the result is left in r0. The fast path
 * for test-run loops: no allocation.
 */
export function runRaw(cpu: Cpu, prog: Program, checked: boolean, budget: number = cpu.budget): void {
  cpu.checked = checked;
  cpu.control = Control.NONE;
  cpu.tailCalls = 0;
  cpu.leaks = 0;
  cpu.budget = budget;
  cpu.executed = 0;
  if (checked && cpu.uninitStackIsFault) cpu.mem.markUninitialized(cpu.stackBase, STACK_BYTES);
  cpu.regs[20] = cpu.framePointer(0);
  cpu.regs[21] = ADDR_HI;
  cpu.frameLoops[0] = MAY_GOTO_LOOPS;
  execute(cpu, prog, 0, 0);
}

/**
 * Call a BPF function of the current program (a bpf_loop / for_each callback) from a
 * helper: r1..r5 must be set by the caller; runs in a new frame and returns its r0.
 * Callee-saved registers of the calling frame are preserved.
 */
export function callFunction(cpu: Cpu, prog: Program, pc: number): void {
  const depth = cpu.depth + 1;
  if (depth >= Limits.MAX_CALL_FRAMES) throw new RunError('RUN_STACK', cpu.pc, `callback exceeds ${Limits.MAX_CALL_FRAMES} call frames`);
  const R = cpu.regs;
  const save = R.slice(12, 22);
  const savedDepth = cpu.depth, savedPc = cpu.pc;
  R[20] = cpu.framePointer(depth);
  R[21] = ADDR_HI;
  cpu.frameLoops[depth] = MAY_GOTO_LOOPS;
  execute(cpu, prog, pc, depth);
  R.set(save, 12);
  cpu.depth = savedDepth;
  cpu.pc = savedPc;
  if (cpu.control === Control.EXIT) return; // propagates: the helper sees control and returns
}

function budgetError(pc: number, budget: number): RunError {
  return new RunError('RUN_BUDGET', pc, `instruction budget of ${budget} exhausted (runaway loop?); raise it with the budget option`);
}

function addrHi(base: number, baseHi: number, off: number): number {
  const sum = (base >>> 0) + off;
  return sum > 0xffffffff ? (baseHi + 1) | 0 : sum < 0 ? (baseHi - 1) | 0 : baseHi;
}

/** Checked-mode test of a load; returns nothing or throws the fault. */
// (addrHi and Memory.allSet written out: these run on every checked access, and before V8
// optimises the interpreter each call costs as much as the test itself)
function checkRead(cpu: Cpu, pc: number, base: number, baseHi: number, off: number, size: number): void {
  const sum = (base >>> 0) + off;
  const a = sum >>> 0;
  const hi = sum > 0xffffffff ? (baseHi + 1) | 0 : sum < 0 ? (baseHi - 1) | 0 : baseHi;
  const mem = cpu.mem;
  if (hi === ADDR_HI && a + size <= mem.size) {
    const bm = mem.rd, i = a >>> 3, mask = (1 << size) - 1;
    if ((((bm[i]! | (bm[i + 1]! << 8)) >>> (a & 7)) & mask) === mask) return;
  }
  throw mem.fault(pc, hi, a, size, false);
}

function checkWrite(cpu: Cpu, pc: number, base: number, baseHi: number, off: number, size: number): void {
  const sum = (base >>> 0) + off;
  const a = sum >>> 0;
  const hi = sum > 0xffffffff ? (baseHi + 1) | 0 : sum < 0 ? (baseHi - 1) | 0 : baseHi;
  const mem = cpu.mem;
  const i = a >>> 3, mask = (1 << size) - 1;
  if (hi !== ADDR_HI || a + size > mem.size) throw mem.fault(pc, hi, a, size, true);
  const wr = mem.wr;
  if ((((wr[i]! | (wr[i + 1]! << 8)) >>> (a & 7)) & mask) !== mask) throw mem.fault(pc, hi, a, size, true);
  // the bytes are now initialised
  const m = mask << (a & 7);
  const rd = mem.rd;
  rd[i]! |= m & 0xff;
  rd[i + 1]! |= m >>> 8;
}

/** In checked mode, note 8-byte pointer values stored outside the stack (possible leaks). */
function noteStore(cpu: Cpu, a: number, hi: number): void {
  if (hi === ADDR_HI && (a < cpu.stackBase || a >= cpu.stackBase + STACK_BYTES)) cpu.leaks++;
}

/** The fault for a DataView access outside the linear memory (unchecked mode). */
function uncheckedFault(cpu: Cpu, code: Int32Array, ipc: number): Error {
  const R = cpu.regs;
  const w = code[ipc << 1]!, imm = code[(ipc << 1) + 1]!;
  const op = w & 0xff, off = w >> 16;
  const sz = op & 0x18;
  const size = sz === 0x18 ? 8 : sz === 0x00 ? 4 : sz === 0x08 ? 2 : 1;
  const cls = op & 7;
  const isLoad = cls === 1 || (op >= Op.ATOMIC_W && imm === AtomicOp.LOAD_ACQ);
  const b = isLoad ? (w >> 11) & 0x1e : (w >> 7) & 0x1e;
  if (cls !== 1 && cls !== 2 && cls !== 3) return new RunError('RUN_OOB', ipc, 'memory access outside the address space');
  return cpu.mem.fault(ipc, addrHi(R[b]!, R[b + 1]!, off), (R[b]! + off) >>> 0, size, !isLoad);
}

/** Resolve an LD_ABS/LD_IND offset to a data offset, or -1 when outside the packet. */
function packetOffset(cpu: Cpu, k: number, size: number): number {
  let o = k;
  if (k < 0) {
    if (k >= SKF_NET_OFF) o = cpu.pktNetOff + (k - SKF_NET_OFF);
    else if (k >= SKF_LL_OFF) o = cpu.pktMacOff + (k - SKF_LL_OFF);
    else return -1;
  }
  return o >= 0 && o + size <= cpu.pktLen ? o : -1;
}

/**
 * The interpreter loop. Runs from `entry` in frame `depth0` until that frame exits.
 */
export function execute(cpu: Cpu, prog: Program, entry: number, depth0: number): void {
  const R = cpu.regs;
  const mem = cpu.mem;
  const checked = cpu.checked;
  const helpers = cpu.helpers;
  let dv = mem.dv;
  let code = prog.code;
  let cur = prog;
  let pc = entry;
  let ipc = entry;
  let depth = depth0;
  const budget = cpu.budget > 0 ? cpu.budget : Number.MAX_SAFE_INTEGER;
  let left = budget - cpu.executed;
  cpu.depth = depth;
  cpu.prog = prog;
  cpu.frameProg[depth] = prog;

  try {
    for (;;) {
      ipc = pc;
      const w = code[pc << 1]!;
      const imm = code[(pc << 1) + 1]!;
      pc++;
      if (--left < 0) throw budgetError(ipc, budget);
      const d = (w >> 7) & 0x1e;
      const s = (w >> 11) & 0x1e;
      const off = w >> 16;

      switch (w & 0xff) {
        // ---------------- ALU (32-bit, results zero-extended) ----------------
        case Op.ADD32_K: R[d] = R[d]! + imm; R[d + 1] = 0; break;
        case Op.ADD32_X: R[d] = R[d]! + R[s]!; R[d + 1] = 0; break;
        case Op.SUB32_K: R[d] = R[d]! - imm; R[d + 1] = 0; break;
        case Op.SUB32_X: R[d] = R[d]! - R[s]!; R[d + 1] = 0; break;
        case Op.MUL32_K: R[d] = Math.imul(R[d]!, imm); R[d + 1] = 0; break;
        case Op.MUL32_X: R[d] = Math.imul(R[d]!, R[s]!); R[d + 1] = 0; break;
        case Op.DIV32_K: R[d] = off === 1 ? sdiv32(R[d]!, imm) : udiv32(R[d]!, imm); R[d + 1] = 0; break;
        case Op.DIV32_X: R[d] = off === 1 ? sdiv32(R[d]!, R[s]!) : udiv32(R[d]!, R[s]!); R[d + 1] = 0; break;
        case Op.MOD32_K: R[d] = off === 1 ? smod32(R[d]!, imm) : umod32(R[d]!, imm); R[d + 1] = 0; break;
        case Op.MOD32_X: R[d] = off === 1 ? smod32(R[d]!, R[s]!) : umod32(R[d]!, R[s]!); R[d + 1] = 0; break;
        case Op.OR32_K: R[d] = R[d]! | imm; R[d + 1] = 0; break;
        case Op.OR32_X: R[d] = R[d]! | R[s]!; R[d + 1] = 0; break;
        case Op.AND32_K: R[d] = R[d]! & imm; R[d + 1] = 0; break;
        case Op.AND32_X: R[d] = R[d]! & R[s]!; R[d + 1] = 0; break;
        case Op.XOR32_K: R[d] = R[d]! ^ imm; R[d + 1] = 0; break;
        case Op.XOR32_X: R[d] = R[d]! ^ R[s]!; R[d + 1] = 0; break;
        case Op.LSH32_K: R[d] = R[d]! << (imm & 31); R[d + 1] = 0; break;
        case Op.LSH32_X: R[d] = R[d]! << (R[s]! & 31); R[d + 1] = 0; break;
        case Op.RSH32_K: R[d] = R[d]! >>> (imm & 31); R[d + 1] = 0; break;
        case Op.RSH32_X: R[d] = R[d]! >>> (R[s]! & 31); R[d + 1] = 0; break;
        case Op.ARSH32_K: R[d] = R[d]! >> (imm & 31); R[d + 1] = 0; break;
        case Op.ARSH32_X: R[d] = R[d]! >> (R[s]! & 31); R[d + 1] = 0; break;
        case Op.NEG32: R[d] = -R[d]!; R[d + 1] = 0; break;
        case Op.MOV32_K: R[d] = imm; R[d + 1] = 0; break;
        case Op.MOV32_X:
          R[d] = off === 0 ? R[s]! : off === 8 ? (R[s]! << 24) >> 24 : (R[s]! << 16) >> 16;
          R[d + 1] = 0;
          break;
        case Op.LE:
          if (imm === 16) { R[d] = R[d]! & 0xffff; R[d + 1] = 0; } else if (imm === 32) R[d + 1] = 0;
          break;
        case Op.BE:
        case Op.BSWAP:
          if (imm === 16) { R[d] = bswap16(R[d]!); R[d + 1] = 0; } else if (imm === 32) { R[d] = bswap32(R[d]!); R[d + 1] = 0; } else {
            const lo = R[d]!;
            R[d] = bswap32(R[d + 1]!);
            R[d + 1] = bswap32(lo);
          }
          break;

        // ---------------- ALU64 ----------------
        case Op.ADD64_K: {
          const lo = (R[d]! >>> 0) + (imm >>> 0);
          R[d + 1] = R[d + 1]! + (imm >> 31) + (lo > 0xffffffff ? 1 : 0);
          R[d] = lo;
          break;
        }
        case Op.ADD64_X: {
          const lo = (R[d]! >>> 0) + (R[s]! >>> 0);
          R[d + 1] = R[d + 1]! + R[s + 1]! + (lo > 0xffffffff ? 1 : 0);
          R[d] = lo;
          break;
        }
        case Op.SUB64_K: {
          const lo = (R[d]! >>> 0) - (imm >>> 0);
          R[d + 1] = R[d + 1]! - (imm >> 31) - (lo < 0 ? 1 : 0);
          R[d] = lo;
          break;
        }
        case Op.SUB64_X: {
          const lo = (R[d]! >>> 0) - (R[s]! >>> 0);
          R[d + 1] = R[d + 1]! - R[s + 1]! - (lo < 0 ? 1 : 0);
          R[d] = lo;
          break;
        }
        case Op.MUL64_K: mul64(R[d]!, R[d + 1]!, imm, imm >> 31); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.MUL64_X: mul64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.DIV64_K:
          if (off === 1) sdiv64(R[d]!, R[d + 1]!, imm, imm >> 31); else udiv64(R[d]!, R[d + 1]!, imm, imm >> 31);
          R[d] = OUT[0]!; R[d + 1] = OUT[1]!;
          break;
        case Op.DIV64_X:
          if (off === 1) sdiv64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!); else udiv64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!);
          R[d] = OUT[0]!; R[d + 1] = OUT[1]!;
          break;
        case Op.MOD64_K:
          if (off === 1) smod64(R[d]!, R[d + 1]!, imm, imm >> 31); else umod64(R[d]!, R[d + 1]!, imm, imm >> 31);
          R[d] = OUT[0]!; R[d + 1] = OUT[1]!;
          break;
        case Op.MOD64_X:
          if (off === 1) smod64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!); else umod64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!);
          R[d] = OUT[0]!; R[d + 1] = OUT[1]!;
          break;
        case Op.OR64_K: R[d] = R[d]! | imm; R[d + 1] = R[d + 1]! | (imm >> 31); break;
        case Op.OR64_X: R[d] = R[d]! | R[s]!; R[d + 1] = R[d + 1]! | R[s + 1]!; break;
        case Op.AND64_K: R[d] = R[d]! & imm; R[d + 1] = R[d + 1]! & (imm >> 31); break;
        case Op.AND64_X: R[d] = R[d]! & R[s]!; R[d + 1] = R[d + 1]! & R[s + 1]!; break;
        case Op.XOR64_K: R[d] = R[d]! ^ imm; R[d + 1] = R[d + 1]! ^ (imm >> 31); break;
        case Op.XOR64_X: R[d] = R[d]! ^ R[s]!; R[d + 1] = R[d + 1]! ^ R[s + 1]!; break;
        case Op.LSH64_K: lsh64(R[d]!, R[d + 1]!, imm & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.LSH64_X: lsh64(R[d]!, R[d + 1]!, R[s]! & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.RSH64_K: rsh64(R[d]!, R[d + 1]!, imm & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.RSH64_X: rsh64(R[d]!, R[d + 1]!, R[s]! & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.ARSH64_K: arsh64(R[d]!, R[d + 1]!, imm & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.ARSH64_X: arsh64(R[d]!, R[d + 1]!, R[s]! & 63); R[d] = OUT[0]!; R[d + 1] = OUT[1]!; break;
        case Op.NEG64: {
          const lo = R[d]!;
          R[d] = -lo;
          R[d + 1] = ~R[d + 1]! + (lo === 0 ? 1 : 0);
          break;
        }
        case Op.MOV64_K: R[d] = imm; R[d + 1] = imm >> 31; break;
        case Op.MOV64_X:
          if (off === 0) { R[d] = R[s]!; R[d + 1] = R[s + 1]!; } else {
            const v = off === 8 ? (R[s]! << 24) >> 24 : off === 16 ? (R[s]! << 16) >> 16 : R[s]!;
            R[d] = v; R[d + 1] = v >> 31;
          }
          break;

        // ---------------- JMP (64-bit compares) ----------------
        case Op.JA: pc += off; break;
        case Op.JA32: pc += imm; break;
        case Op.JEQ_K: if (R[d] === imm && R[d + 1] === imm >> 31) pc += off; break;
        case Op.JEQ_X: if (R[d] === R[s] && R[d + 1] === R[s + 1]) pc += off; break;
        case Op.JNE_K: if (R[d] !== imm || R[d + 1] !== imm >> 31) pc += off; break;
        case Op.JNE_X: if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) pc += off; break;
        case Op.JSET_K: if ((R[d]! & imm) !== 0 || (R[d + 1]! & (imm >> 31)) !== 0) pc += off; break;
        case Op.JSET_X: if ((R[d]! & R[s]!) !== 0 || (R[d + 1]! & R[s + 1]!) !== 0) pc += off; break;
        case Op.JGT_K: { const h = R[d + 1]! >>> 0, bh = (imm >> 31) >>> 0; if (h > bh || (h === bh && R[d]! >>> 0 > imm >>> 0)) pc += off; break; }
        case Op.JGT_X: { const h = R[d + 1]! >>> 0, bh = R[s + 1]! >>> 0; if (h > bh || (h === bh && R[d]! >>> 0 > R[s]! >>> 0)) pc += off; break; }
        case Op.JGE_K: { const h = R[d + 1]! >>> 0, bh = (imm >> 31) >>> 0; if (h > bh || (h === bh && R[d]! >>> 0 >= imm >>> 0)) pc += off; break; }
        case Op.JGE_X: { const h = R[d + 1]! >>> 0, bh = R[s + 1]! >>> 0; if (h > bh || (h === bh && R[d]! >>> 0 >= R[s]! >>> 0)) pc += off; break; }
        case Op.JLT_K: { const h = R[d + 1]! >>> 0, bh = (imm >> 31) >>> 0; if (h < bh || (h === bh && R[d]! >>> 0 < imm >>> 0)) pc += off; break; }
        case Op.JLT_X: { const h = R[d + 1]! >>> 0, bh = R[s + 1]! >>> 0; if (h < bh || (h === bh && R[d]! >>> 0 < R[s]! >>> 0)) pc += off; break; }
        case Op.JLE_K: { const h = R[d + 1]! >>> 0, bh = (imm >> 31) >>> 0; if (h < bh || (h === bh && R[d]! >>> 0 <= imm >>> 0)) pc += off; break; }
        case Op.JLE_X: { const h = R[d + 1]! >>> 0, bh = R[s + 1]! >>> 0; if (h < bh || (h === bh && R[d]! >>> 0 <= R[s]! >>> 0)) pc += off; break; }
        case Op.JSGT_K: { const h = R[d + 1]!, bh = imm >> 31; if (h > bh || (h === bh && R[d]! >>> 0 > imm >>> 0)) pc += off; break; }
        case Op.JSGT_X: { const h = R[d + 1]!, bh = R[s + 1]!; if (h > bh || (h === bh && R[d]! >>> 0 > R[s]! >>> 0)) pc += off; break; }
        case Op.JSGE_K: { const h = R[d + 1]!, bh = imm >> 31; if (h > bh || (h === bh && R[d]! >>> 0 >= imm >>> 0)) pc += off; break; }
        case Op.JSGE_X: { const h = R[d + 1]!, bh = R[s + 1]!; if (h > bh || (h === bh && R[d]! >>> 0 >= R[s]! >>> 0)) pc += off; break; }
        case Op.JSLT_K: { const h = R[d + 1]!, bh = imm >> 31; if (h < bh || (h === bh && R[d]! >>> 0 < imm >>> 0)) pc += off; break; }
        case Op.JSLT_X: { const h = R[d + 1]!, bh = R[s + 1]!; if (h < bh || (h === bh && R[d]! >>> 0 < R[s]! >>> 0)) pc += off; break; }
        case Op.JSLE_K: { const h = R[d + 1]!, bh = imm >> 31; if (h < bh || (h === bh && R[d]! >>> 0 <= imm >>> 0)) pc += off; break; }
        case Op.JSLE_X: { const h = R[d + 1]!, bh = R[s + 1]!; if (h < bh || (h === bh && R[d]! >>> 0 <= R[s]! >>> 0)) pc += off; break; }

        // ---------------- JMP32 (32-bit compares) ----------------
        case Op.JEQ32_K: if (R[d] === imm) pc += off; break;
        case Op.JEQ32_X: if (R[d] === R[s]) pc += off; break;
        case Op.JNE32_K: if (R[d] !== imm) pc += off; break;
        case Op.JNE32_X: if (R[d] !== R[s]) pc += off; break;
        case Op.JSET32_K: if ((R[d]! & imm) !== 0) pc += off; break;
        case Op.JSET32_X: if ((R[d]! & R[s]!) !== 0) pc += off; break;
        case Op.JGT32_K: if (R[d]! >>> 0 > imm >>> 0) pc += off; break;
        case Op.JGT32_X: if (R[d]! >>> 0 > R[s]! >>> 0) pc += off; break;
        case Op.JGE32_K: if (R[d]! >>> 0 >= imm >>> 0) pc += off; break;
        case Op.JGE32_X: if (R[d]! >>> 0 >= R[s]! >>> 0) pc += off; break;
        case Op.JLT32_K: if (R[d]! >>> 0 < imm >>> 0) pc += off; break;
        case Op.JLT32_X: if (R[d]! >>> 0 < R[s]! >>> 0) pc += off; break;
        case Op.JLE32_K: if (R[d]! >>> 0 <= imm >>> 0) pc += off; break;
        case Op.JLE32_X: if (R[d]! >>> 0 <= R[s]! >>> 0) pc += off; break;
        case Op.JSGT32_K: if (R[d]! > imm) pc += off; break;
        case Op.JSGT32_X: if (R[d]! > R[s]!) pc += off; break;
        case Op.JSGE32_K: if (R[d]! >= imm) pc += off; break;
        case Op.JSGE32_X: if (R[d]! >= R[s]!) pc += off; break;
        case Op.JSLT32_K: if (R[d]! < imm) pc += off; break;
        case Op.JSLT32_X: if (R[d]! < R[s]!) pc += off; break;
        case Op.JSLE32_K: if (R[d]! <= imm) pc += off; break;
        case Op.JSLE32_X: if (R[d]! <= R[s]!) pc += off; break;

        case Op.JCOND: {
          // may_goto: taken once the frame's loop budget is spent
          const n = cpu.frameLoops[depth]!;
          if (n === 0) pc += off; else cpu.frameLoops[depth] = n - 1;
          break;
        }

        // ---------------- calls and exit ----------------
        case Op.CALLX:
        case Op.CALL: {
          let kind = (w >> 12) & 0xf;
          let target = imm;
          if ((w & 0xff) === Op.CALLX) {
            if (R[d + 1] === FUNC_HI) { kind = 1; target = R[d]! - pc; } else { kind = 0; target = R[d]!; }
          }
          if (kind === 0 || kind === 2) {
            const fn = kind === 0 ? helpers[target] : cpu.kfuncs.get(target);
            if (fn === undefined) {
              throw new RunError('RUN_NO_HELPER', ipc, kind === 0 ? `call to unknown helper ${target >>> 0}` : `call to unknown kfunc (BTF id ${target})`);
            }
            cpu.pc = ipc;
            cpu.depth = depth;
            cpu.executed = budget - left;
            fn(cpu);
            left = budget - cpu.executed;
            dv = mem.dv;
            if (cpu.control !== Control.NONE) {
              if (cpu.control === Control.EXIT) return;
              // tail call: the target replaces the running program in this frame
              cpu.control = Control.NONE;
              cur = cpu.tailTarget!;
              code = cur.code;
              cpu.prog = cur;
              cpu.frameProg[depth] = cur;
              pc = 0;
            }
          } else if (kind === 1) {
            if (depth + 1 >= Limits.MAX_CALL_FRAMES) {
              throw new RunError('RUN_STACK', ipc, `the call stack of ${depth + 2} frames is too deep`);
            }
            const f = depth * 10;
            cpu.frameSave.set(R.subarray(12, 22), f);
            cpu.frameRet[depth] = pc;
            depth++;
            cpu.frameProg[depth] = cur;
            cpu.frameLoops[depth] = MAY_GOTO_LOOPS;
            R[20] = cpu.framePointer(depth);
            R[21] = ADDR_HI;
            pc += target;
          } else {
            throw new RunError('RUN_BAD_INSN', ipc, `call with invalid src ${kind}`);
          }
          break;
        }
        case Op.EXIT:
          if (depth === depth0) {
            if (checked && R[1] === ADDR_HI) cpu.leaks++;
            cpu.executed = budget - left;
            return;
          }
          depth--;
          R.set(cpu.frameSave.subarray(depth * 10, depth * 10 + 10), 12);
          pc = cpu.frameRet[depth]!;
          cur = cpu.frameProg[depth]!;
          code = cur.code;
          cpu.prog = cur;
          break;

        // ---------------- 64-bit immediate ----------------
        case Op.LDDW:
          R[d] = imm;
          R[d + 1] = code[(pc << 1) + 1]!;
          pc++;
          break;

        // ---------------- loads ----------------
        case Op.LDX_W:
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 4);
          R[d] = dv.getInt32((R[s]! + off) >>> 0, true); R[d + 1] = 0;
          break;
        case Op.LDX_H:
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 2);
          R[d] = dv.getUint16((R[s]! + off) >>> 0, true); R[d + 1] = 0;
          break;
        case Op.LDX_B:
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 1);
          R[d] = dv.getUint8((R[s]! + off) >>> 0); R[d + 1] = 0;
          break;
        case Op.LDX_DW: {
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 8);
          const a = (R[s]! + off) >>> 0;
          R[d] = dv.getInt32(a, true); R[d + 1] = dv.getInt32(a + 4, true);
          break;
        }
        case Op.LDXS_W: {
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 4);
          const v = dv.getInt32((R[s]! + off) >>> 0, true);
          R[d] = v; R[d + 1] = v >> 31;
          break;
        }
        case Op.LDXS_H: {
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 2);
          const v = dv.getInt16((R[s]! + off) >>> 0, true);
          R[d] = v; R[d + 1] = v >> 31;
          break;
        }
        case Op.LDXS_B: {
          if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 1);
          const v = dv.getInt8((R[s]! + off) >>> 0);
          R[d] = v; R[d + 1] = v >> 31;
          break;
        }

        // ---------------- stores ----------------
        case Op.ST_W:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 4);
          dv.setInt32((R[d]! + off) >>> 0, imm, true);
          break;
        case Op.ST_H:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 2);
          dv.setInt16((R[d]! + off) >>> 0, imm, true);
          break;
        case Op.ST_B:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 1);
          dv.setInt8((R[d]! + off) >>> 0, imm);
          break;
        case Op.ST_DW: {
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 8);
          const a = (R[d]! + off) >>> 0;
          dv.setInt32(a, imm, true); dv.setInt32(a + 4, imm >> 31, true);
          break;
        }
        case Op.STX_W:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 4);
          dv.setInt32((R[d]! + off) >>> 0, R[s]!, true);
          break;
        case Op.STX_H:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 2);
          dv.setInt16((R[d]! + off) >>> 0, R[s]!, true);
          break;
        case Op.STX_B:
          if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 1);
          dv.setInt8((R[d]! + off) >>> 0, R[s]!);
          break;
        case Op.STX_DW: {
          const a = (R[d]! + off) >>> 0;
          if (checked) { checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 8); noteStore(cpu, a, R[s + 1]!); }
          dv.setInt32(a, R[s]!, true); dv.setInt32(a + 4, R[s + 1]!, true);
          break;
        }

        // ---------------- atomics ----------------
        case Op.ATOMIC_W: {
          const a = (R[d]! + off) >>> 0;
          if (imm === AtomicOp.LOAD_ACQ) {
            if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 4);
            R[d] = dv.getInt32((R[s]! + off) >>> 0, true); R[d + 1] = 0;
            break;
          }
          if (checked) {
            if (imm !== AtomicOp.STORE_REL) checkRead(cpu, ipc, R[d]!, R[d + 1]!, off, 4);
            checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 4);
          }
          const old = dv.getInt32(a, true);
          const v = R[s]!;
          switch (imm) {
            case AtomicOp.ADD: dv.setInt32(a, old + v, true); break;
            case AtomicOp.OR: dv.setInt32(a, old | v, true); break;
            case AtomicOp.AND: dv.setInt32(a, old & v, true); break;
            case AtomicOp.XOR: dv.setInt32(a, old ^ v, true); break;
            case AtomicOp.FETCH_ADD: dv.setInt32(a, old + v, true); R[s] = old; R[s + 1] = 0; break;
            case AtomicOp.FETCH_OR: dv.setInt32(a, old | v, true); R[s] = old; R[s + 1] = 0; break;
            case AtomicOp.FETCH_AND: dv.setInt32(a, old & v, true); R[s] = old; R[s + 1] = 0; break;
            case AtomicOp.FETCH_XOR: dv.setInt32(a, old ^ v, true); R[s] = old; R[s + 1] = 0; break;
            case AtomicOp.XCHG: dv.setInt32(a, v, true); R[s] = old; R[s + 1] = 0; break;
            case AtomicOp.CMPXCHG:
              if (old === R[0]) dv.setInt32(a, v, true);
              R[0] = old; R[1] = 0;
              break;
            case AtomicOp.STORE_REL: dv.setInt32(a, v, true); break;
            default: throw new RunError('RUN_BAD_INSN', ipc, `invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
          }
          break;
        }
        case Op.ATOMIC_DW: {
          const a = (R[d]! + off) >>> 0;
          if (imm === AtomicOp.LOAD_ACQ) {
            if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, 8);
            const b = (R[s]! + off) >>> 0;
            R[d] = dv.getInt32(b, true); R[d + 1] = dv.getInt32(b + 4, true);
            break;
          }
          if (checked) {
            if (imm !== AtomicOp.STORE_REL) checkRead(cpu, ipc, R[d]!, R[d + 1]!, off, 8);
            checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, 8);
            noteStore(cpu, a, R[s + 1]!);
          }
          const ol = dv.getInt32(a, true), oh = dv.getInt32(a + 4, true);
          const vl = R[s]!, vh = R[s + 1]!;
          let nl = ol, nh = oh, fetch = true;
          switch (imm & ~AtomicOp.FETCH) {
            case AtomicOp.ADD: {
              const lo = (ol >>> 0) + (vl >>> 0);
              nl = lo | 0; nh = (oh + vh + (lo > 0xffffffff ? 1 : 0)) | 0;
              break;
            }
            case AtomicOp.OR: nl = ol | vl; nh = oh | vh; break;
            case AtomicOp.AND: nl = ol & vl; nh = oh & vh; break;
            case AtomicOp.XOR: nl = ol ^ vl; nh = oh ^ vh; break;
            case AtomicOp.XCHG & ~AtomicOp.FETCH: nl = vl; nh = vh; break;
            case AtomicOp.CMPXCHG & ~AtomicOp.FETCH:
              if (ol === R[0] && oh === R[1]) { nl = vl; nh = vh; }
              R[0] = ol; R[1] = oh;
              fetch = false;
              break;
            case AtomicOp.STORE_REL: nl = vl; nh = vh; fetch = false; break;
            default: throw new RunError('RUN_BAD_INSN', ipc, `invalid atomic operation 0x${(imm >>> 0).toString(16)}`);
          }
          dv.setInt32(a, nl, true); dv.setInt32(a + 4, nh, true);
          if (fetch && (imm & AtomicOp.FETCH) !== 0) { R[s] = ol; R[s + 1] = oh; }
          break;
        }
        case Op.ATOMIC_B:
        case Op.ATOMIC_H: {
          const size = (w & 0xff) === Op.ATOMIC_B ? 1 : 2;
          if (imm === AtomicOp.LOAD_ACQ) {
            if (checked) checkRead(cpu, ipc, R[s]!, R[s + 1]!, off, size);
            const b = (R[s]! + off) >>> 0;
            R[d] = size === 1 ? dv.getUint8(b) : dv.getUint16(b, true); R[d + 1] = 0;
          } else if (imm === AtomicOp.STORE_REL) {
            if (checked) checkWrite(cpu, ipc, R[d]!, R[d + 1]!, off, size);
            const a = (R[d]! + off) >>> 0;
            if (size === 1) dv.setInt8(a, R[s]!); else dv.setInt16(a, R[s]!, true);
          } else {
            throw new RunError('RUN_BAD_INSN', ipc, `invalid ${size * 8}-bit atomic operation 0x${(imm >>> 0).toString(16)}`);
          }
          break;
        }

        // ---------------- legacy packet loads (network byte order) ----------------
        case Op.LDABS_W: case Op.LDABS_H: case Op.LDABS_B:
        case Op.LDIND_W: case Op.LDIND_H: case Op.LDIND_B: {
          const op = w & 0xff;
          const size = op === Op.LDABS_W || op === Op.LDIND_W ? 4 : op === Op.LDABS_H || op === Op.LDIND_H ? 2 : 1;
          const k = op === Op.LDABS_W || op === Op.LDABS_H || op === Op.LDABS_B ? imm : (R[s]! + imm) | 0;
          const o = packetOffset(cpu, k, size);
          if (o < 0) {
            // out of the packet: the program ends, returning 0 (as in the kernel)
            R[0] = 0; R[1] = 0;
            cpu.control = Control.EXIT;
            cpu.executed = budget - left;
            return;
          }
          const a = cpu.pktData + o;
          R[0] = size === 4 ? dv.getInt32(a, false) : size === 2 ? dv.getUint16(a, false) : dv.getUint8(a);
          R[1] = 0;
          break;
        }

        default:
          throw new RunError('RUN_BAD_INSN', ipc, `invalid instruction (opcode 0x${(w & 0xff).toString(16).padStart(2, '0')})`);
      }
    }
  } catch (e) {
    cpu.executed = budget - left;
    if (e instanceof BpfError) throw e;
    if (e instanceof RangeError) throw uncheckedFault(cpu, code, ipc);
    throw e;
  }
}

export { DEFAULT_BUDGET };

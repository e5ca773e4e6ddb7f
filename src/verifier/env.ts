// What every check needs: the program, its maps and type, the CFG, the log, the id
// generator, and the state of the path being explored, plus the helpers that raise the
// kernel's errors.

import type { Insn } from '../isa/insn.js';
import type { ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import type { ProgTypeInfo } from '../progs/types.js';
import type { Cfg } from './cfg.js';
import { VerifierReject } from './errors.js';
import type { VLog } from './log.js';
import type { MapInfo, RegState } from './regstate.js';
import type { FuncState, VState } from './states.js';

export const MAX_INSNS = 1_000_000;
export const BPF_MAX_VAR_OFF = 1 << 29;
export const BPF_MAX_VAR_SIZ = 1 << 29;
export const MAX_PACKET_OFF = 0xffff;

export interface Env {
  prog: ProgramSpec;
  maps: ReadonlyMap<string, MapSpec>;
  /** lddw slot → map reference. */
  mapRefAt: Map<number, { info: MapInfo; kind: 'map' | 'map_value'; offset: number }>;
  info: ProgTypeInfo | undefined;
  cfg: Cfg;
  log: VLog;
  idGen: number;
  cur: VState;
  pc: number;
  /** Registers / stack slots touched by the current instruction (for the level-2 state print). */
  scratchRegs: number;
  scratchSlots: Set<number>;
  /** Deepest stack access of each function (by its first instruction). */
  stackDepth: Map<number, number>;
  /** Callers of each function, for the combined stack check. */
  callEdges: Map<number, Set<number>>;
  privileged: boolean;
  insn: Insn;
  /** mark_chain_precision: the verifier relies on the value of scalar register regno (precision.ts). */
  markPrecise?: (regno: number) => void;
  /** Stack slots each instruction has been seen to read (stack-liveness.ts), for pruning. */
  stackLive?: import('./stack-liveness.js').StackLiveness;
  /** The jump-history entry of the instruction being checked (precision tracking). */
  histEntry?: () => import('./precision.js').HistEntry;
}

export function frame(env: Env): FuncState {
  return env.cur.frames[env.cur.frames.length - 1]!;
}

export function reg(env: Env, r: number): RegState {
  return frame(env).regs[r]!;
}

export function setReg(env: Env, r: number, v: RegState): void {
  frame(env).regs[r] = v;
  env.scratchRegs |= 1 << r;
}

export function fail(env: Env, code: string, message: string, errno = 13): never {
  throw new VerifierReject(code, message, env.pc, errno);
}

/** check_reg_arg(SRC_OP): the register must have been written. */
export function checkRead(env: Env, r: number): RegState {
  if (r > 10) fail(env, 'INVALID_REG', `R${r} is invalid`, 22);
  const v = reg(env, r);
  env.scratchRegs |= 1 << r;
  if (v.type === 'not_init') fail(env, 'REG_NOT_INIT', `R${r} !read_ok`);
  return v;
}

export function nextId(env: Env): number {
  return ++env.idGen;
}

export function noteStack(env: Env, frameIdx: number, depth: number): void {
  const f = env.cur.frames[frameIdx]!;
  const d = env.stackDepth.get(f.subprog) ?? 0;
  if (depth > d) env.stackDepth.set(f.subprog, depth);
}

/**
 * The current instruction reads slot spi of frame frameIdx. A read of a caller's frame is
 * recorded at that caller's call instruction (the call reads it, for liveness).
 */
export function noteStackRead(env: Env, frameIdx: number, spi: number): void {
  const sl = env.stackLive;
  if (!sl) return;
  const top = env.cur.frames.length - 1;
  sl.use(frameIdx === top ? env.pc : env.cur.frames[frameIdx + 1]!.callsite, spi);
}

// The main loop (the kernel's do_check): walk every path of the program from the entry
// with an abstract state, one instruction at a time, forking at conditional jumps, pruning
// paths whose state an explored one covers, and stopping at the first unsafe instruction
// with the kernel's message. Bounded loops are explored iteration by iteration, within the
// kernel's 1M processed-instruction limit; a state that repeats exactly is an infinite loop.

import { spinLockOffset } from './spinlock.js';
import type { Insn } from '../isa/insn.js';
import { jumpTarget } from '../isa/insn.js';
import { validateProgram } from '../isa/validate.js';
import { formatInsnKernel } from '../asm/disasm.js';
import type { ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import { progTypeInfo } from '../progs/index.js';
import { type CondOp, branchTaken, negateCond, refineCond, S64_MAX, S64_MIN } from './bounds.js';
import { buildCfg, findBackEdge, liveStr } from './cfg.js';
import { StackLiveness } from './stack-liveness.js';
import { checkAlu } from './check-alu.js';
import { calleeFrame, checkHelperCall, innerMapInfo } from './check-call.js';
import { MapType, ProgType } from '../uapi/bpf.js';
import { memAccess } from './check-mem.js';
import { type Env, MAX_INSNS, MAX_PACKET_OFF, checkRead, fail, frame, setReg } from './env.js';
import { VerifierReject } from './errors.js';
import { VLog, mapAddr } from './log.js';
import {
  AT_PKT_END, BEYOND_PKT_END, type MapInfo, cloneReg, constScalar, isPointer, notInit, pointer, type RegState, typeStr, unknownScalar,
} from './regstate.js';
import { type VState, allRegs, cloneState, frameStr, newFrame, statesEqual } from './states.js';
import { isSpill } from './stack.js';
import { type ChainState, type HistEntry, type Linked, type PrecisionCtx, markRegPrecise, propagatePrecision } from './precision.js';
import { tnumIsConst } from './tnum.js';

export interface VerifyOptions {
  logLevel?: 0 | 1 | 2;
  /** Privileged (root / CAP_BPF+CAP_PERFMON) rules, as the kernel applies to root: default true. */
  privileged?: boolean;
  /** Record the branch decisions of the failing path (explain mode). */
  trace?: boolean;
  /**
   * Precision tracking (default true): imprecise scalars of explored states match anything in
   * pruning. false compares every scalar by range (more states; used to cross-check).
   */
  precision?: boolean;
  /**
   * Stack slot liveness in pruning (default true, stack-liveness.ts): dead slots are
   * ignored when comparing states. false compares every slot (used to cross-check).
   */
  stackLiveness?: boolean;
}

export interface VerifyStats {
  processed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
}

export interface VerifyResult {
  ok: boolean;
  log: string;
  error?: { code: string; message: string; pc: number; errno: number };
  stats: VerifyStats;
  /** Stack depth of each function (by first instruction), for the runtime. */
  stackDepth?: Map<number, number>;
  /** Explain mode: the failing path and the registers at the failure. */
  trace?: { path: Array<{ from: number; to: number; taken: boolean }>; regs: string; stateLine: string };
}

interface Explored extends ChainState {
  state: VState;
  branches: number;
  parent: Explored | null;
  /** Pruning hits and misses (the kernel's hit_cnt / miss_cnt eviction heuristic). */
  hit?: number;
  miss?: number;
}

interface Pending {
  state: VState;
  pc: number;
  prev: number;
  cp: Explored | null;
  logPos: number;
  path: Array<{ from: number; to: number; taken: boolean }>;
  /** Callback re-entry: may be pruned against an in-progress state at the callback's entry. */
  reentry?: boolean;
  /** Precision tracking: first insn and jump history of the path segment since cp. */
  first: number;
  hist: HistEntry[];
}

const MAX_STATES_PER_INSN = 32;
const MAX_PENDING = 8192;

/**
 * The map a map load names: maps are named by ProgramSpec.mapRefs (the object's relocations,
 * or the runtime's resolution of raw ids). A map load without one is what the kernel gets as
 * a raw fd that no relocation filled in, and there are no fds here: refused as the kernel
 * refuses a number that is not a map's fd.
 */
function pseudoMapInfo(env: Env, insn: Insn): { info: MapInfo; kind: 'map' | 'map_value'; offset: number } {
  const ref = env.mapRefAt.get(insn.pc);
  if (ref) return ref;
  if (insn.src === 5 || insn.src === 6) fail(env, 'MAP_FD', `fd_idx without fd_array is invalid`, 71);
  return fail(env, 'MAP_FD', `fd ${insn.imm} is not pointing to valid bpf_map`, 9);
}

/** find_good_pkt_pointers: every pointer sharing dst's id learns the range. */
function goodPktPointers(state: VState, dst: RegState, rightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rightOpen)) return;
  if (dst.b.umax > BigInt(MAX_PACKET_OFF) || dst.b.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  const range = dst.off + (rightOpen ? 1 : 0);
  for (const r of allRegs(state)) {
    if (r.type === dst.type && r.id === dst.id && r.range < range && r.range >= 0) r.range = range;
  }
}

function topRegs(s: VState): RegState[] {
  return s.frames[s.frames.length - 1]!.regs;
}

/** Copy refined bounds to every scalar linked to r by id (sync_linked_regs). */
function syncLinked(state: VState, r: RegState, linked: readonly Linked[]): void {
  if (r.type !== 'scalar' || !r.id) return;
  // sync_linked_regs: only the live registers (and spills) collected at the jump
  for (const l of linked) {
    const f = state.frames[l.frame];
    const x = l.spi ? f?.stack[l.reg]?.spilled : f?.regs[l.reg];
    if (x && x !== r && x.type === 'scalar' && x.id === r.id) x.b = { ...r.b };
  }
}

/** collect_linked_regs: live scalars (and spilled ones) sharing id, at most 6 (LINKED_REGS_MAX). */
function collectLinked(env: Env, id: number, out: Linked[]): void {
  const st = env.cur;
  const top = st.frames.length - 1;
  const add = (l: Linked): void => {
    if (out.length >= 6 || out.some((o) => o.frame === l.frame && o.reg === l.reg && !!o.spi === !!l.spi)) return;
    out.push(l);
  };
  for (let i = top; i >= 0; i--) {
    const live = env.cfg.live[i === top ? env.pc : st.frames[i + 1]!.callsite] ?? 0x3ff;
    const f = st.frames[i]!;
    for (let j = 0; j < 10; j++) {
      const r = f.regs[j]!;
      if (live & (1 << j) && r.type === 'scalar' && r.id === id) add({ frame: i, reg: j });
    }
    f.stack.forEach((s, j) => {
      if (isSpill(s) && s.spilled!.type === 'scalar' && s.spilled!.id === id) add({ frame: i, reg: j, spi: true });
    });
  }
}

/** mark_ptr_or_null_regs */
function markPtrOrNull(env: Env, state: VState, id: number, isNull: boolean): void {
  let refToRelease = 0;
  const fix = (r: RegState): RegState => {
    if (r.id !== id || !r.maybeNull) return r;
    if (isNull) {
      if (r.refObjId) refToRelease = r.refObjId;
      return constScalar(0n);
    }
    const n = cloneReg(r);
    n.maybeNull = false;
    // map values with a bpf_spin_lock keep their id: the lock is tracked by it
    if (!(n.type === 'map_value' && n.map && spinLockOffset(n.map.spec) !== undefined)) n.id = 0;
    const inner = n.type === 'map_value' ? n.map?.spec.innerMap : undefined;
    if (inner && (n.map!.spec.type === MapType.ARRAY_OF_MAPS || n.map!.spec.type === MapType.HASH_OF_MAPS)) {
      // a non-null map-in-map lookup result points to the inner map (CONST_PTR_TO_MAP with
      // the inner template's spec), not to a value
      n.type = 'map_ptr';
      n.map = innerMapInfo(n.map!, inner);
    }
    // a non-null sockmap / sockhash lookup result is the socket (mark_ptr_or_null_reg)
    if (n.type === 'map_value' && (n.map?.spec.type === MapType.SOCKMAP || n.map?.spec.type === MapType.SOCKHASH)) n.type = 'sock';
    return n;
  };
  for (const f of state.frames) {
    for (let i = 0; i < f.regs.length; i++) f.regs[i] = fix(f.regs[i]!);
    for (const s of f.stack) if (s.spilled) s.spilled = fix(s.spilled);
  }
  if (refToRelease) {
    const i = state.refs.findIndex((x) => x.id === refToRelease);
    if (i >= 0) state.refs.splice(i, 1);
  }
  void env;
}

function isPktEndPair(dst: RegState, src: RegState): boolean {
  // a meta pointer is bounded by packet data only when compared with data itself (reg_is_init_pkt_pointer)
  return (dst.type === 'pkt' && src.type === 'pkt_end') || (dst.type === 'pkt_end' && src.type === 'pkt') ||
    (dst.type === 'pkt_meta' && isInitPkt(src)) || (isInitPkt(dst) && src.type === 'pkt_meta');
}

function isInitPkt(r: RegState): boolean {
  return r.type === 'pkt' && r.off === 0 && tnumIsConst(r.b.varOff) && r.b.varOff.value === 0n;
}

function isLow(r: RegState, other: RegState): boolean {
  // the "pointer" side of a pointer/end pair
  return (r.type === 'pkt' && other.type === 'pkt_end') || (r.type === 'pkt_meta' && other.type === 'pkt');
}

/** Branch direction on packet pointers marked at/beyond the end (is_pkt_ptr_branch_taken). */
function pktBranchTaken(dst: RegState, src: RegState, op: string): 1 | 0 | -1 {
  let pkt: RegState;
  let o = op;
  if (isLow(dst, src)) pkt = dst;
  else if (isLow(src, dst)) { pkt = src; o = ({ jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge' } as Record<string, string>)[op] ?? op; }
  else return -1;
  if (pkt.range >= 0) return -1;
  switch (o) {
    case 'jle': case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return o === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return o === 'jge' ? 1 : 0;
      break;
  }
  return -1;
}

export function verify(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, opts: VerifyOptions = {}): VerifyResult {
  const level = opts.logLevel ?? 0;
  const log = new VLog(level, prog.lineInfo ?? []);
  const stats: VerifyStats = { processed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0 };
  const finish = (err?: VerifierReject): VerifyResult => {
    if (err) log.write(err.message + (err.code === 'TAIL_CALL_MAP' ? '' : '\n'));
    log.write(`processed ${stats.processed} insns (limit ${MAX_INSNS}) max_states_per_insn ${stats.maxStatesPerInsn} total_states ${stats.totalStates} peak_states ${stats.peakStates} mark_read 0\n`);
    const res: VerifyResult = { ok: !err, log: log.buf, stats };
    if (err) res.error = { code: err.code, message: err.message, pc: err.pc, errno: err.errno };
    return res;
  };

  const insns = prog.insns;
  // writes to r10 are refused where they are reached (check_reg_arg), not in dead code
  const problems = validateProgram(insns).filter((p) => p.reason !== 'frame pointer is read only');
  if (problems.length) {
    const p = problems[0]!;
    const msg = p.reason.startsWith('jump out of range') ? p.reason : p.reason;
    return finish(new VerifierReject(p.reason.startsWith('jump out of range') ? 'JUMP_OUT_OF_RANGE' : 'INVALID_INSN', msg, p.index, 22));
  }

  // resolve_pseudo_ldimm64: an opcode outside the kernel's instruction table (BPF_CALL|BPF_X)
  const callx = insns.find((i) => i.form?.kind === 'callx');
  if (callx) return finish(new VerifierReject('CALLX', `unknown opcode ${callx.opcode.toString(16).padStart(2, '0')}`, callx.pc, 22));

  const mapInfos: MapInfo[] = [];
  const byName = new Map<string, MapInfo>();
  let mi = 0;
  for (const [name, spec] of maps) {
    const info = { index: mi++, name: spec.name || name, spec };
    mapInfos.push(info);
    byName.set(name, info);
  }
  const mapRefAt = new Map<number, { info: MapInfo; kind: 'map' | 'map_value'; offset: number }>();
  for (const ref of prog.mapRefs ?? []) {
    const info = byName.get(ref.map) ?? mapInfos.find((m) => m.spec.name === ref.map);
    if (!info) return finish(new VerifierReject('MAP_UNKNOWN', `tsbpf: map '${ref.map}' referenced by insn ${ref.insn} is not defined`, ref.insn, 9));
    mapRefAt.set(ref.insn, { info, kind: ref.kind, offset: ref.kind === 'map_value' ? ref.offset : 0 });
  }

  if (level >= 2) {
    // check_subprogs prints the functions before any control-flow check
    const starts = new Set<number>([0]);
    for (const i of insns) if (i.form?.id === 'call_local' || i.form?.id === 'lddw_func') starts.add(i.pc + 1 + i.imm);
    [...starts].sort((a, b) => a - b).forEach((s, k) => log.write(`func#${k} @${s}\n`));
  }
  // check_attach_btf_id: types bound to kernel BTF objects (tsbpf has no kernel BTF ids)
  if (prog.type === 26 || prog.type === 27 || prog.type === 28 || prog.type === 29) {
    return finish(new VerifierReject('NEEDS_BTF_ID', 'Tracing programs must provide btf_id', 0, 22));
  }
  // check_map_prog_compatibility: a map holding a bpf_spin_lock, in a program type that may not lock
  for (const { info } of mapRefAt.values()) {
    if (spinLockOffset(info.spec) === undefined) continue;
    if (prog.type === ProgType.SOCKET_FILTER) return finish(new VerifierReject('SPIN_LOCK_PROG_TYPE', 'socket filter progs cannot use bpf_spin_lock yet', 0, 22));
    if (TRACING_TYPES.has(prog.type)) return finish(new VerifierReject('SPIN_LOCK_PROG_TYPE', 'tracing progs cannot use bpf_spin_lock yet', 0, 22));
  }
  if (prog.type === 31 && !(prog.flags & 16)) {
    return finish(new VerifierReject('SYSCALL_SLEEPABLE', 'Syscall programs can only be sleepable', 0, 22));
  }
  let cfg;
  try {
    cfg = buildCfg(insns);
    if (opts.privileged === false) {
      const be = findBackEdge(cfg);
      if (be) throw new VerifierReject('BACK_EDGE', `back-edge from insn ${be[0]} to ${be[1]}`, be[0], 22);
    }
  } catch (e) {
    if (e instanceof VerifierReject) return finish(e);
    throw e;
  }

  const env: Env = {
    prog, maps, mapRefAt, info: progTypeInfo(prog.type), cfg, log, idGen: 0,
    cur: { frames: [newFrame(0, -1, 0)], refs: [] }, pc: 0, scratchRegs: 0x7ff, scratchSlots: new Set(),
    stackDepth: new Map([[0, 0]]), callEdges: new Map(), privileged: opts.privileged ?? true, insn: insns[0]!,
  };
  const f0 = env.cur.frames[0]!;
  f0.regs[1] = pointer('ctx');
  f0.regs[10] = pointer('stack', { frameno: 0 });

  if (level >= 2) {
    log.write('Live regs before insn:\n');
    for (const i of insns) {
      log.write(`${String(i.pc).padStart(7)}: ${liveStr(cfg.live[i.pc]!)} ${insnText(env, i)}\n`);
    }
  }

  const explored = new Map<number, Explored[]>();
  let liveStates = 0;
  let cp: Explored | null = null;
  const pending: Pending[] = [];
  let pc = 0;
  let prev = -1;
  let doPrintState = false;
  let jmpsProcessed = 0;
  let prevJmps = 0;
  let prevInsns = 0;
  let path: Array<{ from: number; to: number; taken: boolean }> = [];
  let reentry = false;
  if (opts.stackLiveness !== false) env.stackLive = new StackLiveness(cfg);
  const stackLive = env.stackLive;
  const liveness = {
    liveIn: (p: number) => cfg.live[p] ?? 0x3ff,
    slotAlive: stackLive ? (p: number, spi: number) => stackLive.alive(p, spi) : undefined,
  };
  // precision tracking (precision.ts): the current path segment since the last checkpoint
  let segFirst = 0;
  let segHist: HistEntry[] = [];
  /** push_jmp_history: the entry of the instruction being checked (created once per insn). */
  const histEntry = (): HistEntry => {
    const last = segHist[segHist.length - 1];
    if (last && last.idx === pc && curHasEntry) return last;
    const e: HistEntry = { idx: pc, prev: entryPrev };
    segHist.push(e);
    curHasEntry = true;
    return e;
  };
  let curHasEntry = false;
  /** The instruction executed before the current one (prev is overwritten while checking). */
  let entryPrev = -1;
  const pctx = (): PrecisionCtx => ({
    cur: env.cur, parent: cp, firstIdx: segFirst, hist: segHist, pc: env.pc,
    insnAt: (p) => cfg.bySlot[p], insnText: (i) => insnText(env, i), log,
  });
  // unprivileged programs have every scalar precise, as the kernel's (no backtracking needed)
  const tracking = (opts.privileged ?? true) && opts.precision !== false;
  const cmpOpts = { privileged: env.privileged, allPrecise: !tracking };
  if (tracking) { env.markPrecise = (regno) => markRegPrecise(pctx(), regno); env.histEntry = histEntry; }

  const finishPath = (): void => {
    let c = cp;
    while (c) {
      c.branches--;
      if (c.branches > 0) break;
      c = c.parent;
    }
  };
  const pushBranch = (state: VState, target: number, from: number, taken: boolean, re = false): void => {
    if (pending.length >= MAX_PENDING) fail(env, 'JMP_SEQ_TOO_COMPLEX', `The sequence of ${MAX_PENDING} jumps is too complex.`, 7);
    if (cp) cp.branches++;
    pending.push({ state, pc: target, prev: from, cp, logPos: log.size, path: opts.trace ? [...path, { from, to: target, taken }] : [], reentry: re,
      first: segFirst, hist: segHist.map((h) => ({ ...h })) });
  };
  /** The jump-history entry of a jump target (is_jmp_point), and of a segment's first insn. */
  const noteJmpPoint = (re: boolean): void => {
    if (prev === pc - 1 && !(pc === segFirst && segHist.length === 0)) return;
    const e = histEntry();
    // another iteration of a callback: reached from the callback's exit, not from a call
    if (re && cfg.bySlot[prev]?.form?.kind === 'exit') e.reentry = true;
  };
  /** The path is pruned against e: what e relied on, the current path relies on too. */
  const pruned = (e: Explored): void => {
    e.hit = (e.hit ?? 0) + 1;
    if (!tracking) return;
    noteJmpPoint(reentry);
    propagatePrecision(pctx(), e.state);
  };
  /** Returns true when the path can stop here. */
  const isStateVisited = (at: number): boolean => {
    const cur = env.cur;
    let list = explored.get(at);
    const topFrame = cur.frames[cur.frames.length - 1]!;
    const cbEntry = topFrame.inCallback && at === topFrame.subprog;
    const force = cfg.bySlot[at]?.form?.kind === 'jcond' || cbEntry;
    const add = force || (jmpsProcessed - prevJmps >= 2 && stats.processed - prevInsns >= 8) ||
      (list !== undefined && list.length === 0);
    const evict: Explored[] = [];
    for (const e of list ?? []) {
      if (e.branches > 0) {
        const loopEntry = reentry && cbEntry;
        // a state still being explored has not got its precision marks yet: compare every scalar
        if (loopEntry && statesEqual(e.state, cur, at, liveness, 'range', cmpOpts)) { pruned(e); return true; }
        if (!loopEntry && statesEqual(e.state, cur, at, undefined, true)) {
          log.linfo(at, '; ');
          const top = (st: VState): string => frameStr(st.frames[st.frames.length - 1]!, st.refs, 'all', 'all');
          fail(env, 'INFINITE_LOOP', `infinite loop detected at insn ${at}\ncur state:${top(cur)}\nold state:${top(e.state)}`, 22);
        }
      } else if (statesEqual(e.state, cur, at, liveness, false, cmpOpts)) { pruned(e); return true; }
      // The kernel's heuristic: a state that keeps missing is dropped from the list (it stays
      // alive as a parent for precision marks). Dropping only ever reduces pruning, and it keeps
      // long loops (a counter stepping towards the 1M limit) from piling states up at one insn.
      if (add) {
        e.miss = (e.miss ?? 0) + 1;
        const n = cbEntry && e.branches > 0 ? 64 : 3;
        if (e.miss > (e.hit ?? 0) * n + n) evict.push(e);
      }
    }
    if (list && evict.length) {
      list = list.filter((e) => !evict.includes(e));
      explored.set(at, list);
      liveStates -= evict.length;
    }
    if ((list?.length ?? 0) > stats.maxStatesPerInsn) stats.maxStatesPerInsn = list!.length;
    if (!add) return false;
    prevJmps = jmpsProcessed;
    prevInsns = stats.processed;
    if (!list) { list = []; explored.set(at, list); }
    if (list.length >= MAX_STATES_PER_INSN) {
      // memory guard: drop a finished state if there is one, else the oldest (less pruning, never unsound)
      const k = list.findIndex((e) => e.branches === 0);
      list.splice(k < 0 ? 0 : k, 1);
      liveStates--;
    }
    const e: Explored = { state: cloneState(cur), branches: 1, parent: cp, firstIdx: segFirst, lastIdx: prev, hist: segHist };
    list.push(e);
    cp = e;
    segFirst = at;
    segHist = [];
    curHasEntry = false;
    stats.totalStates++;
    liveStates++;
    if (liveStates > stats.peakStates) stats.peakStates = liveStates;
    return false;
  };
  /** The current path is done; continue with the next pending one. Returns false when none is left. */
  const popPath = (): boolean => {
    finishPath();
    const p = pending.pop();
    if (!p) {
      if (level === 1) log.reset(0);
      return false;
    }
    env.cur = p.state;
    pc = p.pc;
    prev = p.prev;
    cp = p.cp;
    path = p.path;
    reentry = !!p.reentry;
    segFirst = p.first;
    segHist = p.hist;
    curHasEntry = false;
    if (level === 1) {
      log.reset(Math.max(p.logPos - 1, 0));
      log.write(' ');
      log.prevLogPos = 0;
    }
    if (level >= 2) doPrintState = true;
    env.scratchRegs = 0x7ff;
    env.scratchSlots = new Set(env.cur.frames[env.cur.frames.length - 1]!.stack.map((_, i) => i));
    return true;
  };

  try {
    for (;;) {
      env.pc = pc;
      if (++stats.processed > MAX_INSNS) fail(env, 'TOO_LARGE', `BPF program is too large. Processed ${stats.processed} insn`, 7);
      curHasEntry = false;
      entryPrev = prev;
      const re = reentry;
      if (cfg.prunePoints.has(pc) || reentry) {
        const skip = isStateVisited(pc);
        reentry = false;
        if (skip) {
          if (level >= 2) log.write(doPrintState ? `\nfrom ${prev} to ${pc}: safe\n` : `${pc}: safe\n`);
          doPrintState = false;
          if (!popPath()) break;
          continue;
        }
      }
      if (tracking) noteJmpPoint(re);
      const insn = cfg.bySlot[pc]!;
      env.insn = insn;
      if (insn.form?.writesDst && insn.dst === 10) fail(env, 'INVALID_INSN', 'frame pointer is read only', 13);
      const fr = frame(env);
      if (level >= 2 && doPrintState) {
        log.write(`\nfrom ${prev} to ${pc}:${frameStr(fr, env.cur.refs, 'all', 'all')}\n`);
        doPrintState = false;
      }
      if (level >= 1) {
        if (env.scratchRegs || env.scratchSlots.size) {
          log.insnState(pc, frameStr(fr, env.cur.refs, env.scratchRegs, env.scratchSlots));
        }
        env.scratchRegs = 0;
        env.scratchSlots = new Set();
        log.linfo(pc);
        log.insn(pc, insnText(env, insn));
      }
      const f = insn.form!;
      prev = pc;
      let next = pc + f.slots;
      let endPath = false;
      switch (f.kind) {
        case 'alu':
          checkAlu(env, insn);
          break;
        case 'ldx': {
          checkRead(env, insn.src);
          // a fill from a spilled register: recorded for backtracking (INSN_F_STACK_ACCESS)
          const sa = tracking ? stackSlotAt(env, insn.src, insn.off) : undefined;
          const fill = sa && isSpill(env.cur.frames[sa.frame]!.stack[sa.spi]);
          const v = memAccess(env, insn.src, insn.off, f.size!, false, { signExtend: !!f.signExtend });
          setReg(env, insn.dst, v ?? unknownScalar());
          if (fill) histEntry().stack = sa;
          break;
        }
        case 'stx': {
          const v = checkRead(env, insn.src);
          checkRead(env, insn.dst);
          const sa = tracking ? stackSlotAt(env, insn.dst, insn.off) : undefined;
          const before = sa ? env.cur.frames[sa.frame]!.stack[sa.spi]?.spilled : undefined;
          const d = frame(env).regs[insn.dst]!;
          memAccess(env, insn.dst, insn.off, f.size!, true, { value: v });
          const zero = v.type === 'scalar' && tnumIsConst(v.b.varOff) && !v.b.varOff.value;
          if (sa && spilledNow(env, sa, before)) histEntry().stack = sa;
          // check_stack_write_fixed_off: a zero that is not a spill becomes STACK_ZERO bytes,
          // which backtracking cannot follow: the value is relied on
          else if (sa && zero) env.markPrecise?.(insn.src);
          // check_stack_write_var_off: zero kept in STACK_ZERO slots relies on the value
          if (d.type === 'stack' && !tnumIsConst(d.b.varOff) && v.type === 'scalar' && tnumIsConst(v.b.varOff) && !v.b.varOff.value) env.markPrecise?.(insn.src);
          break;
        }
        case 'st': {
          checkRead(env, insn.dst);
          const sa = tracking ? stackSlotAt(env, insn.dst, insn.off) : undefined;
          const before = sa ? env.cur.frames[sa.frame]!.stack[sa.spi]?.spilled : undefined;
          memAccess(env, insn.dst, insn.off, f.size!, true, { imm: BigInt(insn.imm) });
          if (sa && spilledNow(env, sa, before)) histEntry().stack = sa;
          break;
        }
        case 'atomic': {
          const sa = tracking ? stackSlotAt(env, insn.dst, insn.off) : undefined;
          checkAtomic(env, insn);
          if (sa) histEntry().stack = sa;
          break;
        }
        case 'lddw':
          checkLddw(env, insn);
          break;
        case 'ldabs': case 'ldind':
          checkLdAbs(env, insn);
          break;
        case 'jmp': {
          jmpsProcessed++;
          if (f.op === 'ja') { next = jumpTarget(insn); break; }
          next = checkCond(env, insn, pushBranch, (from, to, taken) => { if (opts.trace) path.push({ from, to, taken }); });
          // check_cond_jmp_op prints the state under the jump's own index
          if (level >= 1 && (env.scratchRegs || env.scratchSlots.size)) {
            log.insnState(pc, frameStr(frame(env), env.cur.refs, env.scratchRegs, env.scratchSlots));
            env.scratchRegs = 0;
            env.scratchSlots = new Set();
          }
          break;
        }
        case 'jcond': {
          jmpsProcessed++;
          pushBranch(cloneState(env.cur), jumpTarget(insn), pc, true);
          break;
        }
        case 'call': {
          jmpsProcessed++;
          // bpf-to-bpf calls too (the kernel allows those; we stay stricter)
          if (env.cur.lock && !(insn.src === 0 && insn.imm === 94)) fail(env, 'SPIN_LOCK_CALL', 'function calls are not allowed while holding a lock', 22);
          if (insn.src === 1) {
            next = bpfCall(env, insn);
          } else if (insn.src === 2) {
            fail(env, 'KFUNC', 'tsbpf: calling kernel functions is not supported', 95);
          } else {
            const cb = checkHelperCall(env, insn);
            if (cb) {
              // the callback may run zero times: the caller continues after the call (pushed),
              // and we explore the callback now
              pushBranch(cloneState(env.cur), pc + 1, pc, false);
              if (env.cur.frames.length >= 8) fail(env, 'CALL_TOO_DEEP', `the call stack of ${env.cur.frames.length + 1} frames is too deep`, 7);
              const callee = calleeFrame(env, cb.target, pc, cb.args);
              callee.inCallback = true;
              callee.cbRet = [0n, 1n];
              callee.cbLoop = cb.loop;
              callee.cbArgs = cb.args.map(cloneReg);
              addEdge(env, frame(env).subprog, cb.target);
              env.cur.frames.push(callee);
              env.scratchRegs = 0x7ff;
              next = cb.target;
              reentry = true;
            }
          }
          break;
        }
        case 'callx':
          fail(env, 'CALLX', 'tsbpf: callx is not supported: calls through registers are rejected', 22);
          break;
        case 'exit': {
          jmpsProcessed++;
          const r = checkExit(env, pushBranch);
          if (r === undefined) endPath = true;
          else next = r;
          break;
        }
      }
      if (endPath) {
        if (!popPath()) break;
        continue;
      }
      pc = next;
    }
    checkStackDepth(env);
  } catch (e) {
    if (e instanceof VerifierReject) {
      const res = finish(e);
      if (opts.trace) res.trace = { path, regs: frameStr(frame(env), env.cur.refs, 'all', 'all'), stateLine: frameStr(frame(env), env.cur.refs, 'all', 'all') };
      return res;
    }
    throw e;
  }
  const res = finish();
  res.stackDepth = env.stackDepth;
  return res;
}

/** The stack slot a fixed-offset access through register r at off touches (precision tracking). */
function stackSlotAt(env: Env, r: number, off: number): { frame: number; spi: number } | undefined {
  const p = frame(env).regs[r];
  if (!p || p.type !== 'stack' || !tnumIsConst(p.b.varOff)) return undefined;
  const o = p.off + Number(BigInt.asIntN(64, p.b.varOff.value)) + off;
  if (o >= 0 || o < -512 || !env.cur.frames[p.frameno]) return undefined;
  return { frame: p.frameno, spi: (-o - 1) >> 3 };
}

/** Did the store just spill a register into the slot? */
function spilledNow(env: Env, sa: { frame: number; spi: number }, before: RegState | null | undefined): boolean {
  const s = env.cur.frames[sa.frame]?.stack[sa.spi];
  return !!s && isSpill(s) && s.spilled !== before;
}

function insnText(env: Env, insn: Insn): string {
  return formatInsnKernel(insn, {
    imm64: (i) => {
      if (i.src === 1 || i.src === 2 || i.src === 5 || i.src === 6) {
        const ref = env.mapRefAt.get(i.pc);
        const idx = ref ? ref.info.index : i.imm;
        const extra = ref?.kind === 'map_value' || i.src === 2 || i.src === 6 ? BigInt(ref ? ref.offset : (i.imm2 ?? 0)) + 0x110n : 0n;
        return `0x${(mapAddr(idx) + extra).toString(16)}`;
      }
      if (i.src === 4) return `0x${(0xffffffffc0000000n + BigInt(i.pc + 1 + i.imm) * 8n).toString(16)}`;
      return undefined;
    },
  });
}

function checkLddw(env: Env, insn: Insn): void {
  switch (insn.src) {
    case 0: {
      const v = (BigInt((insn.imm2 ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      setReg(env, insn.dst, constScalar(v));
      return;
    }
    case 1: case 5: case 2: case 6: {
      const m = pseudoMapInfo(env, insn);
      if (m.kind === 'map' && (insn.src === 1 || insn.src === 5)) setReg(env, insn.dst, pointer('map_ptr', { map: m.info }));
      else {
        if (m.info.spec.type !== 2) fail(env, 'MAP_VALUE_PSEUDO', 'map_value pseudo-load of a map that is not an array', 22);
        if (m.offset < 0 || m.offset >= m.info.spec.valueSize) fail(env, 'MAP_VALUE_OFF', `invalid access to map value pointer, value_size=${m.info.spec.valueSize} off=${m.offset}`, 13);
        setReg(env, insn.dst, pointer('map_value', { map: m.info, off: m.offset }));
      }
      return;
    }
    case 4:
      setReg(env, insn.dst, pointer('func', { subprog: insn.pc + 1 + insn.imm }));
      return;
    default:
      fail(env, 'LDDW_BTF', 'tsbpf: 64-bit loads of kernel BTF objects are not supported', 95);
  }
}

function checkLdAbs(env: Env, insn: Insn): void {
  if (!env.info?.ldAbs) fail(env, 'LD_ABS_TYPE', 'BPF_LD_[ABS|IND] instructions not allowed for this program type', 22);
  if (env.cur.frames.length > 1 || env.cfg.subprogs.length > 1) {
    // the kernel allows LD_ABS in subprograms only with BTF func info; keep it simple
  }
  const r6 = checkRead(env, 6);
  if (insn.form!.kind === 'ldind') checkRead(env, insn.src);
  if (r6.type !== 'ctx') fail(env, 'LD_ABS_R6', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', 22);
  if (env.cur.lock) fail(env, 'LD_ABS_LOCK', 'BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region', 22);
  if (env.cur.refs.length) fail(env, 'LD_ABS_REF', 'BPF_LD_[ABS|IND] cannot be mixed with socket references', 22);
  const fr = frame(env);
  for (let r = 1; r <= 5; r++) fr.regs[r] = notInit();
  setReg(env, 0, unknownScalar());
}

function checkAtomic(env: Env, insn: Insn): void {
  const f = insn.form!;
  const op = f.op;
  if (op === 'load_acq') {
    checkRead(env, insn.src);
    // check_atomic_load: strict alignment, like every atomic
    const v = memAccess(env, insn.src, insn.off, f.size!, false, { atomic: true });
    setReg(env, insn.dst, v ?? unknownScalar());
    return;
  }
  if (op === 'store_rel') {
    const v = checkRead(env, insn.src);
    checkRead(env, insn.dst);
    memAccess(env, insn.dst, insn.off, f.size!, true, { value: v, atomic: true });
    return;
  }
  const src = checkRead(env, insn.src);
  const dst = checkRead(env, insn.dst);
  if (op === 'cmpxchg') checkRead(env, 0);
  if (isPointer(src) && !env.privileged) fail(env, 'LEAK_ADDR', `R${insn.src} leaks addr into mem`);
  if (dst.type === 'ctx' || dst.type === 'pkt' || dst.type === 'pkt_meta' || dst.type === 'flow_keys' || dst.type === 'sock') {
    fail(env, 'ATOMIC_TYPE', `BPF_ATOMIC stores into R${insn.dst} ${typeStr(dst)} is not allowed`);
  }
  const fetch = op.startsWith('fetch') || op === 'xchg' || op === 'cmpxchg';
  const loaded = memAccess(env, insn.dst, insn.off, f.size!, false, { atomic: true });
  memAccess(env, insn.dst, insn.off, f.size!, true, { value: isPointer(src) && op === 'xchg' ? src : unknownScalar(), atomic: true });
  if (fetch) {
    const v = loaded && loaded.type !== 'scalar' ? loaded : unknownScalar();
    if (v.type === 'scalar' && f.size === 4) { v.b = { ...v.b }; import_zext(v); }
    setReg(env, op === 'cmpxchg' ? 0 : insn.src, v);
  }
}

function import_zext(v: RegState): void {
  v.b.varOff = { value: 0n, mask: 0xffffffffn };
  v.b.umin = 0n; v.b.umax = 0xffffffffn; v.b.smin = 0n; v.b.smax = 0xffffffffn;
  v.b.u32min = 0n; v.b.u32max = 0xffffffffn; v.b.s32min = -(1n << 31n); v.b.s32max = (1n << 31n) - 1n;
}

/** Pointer types reg_not_null() knows are never NULL (is_branch_taken against 0). */
const NOT_NULL_TYPES: ReadonlySet<string> = new Set(['sock', 'tcp_sock', 'map_value', 'map_key', 'sock_common', 'btf_id', 'mem', 'map_ptr']);

/** check_cond_jmp_op: returns the next pc of the current path (the fall-through or the target). */
function checkCond(env: Env, insn: Insn, push: (s: VState, target: number, from: number, taken: boolean) => void,
  note: (from: number, to: number, taken: boolean) => void): number {
  const f = insn.form!;
  const op = f.op as CondOp;
  const is64 = f.cls === 5;
  const target = jumpTarget(insn);
  const pc = insn.pc;
  const dst = checkRead(env, insn.dst);
  let src: RegState;
  if (f.useImm) src = constScalar(is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0));
  else src = checkRead(env, insn.src);

  // which way can it go?
  let pred: 1 | 0 | -1 = -1;
  if (dst.type === 'scalar' && src.type === 'scalar') pred = branchTaken(dst.b, src.b, op, is64);
  else if (is64 && (op === 'jeq' || op === 'jne')) {
    const [p, s] = dst.type === 'scalar' ? [src, dst] : [dst, src];
    // reg_not_null: only these pointer types are known non-NULL (ctx, fp, packet pointers are not)
    if (isPointer(p) && !p.maybeNull && NOT_NULL_TYPES.has(p.type) && s.type === 'scalar' && tnumIsConst(s.b.varOff) && s.b.varOff.value === 0n) {
      pred = op === 'jeq' ? 0 : 1;
    }
  } else if (is64 && isPktEndPair(dst, src)) pred = pktBranchTaken(dst, src, op);
  // a branch decided by a scalar relies on its value (precision tracking)
  const markOperands = (): void => {
    if (dst.type === 'scalar') env.markPrecise?.(insn.dst);
    if (!f.useImm && src.type === 'scalar') env.markPrecise?.(insn.src);
  };
  if (pred >= 0) markOperands();
  if (pred === 1) { note(pc, target, true); return target; }
  if (pred === 0) { note(pc, pc + 1, false); return pc + 1; }

  // scalars linked by id refine together (recorded in the jump history for backtracking)
  const linked: Linked[] = [];
  if (!f.useImm && src.type === 'scalar' && src.id) collectLinked(env, src.id, linked);
  if (dst.type === 'scalar' && dst.id) collectLinked(env, dst.id, linked);
  if (linked.length > 1 && env.histEntry) env.histEntry().linked = linked;
  const other = cloneState(env.cur);
  const tr = topRegs(other);
  const fr = topRegs(env.cur);
  let otherDead = false;
  let thisDead = false;
  if (dst.type === 'scalar' && src.type === 'scalar') {
    // taken branch: a OP b; fall-through: !(a OP b)
    const oDst = tr[insn.dst]!;
    const oSrc = f.useImm ? cloneReg(src) : tr[insn.src]!;
    oDst.b = { ...oDst.b };
    if (!f.useImm) oSrc.b = { ...oSrc.b };
    if (!refineCond(oDst.b, oSrc.b, op, is64)) otherDead = true;
    const tDst = fr[insn.dst]!;
    const tSrc = f.useImm ? cloneReg(src) : fr[insn.src]!;
    tDst.b = { ...tDst.b };
    if (!f.useImm) tSrc.b = { ...tSrc.b };
    if (!refineCond(tDst.b, tSrc.b, negateCond(op), is64)) thisDead = true;
    if (!otherDead) { if (!f.useImm) syncLinked(other, oSrc, linked); syncLinked(other, oDst, linked); }
    if (!thisDead) { if (!f.useImm) syncLinked(env.cur, tSrc, linked); syncLinked(env.cur, tDst, linked); }
    // a branch found impossible from the ranges relies on them too
    if (otherDead || thisDead) markOperands();
  } else if (is64 && (op === 'jeq' || op === 'jne')) {
    // only `if ptr == 0` / `if ptr == rX (known 0)`: the kernel does not infer through `if rX == ptr`
    const [p, s] = [dst, src];
    if (p.maybeNull && p.id && s.type === 'scalar' && tnumIsConst(s.b.varOff) && s.b.varOff.value === 0n) {
      // tsbpf also takes a register holding 0 (the kernel only `if rX == 0`): it must stay 0
      if (!f.useImm) markOperands();
      // if (p == 0): taken branch has NULL for jeq
      markPtrOrNull(env, other, p.id, op === 'jeq');
      markPtrOrNull(env, env.cur, p.id, op !== 'jeq');
    } else if (!f.useImm && isPointer(dst) && isPointer(src) && dst.maybeNull !== src.maybeNull && dst.type !== 'btf_id' && src.type !== 'btf_id') {
      // `if ptr == ptr_or_null`: in the equal branch the second is not NULL (mark_ptr_not_null_reg
      // of that register only); map-in-map values stay maybe-null (they would become map pointers)
      const regno = src.maybeNull ? insn.src : insn.dst;
      const eqRegs = topRegs(op === 'jeq' ? other : env.cur);
      const r = eqRegs[regno]!;
      const mim = r.type === 'map_value' && (r.map?.spec.type === MapType.ARRAY_OF_MAPS || r.map?.spec.type === MapType.HASH_OF_MAPS);
      if (!mim) eqRegs[regno] = { ...cloneReg(r), maybeNull: false };
    }
  } else if (is64 && !f.useImm && isPktEndPair(dst, src)) {
    const oD = tr[insn.dst]!;
    const oS = tr[insn.src]!;
    const tD = fr[insn.dst]!;
    const tS = fr[insn.src]!;
    const dLow = isLow(dst, src);
    // normalise to "ptr OP end"
    const flip: Record<string, string> = { jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge' };
    const o = dLow ? op : (flip[op] ?? op);
    const [oP, tP] = dLow ? [oD, tD] : [oS, tS];
    const mark = (r: RegState, beyond: boolean): void => { r.range = beyond ? BEYOND_PKT_END : AT_PKT_END; };
    switch (o) {
      case 'jgt': goodPktPointers(env.cur, tP, false); mark(oP, true); break; // ptr > end taken; ptr <= end falls through
      case 'jle': goodPktPointers(other, oP, false); mark(tP, true); break;
      case 'jlt': goodPktPointers(other, oP, true); mark(tP, false); break;
      case 'jge': goodPktPointers(env.cur, tP, true); mark(oP, false); break;
      default: break;
    }
  }
  if (otherDead && thisDead) { note(pc, pc + 1, false); return pc + 1; }
  if (otherDead) { note(pc, pc + 1, false); return pc + 1; }
  if (thisDead) { env.cur = other; note(pc, target, true); return target; }
  push(other, target, pc, true);
  note(pc, pc + 1, false);
  return pc + 1;
}

function addEdge(env: Env, caller: number, callee: number): void {
  let s = env.callEdges.get(caller);
  if (!s) { s = new Set(); env.callEdges.set(caller, s); }
  s.add(callee);
}

/** bpf-to-bpf call: a new frame. */
function bpfCall(env: Env, insn: Insn): number {
  const target = insn.pc + 1 + insn.imm;
  if (env.cur.frames.length >= 8) fail(env, 'CALL_TOO_DEEP', `the call stack of ${env.cur.frames.length + 1} frames is too deep`, 7);
  const caller = frame(env);
  const callee = calleeFrame(env, target, insn.pc);
  addEdge(env, caller.subprog, target);
  if (!env.stackDepth.has(target)) env.stackDepth.set(target, 0);
  for (let r = 0; r <= 5; r++) caller.regs[r] = notInit();
  if (env.log.level >= 1) {
    env.log.write('caller:\n' + frameStr(caller, env.cur.refs, 'all', 'all') + '\ncallee:\n' + frameStr(callee, env.cur.refs, 'all', 'all') + '\n');
  }
  env.cur.frames.push(callee);
  env.scratchRegs = 0x7ff;
  return target;
}

/** BPF_EXIT: return to the caller, or finish the path (undefined). */
function checkExit(env: Env, push: (s: VState, target: number, from: number, taken: boolean, re?: boolean) => void): number | undefined {
  const cur = env.cur;
  // the kernel checks this at the main program's exit; any exit is stricter and still sound
  if (cur.lock) fail(env, 'SPIN_LOCK_EXIT', 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region', 22);
  if (cur.frames.length > 1) {
    const callee = cur.frames[cur.frames.length - 1]!;
    const r0 = callee.inCallback ? checkRead(env, 0) : frame(env).regs[0]!;
    if (callee.inCallback) {
      if (r0.type !== 'scalar') fail(env, 'CB_RET', `At callback return the register R0 is not a known value (${typeStr(r0)})`, 22);
      env.markPrecise?.(0);
      const [lo, hi] = callee.cbRet ?? [0n, 1n];
      if (r0.b.smin < lo || r0.b.smax > hi) fail(env, 'CB_RET', `At callback return the register R0 has${rangeDesc(r0)} should have been in [${lo}, ${hi}]`, 22);
    }
    if (r0.type === 'stack' && r0.frameno === callee.frameno) fail(env, 'RET_STACK_PTR', 'cannot return stack pointer to the caller', 22);
    cur.frames.pop();
    const caller = cur.frames[cur.frames.length - 1]!;
    if (env.log.level >= 1) {
      env.log.write('returning from callee:\n' + frameStr(callee, cur.refs, 'all', 'all') + '\nto caller at ' + (callee.callsite + 1) + ':\n' + frameStr(caller, cur.refs, 'all', 'all') + '\n');
    }
    if (!callee.inCallback) caller.regs[0] = cloneReg(r0);
    // references or stack pointers into the dead frame become unusable
    for (const r of allRegs(cur)) if (r.type === 'stack' && r.frameno >= cur.frames.length) Object.assign(r, unknownScalar());
    if (callee.inCallback && callee.cbLoop) {
      // another iteration of the callback, with the caller's state as the callback left it
      const again = cloneState(cur);
      const nf = newFrame(again.frames.length, callee.callsite, callee.subprog);
      // arguments for the next call: the ones the helper passed on the first call (the map's
      // key/value pointers, the loop index, the caller's ctx), not what the callback left in R1..R5
      nf.regs = callee.regs.map(() => notInit());
      for (let i = 1; i <= 5; i++) { const a = callee.cbArgs?.[i - 1]; if (a) nf.regs[i] = cloneReg(a); }
      nf.regs[10] = pointer('stack', { frameno: nf.frameno });
      nf.inCallback = true; nf.cbRet = callee.cbRet; nf.cbLoop = true; nf.cbArgs = callee.cbArgs;
      nf.cbIter = (callee.cbIter ?? 0) + 1;
      if (nf.cbIter > 4) {
        // widening: scalars the iterations keep changing become unknown (sound over-approximation),
        // so the callback's entry state converges
        for (const f of again.frames) {
          for (let i = 0; i < f.regs.length; i++) if (f.regs[i]!.type === 'scalar') f.regs[i] = unknownScalar();
          for (const sl of f.stack) if (sl.spilled?.type === 'scalar') sl.spilled = unknownScalar();
        }
        for (let i = 1; i <= 5; i++) if (nf.regs[i]!.type === 'scalar') nf.regs[i] = unknownScalar();
      }
      again.frames.push(nf);
      push(again, callee.subprog, env.pc, true, true);
    }
    env.scratchRegs = 0;
    env.scratchSlots = new Set();
    return callee.callsite + 1;
  }
  if (cur.refs.length) {
    const r = cur.refs[0]!;
    fail(env, 'REF_LEAK', `Unreleased reference id=${r.id} alloc_insn=${r.insn}\nBPF_EXIT instruction in main prog would lead to reference leak`, 22);
  }
  const r0 = checkRead(env, 0);
  const range = env.info ? env.info.retRange?.(env.prog.expectedAttachType || undefined) : retRangeWithoutInfo(env.prog);
  if (isPointer(r0)) {
    if (!env.privileged) fail(env, 'LEAK_RET', 'R0 leaks addr as return value');
    if (range) fail(env, 'RET_NOT_SCALAR', `At program exit the register R0 is not a known value (${typeStr(r0)})`, 22);
    return undefined;
  }
  if (range) {
    // check_return_code relies on R0's value
    env.markPrecise?.(0);
    const [lo, hi] = range;
    if (r0.b.smin < BigInt(lo) || r0.b.smax > BigInt(hi)) {
      fail(env, 'RET_RANGE', `At program exit the register R0 has${rangeDesc(r0)} should have been in [${lo}, ${hi}]`, 22);
    }
  }
  return undefined;
}

/**
 * check_return_code's ranges for the program types src/progs does not describe and the
 * verifier still takes (tracing, LSM, freplace and struct_ops are refused before: they need
 * kernel BTF ids). Their programs get no ctx access, so only the return value is left.
 */
/** is_tracing_prog_type. */
const TRACING_TYPES: ReadonlySet<number> = new Set([ProgType.KPROBE, ProgType.TRACEPOINT, ProgType.PERF_EVENT, ProgType.RAW_TRACEPOINT, ProgType.RAW_TRACEPOINT_WRITABLE]);

function retRangeWithoutInfo(prog: ProgramSpec): [number, number] | undefined {
  return prog.type === ProgType.NETFILTER ? [0, 1] : undefined; // NF_DROP..NF_ACCEPT
}

function rangeDesc(r: RegState): string {
  let s = '';
  if (r.b.smin > S64_MIN) s += ` smin=${r.b.smin}`;
  if (r.b.smax < S64_MAX) s += ` smax=${r.b.smax}`;
  return s || ' unknown scalar value';
}

/** check_max_stack_depth: the deepest chain of frames must fit in 512 bytes. */
function checkStackDepth(env: Env): void {
  const round = (d: number): number => Math.ceil(d / 16) * 16;
  const walk = (fn: number, depth: number, calls: number, seen: Set<number>): void => {
    const d = depth + round(env.stackDepth.get(fn) ?? 0);
    if (d > 512) fail(env, 'STACK_TOO_LARGE', `combined stack size of ${calls} calls is ${d}. Too large`, 13);
    for (const c of env.callEdges.get(fn) ?? []) {
      // the kernel walks the call graph statically: recursion, even bounded, never ends there
      if (seen.has(c)) fail(env, 'CALL_TOO_DEEP', 'the call stack of 8 frames is too deep !', 7);
      seen.add(c);
      walk(c, d, calls + 1, seen);
      seen.delete(c);
    }
  };
  walk(0, 0, 1, new Set([0]));
}

export { unknownScalar };

// The soundness oracle: a program tsbpf's verifier accepts is run in checked mode (every
// access tested against the memory's shadow bits) over random packets, contexts and map
// contents, and must show no out-of-bounds access, no read of uninitialised stack (for the
// unprivileged rules, which forbid it), no pointer leak (r0 holding a pointer at exit, a
// pointer stored outside the stack, a pointer found in a map value afterwards: unprivileged
// rules), no helper misuse, and no budget exhaustion unless the program loops.
// Programs are verified under both rule sets: privileged (what the kernel oracle, run as
// root, applies) and unprivileged; each accepted verdict is checked with its own run rules.

import { BpfError, RunError } from '../../errors.js';
import type { ProgramSpec } from '../../loader/types.js';
import { createMap } from '../../maps/index.js';
import type { BpfMap, MapSpec } from '../../maps/types.js';
import { progTypeInfo } from '../../progs/index.js';
import { TestRunError } from '../../runtime/errors.js';
import { loadProgram } from '../../runtime/program.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { TestRunOptions } from '../../runtime/types.js';
import { ProgType } from '../../uapi/bpf.js';
import { STACK_BYTES } from '../../vm/cpu.js';
import { ADDR_HI } from '../../vm/memory.js';
import { verifyProgram } from '../index.js';
import { spinLockOffset } from '../spinlock.js';
import type { VerifyResult } from '../verifier.js';
import type { Rng } from './rng.js';

export type FindingKind = 'oob' | 'uninit' | 'leak-ret' | 'leak-mem' | 'leak-map' | 'helper' | 'budget' | 'stack' | 'crash';

export interface Finding {
  kind: FindingKind;
  /** Rule set of the verdict that let the program through. */
  mode: 'priv' | 'unpriv';
  detail: string;
}

export interface OracleResult {
  priv: VerifyResult | undefined;
  unpriv: VerifyResult | undefined;
  /** The verifier threw instead of answering. */
  verifierCrash?: string;
  runs: number;
  /** Runs refused before starting (test-run input rules, types without test-run, load errors). */
  refused: number;
  findings: Finding[];
}

const PKT_TYPES = new Set<number>([ProgType.XDP, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.SOCKET_FILTER, ProgType.CGROUP_SKB, ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.FLOW_DISSECTOR]);

function verifySafe(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, privileged: boolean): VerifyResult | string {
  try {
    return verifyProgram(prog, maps, { privileged });
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  }
}

/** Random contents for the maps a program uses (array slots, a few hash keys), no pointer-looking words. */
function fillMaps(maps: Record<string, BpfMap>, r: Rng): void {
  for (const m of Object.values(maps)) {
    const s = m.spec;
    const value = (): Uint8Array => {
      const v = r.chance(0.2) ? new Uint8Array(s.valueSize) : r.bytes(s.valueSize);
      for (let i = 0; i + 8 <= v.length; i += 8) if ((v[i + 7]! << 8 | v[i + 6]!) === 0xffff) v[i + 7] = 0;
      return v;
    };
    try {
      if (s.type === 2 /* ARRAY */ || s.type === 6 /* PERCPU_ARRAY */) {
        for (let k = 0; k < Math.min(s.maxEntries, 16); k++) {
          const key = new Uint8Array(s.keySize); new DataView(key.buffer).setUint32(0, k, true);
          if (!m.frozen) m.update(key, s.type === 6 ? new Uint8Array(0) : value(), 0);
        }
      } else if (s.type === 1 || s.type === 9 /* HASH, LRU_HASH */) {
        const n = r.int(Math.min(s.maxEntries, 6) + 1);
        for (let k = 0; k < n; k++) {
          const key = s.keySize >= 4 && r.chance(0.7) ? new Uint8Array(s.keySize) : r.bytes(s.keySize);
          if (s.keySize >= 4 && key.every((b) => b === 0)) new DataView(key.buffer).setUint32(0, r.int(10), true);
          m.update(key, value(), 0);
        }
      }
    } catch {
      // contents are best effort (per-CPU layouts, frozen maps)
    }
  }
}

/** Any 8-byte word of a map's values whose upper half is a BPF memory pointer's. */
function mapHoldsPointer(m: BpfMap): boolean {
  const s = m.spec;
  if (s.type !== 1 && s.type !== 2 && s.type !== 9) return false;
  let key: Uint8Array | null = null;
  for (let n = 0; n < 64; n++) {
    key = m.nextKey(key);
    if (!key) break;
    let v: Uint8Array;
    try { v = m.lookup(key); } catch { continue; }
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i + 8 <= v.length; i += 4) if ((dv.getUint32(i + 4, true) | 0) === ADDR_HI) return true;
  }
  return false;
}

function input(type: number, r: Rng, ctxSize: number): TestRunOptions {
  if (PKT_TYPES.has(type)) {
    const n = r.chance(0.3) ? r.int(15) : r.chance(0.5) ? 14 + r.int(60) : r.range(60, 600);
    const data = r.bytes(Math.max(n, type === ProgType.SOCKET_FILTER || type === ProgType.SCHED_CLS ? 14 : 0));
    if (type === ProgType.SCHED_CLS || type === ProgType.SOCKET_FILTER) {
      if (r.chance(0.7) && data.length >= 14) { data[12] = 0x08; data[13] = 0; }
      if (r.chance(0.4)) {
        const ctx = new Uint8Array(192);
        const dv = new DataView(ctx.buffer);
        dv.setUint32(8, r.u32(), true); // mark
        dv.setUint32(32, r.u32(), true); // priority
        for (let i = 0; i < 5; i++) dv.setUint32(48 + 4 * i, r.u32(), true); // cb
        return { data, ctx };
      }
    }
    return { data };
  }
  const n = type === ProgType.RAW_TRACEPOINT ? 96 : ctxSize;
  return { ctx: r.bytes(n) };
}

/** Verify `prog` (both rule sets); run what is accepted; report what went wrong. */
export function checkProgram(rt: Runtime, prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, r: Rng, opts: { loops?: boolean; runs?: number } = {}): OracleResult {
  const res: OracleResult = { priv: undefined, unpriv: undefined, runs: 0, refused: 0, findings: [] };
  const a = verifySafe(prog, maps, true);
  if (typeof a === 'string') { res.verifierCrash = a; return res; }
  res.priv = a;
  if (a.ok) {
    const b = verifySafe(prog, maps, false);
    if (typeof b === 'string') { res.verifierCrash = b; return res; }
    res.unpriv = b;
  }
  const modes: Array<'priv' | 'unpriv'> = [];
  if (res.unpriv?.ok) modes.push('unpriv');
  if (res.priv.ok) modes.push('priv');
  if (!modes.length) return res;
  const info = progTypeInfo(prog.type);
  if (!info || info.testRunErrno !== undefined) { res.refused++; return res; }

  const live: Record<string, BpfMap> = {};
  const cpu = rt.cpu;
  const savedUninit = cpu.uninitStackIsFault;
  try {
    // the lock of a value found from BTF (as the kernel does at map creation), so user-space
    // updates do not copy random bytes into it (the loader leaves spinLockOffset unset)
    for (const [name, spec] of maps) {
      const lock = spec.spinLockOffset ?? spinLockOffset(spec);
      live[name] = createMap(rt, lock !== undefined ? { ...spec, spinLockOffset: lock } : spec);
    }
    const p = loadProgram(rt, prog, { maps: live, unverified: true });
    try {
      for (const mode of modes) {
        for (let k = 0; k < (opts.runs ?? 4); k++) {
          fillMaps(live, r);
          const inp = input(prog.type, r, info.ctxSize);
          cpu.uninitStackIsFault = mode === 'unpriv';
          if (mode === 'priv') cpu.mem.markWritten(cpu.stackBase, STACK_BYTES);
          try {
            p.run({ ...inp, checked: true });
            res.runs++;
          } catch (e) {
            if (e instanceof TestRunError) { res.refused++; continue; }
            res.runs++;
            const f = classify(e, mode, opts.loops ?? true);
            if (f) { res.findings.push(f); break; }
            continue;
          }
          if (mode === 'unpriv') {
            if (cpu.regs[1] === ADDR_HI) { res.findings.push({ kind: 'leak-ret', mode, detail: `r0 = 0x${(cpu.regs[1]! >>> 0).toString(16)}${(cpu.regs[0]! >>> 0).toString(16).padStart(8, '0')} at exit` }); break; }
            if (cpu.leaks) { res.findings.push({ kind: 'leak-mem', mode, detail: `${cpu.leaks} pointer store(s) outside the stack` }); break; }
            const m = Object.entries(live).find(([, v]) => mapHoldsPointer(v));
            if (m) { res.findings.push({ kind: 'leak-map', mode, detail: `map ${m[0]} holds a pointer after the run` }); break; }
          }
        }
      }
    } finally {
      p.close();
    }
  } catch (e) {
    if (e instanceof BpfError) res.refused++;
    else res.findings.push({ kind: 'crash', mode: modes[0]!, detail: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  } finally {
    cpu.uninitStackIsFault = savedUninit;
    for (const m of Object.values(live)) { try { rt.unregisterMap(m); m.destroy(); } catch { /* gone */ } }
  }
  return res;
}

function classify(e: unknown, mode: 'priv' | 'unpriv', loops: boolean): Finding | undefined {
  if (e instanceof RunError) {
    switch (e.code) {
      case 'RUN_OOB': return { kind: /uninitialized stack/.test(e.message) ? 'uninit' : 'oob', mode, detail: e.message };
      case 'RUN_HELPER': return { kind: 'helper', mode, detail: e.message };
      case 'RUN_BUDGET': return loops ? undefined : { kind: 'budget', mode, detail: e.message };
      case 'RUN_STACK': return { kind: 'stack', mode, detail: e.message };
      default: return { kind: 'crash', mode, detail: `${e.code}: ${e.message}` };
    }
  }
  if (e instanceof BpfError) return { kind: 'crash', mode, detail: `${e.code}: ${e.message}` };
  return { kind: 'crash', mode, detail: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) };
}

/** Does the program have a backward jump (a loop)? */
export function hasLoop(prog: ProgramSpec): boolean {
  return prog.insns.some((i) => {
    const c = i.opcode & 7;
    if ((c === 5 || c === 6) && i.opcode !== 0x85 && i.opcode !== 0x95) return (i.opcode === 0x06 ? i.imm : i.off) < 0;
    return false;
  });
}

// Run a `.data` case on the interpreter, as the bpf_conformance runner runs a plugin:
// r1 = pointer to a copy of `mem` (0 when there is none), r2 = its length, the suite's
// helpers 0..5. Socket-filter cases also see `mem` as the packet of LD_ABS / LD_IND.

import { isBpfError } from '../errors.js';
import { decode } from '../isa/insn.js';
import { Cpu } from '../vm/cpu.js';
import { run } from '../vm/interpreter.js';
import { Memory } from '../vm/memory.js';
import { prepareProgram } from '../vm/program.js';
import { caseProgram, type DataCase } from './data.js';
import { conformanceHelpers } from './helpers.js';

export type CaseOutcome = { ok: true; r0: bigint; memAfter: Uint8Array } | { ok: false; error: string; code: string };

export interface RunCaseOptions {
  checked?: boolean;
  budget?: number;
}

export function runCase(c: DataCase, opts: RunCaseOptions = {}): CaseOutcome {
  try {
    const program = caseProgram(c);
    const mem = new Memory();
    const cpu = new Cpu(mem);
    cpu.helpers = conformanceHelpers().helpers;
    const prog = prepareProgram(decode(program), { name: c.name });
    let r1 = 0n, a = 0;
    if (c.mem.length > 0) {
      a = mem.alloc(c.mem.length, { kind: 'user', name: 'test memory' });
      mem.write(a, c.mem);
      r1 = Memory.pointer(a);
    }
    if (c.programType === 'socket_filter') {
      cpu.pktData = a;
      cpu.pktLen = c.mem.length;
    }
    const r0 = run(cpu, prog, { args: [r1, BigInt(c.mem.length)], checked: opts.checked ?? true, budget: opts.budget ?? 1_000_000 });
    return { ok: true, r0, memAfter: c.mem.length ? mem.read(a, c.mem.length).slice() : new Uint8Array() };
  } catch (e) {
    if (isBpfError(e)) return { ok: false, error: e.message, code: e.code };
    return { ok: false, error: e instanceof Error ? e.message : String(e), code: 'INTERNAL' };
  }
}

/** Whether an outcome is what the case expects. */
export function outcomeMatches(c: DataCase, o: CaseOutcome): boolean {
  if (c.error !== undefined) return !o.ok;
  return o.ok && o.r0 === c.result;
}

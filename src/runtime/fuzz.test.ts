// Bad input is normal input: random bytecode loaded as every program type and run on random
// packets and contexts ends in a result or a typed BpfError, never in a raw exception.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError } from '../errors.js';
import { decode } from '../isa/insn.js';
import { INSN_FORMS } from '../isa/table.js';
import type { ProgramSpec } from '../loader/types.js';
import { ProgType } from '../uapi/bpf.js';
import { loadProgram } from './program.js';
import { Runtime } from './runtime.js';

const TYPES = [ProgType.XDP, ProgType.SCHED_CLS, ProgType.SOCKET_FILTER, ProgType.CGROUP_SKB, ProgType.KPROBE, ProgType.RAW_TRACEPOINT];

/** Instructions from the ISA table: a form with its fixed fields, random operands (lddw excluded). */
const FORMS = INSN_FORMS.filter((f) => f.slots === 1 && f.kind !== 'callx');
const HELPERS = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 23, 25, 26, 28, 34, 44, 51, 54, 65, 68, 93, 94, 105, 112, 113, 118, 165, 181, 182, 189, 190, 999];
const insnBytes = fc.tuple(
  fc.integer({ min: 0, max: FORMS.length - 1 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }),
  fc.integer({ min: -16, max: 200 }), fc.oneof(fc.integer({ min: -8, max: 220 }), fc.integer()), fc.constantFrom(...HELPERS),
).map(([fi, dst, src, off, imm, helper]) => {
  const f = FORMS[fi]!;
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  const v = (use: string, fixed: number | undefined, any: number): number => (use === 'zero' ? 0 : use === 'fixed' ? fixed ?? 0 : any);
  const s = v(f.src, f.fixedSrc, src);
  let i = v(f.imm, f.fixedImm, imm);
  if (f.kind === 'call' && s === 0) i = helper;
  b[0] = f.opcode; b[1] = v(f.dst, undefined, dst) | (s << 4);
  dv.setInt16(2, v(f.off, f.fixedOff, f.kind === 'jmp' ? off % 8 : off), true);
  dv.setInt32(4, f.kind === 'call' && s === 1 ? i % 8 : i, true);
  return b;
});

describe('random programs never escape as raw exceptions', () => {
  it('load + run', () => {
    const rt = new Runtime({ ncpus: 2 });
    rt.cpu.budget = 10_000;
    let loaded = 0;
    fc.assert(fc.property(
      fc.array(insnBytes, { minLength: 1, maxLength: 24 }), fc.constantFrom(...TYPES), fc.uint8Array({ minLength: 10, maxLength: 80 }), fc.uint8Array({ maxLength: 200 }),
      (parts, type, data, ctx) => {
        const bytes = new Uint8Array(parts.length * 8 + 16);
        parts.forEach((p, i) => bytes.set(p, i * 8));
        bytes.set([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0], parts.length * 8); // r0 = 0; exit
        let insns;
        try { insns = decode(bytes); } catch (e) { expect(e).toBeInstanceOf(BpfError); return; }
        const spec: ProgramSpec = {
          name: 'fuzz', section: 'x', type, expectedAttachType: 0, attachTo: '', flags: 0, license: 'GPL', kernelVersion: 0,
          insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
        };
        try {
          const p = loadProgram(rt, spec);
          loaded++;
          try {
            p.run(type === ProgType.RAW_TRACEPOINT || type === ProgType.KPROBE ? { ctx: ctx.subarray(0, 96) } : { data });
          } finally { p.close(); }
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
        }
      }), { numRuns: 400, seed: 42 });
    expect(loaded).toBeGreaterThan(50);
  });
});

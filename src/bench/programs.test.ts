// The benchmark programs compute what an independent TypeScript computation says, on the
// interpreter (checked and unchecked) and on the kernel where available. No timings here.

import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { decode } from '../isa/insn.js';
import type { ProgramSpec } from '../loader/types.js';
import { loadProgram } from '../runtime/program.js';
import { Runtime } from '../runtime/runtime.js';
import { ProgType } from '../uapi/bpf.js';
import { kernelRun } from '../conformance/kernel.js';
import { describeKernel, pinDir } from '../../test/support/kernel.js';
import { BENCH_CASES, benchCode, benchPacket, referenceResult } from './programs.js';

const packet = benchPacket();
const spec = (code: Uint8Array): ProgramSpec => ({
  name: 'bench', section: 'xdp', type: ProgType.XDP, expectedAttachType: 0, attachTo: '', flags: 0, license: 'GPL',
  kernelVersion: 0, insns: decode(code), mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
}) as ProgramSpec;

describe('bench programs on the interpreter', () => {
  for (const c of BENCH_CASES) {
    it(c.name, () => {
      const p = loadProgram(new Runtime(), spec(benchCode(c)));
      const want = referenceResult(c.name, packet) >>> 0;
      expect(p.run({ data: packet, checked: true }).retval).toBe(want);
      expect(p.run({ data: packet, checked: false, repeat: 3 }).retval).toBe(want);
    });
  }
});

describeKernel('bench programs on the kernel', () => {
  // created when the tests run (not when they are collected, which happens when skipped too)
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => { pins = pinDir('bench'); });
  afterAll(() => pins?.remove());
  for (const c of BENCH_CASES) {
    it(c.name, () => {
      const r = kernelRun(benchCode(c), 'xdp', packet, pins.path, 1);
      expect(r.ok ? r.retval : r.error).toBe(referenceResult(c.name, packet) >>> 0);
    });
  }
});

// Soundness, fixed seed: random XDP programs built from plausible pieces (packet, stack and
// context pointers, bounds checks, ALU on scalars, loads and stores); every program the
// verifier accepts is run in checked mode on random packets and must never fault (no
// out-of-bounds access). VERIFIER_FUZZ_RUNS=N runs more.
import { describe, expect, test } from 'vitest';
import { BpfError } from '../errors.js';
import { assemble } from '../asm/assemble.js';
import type { ProgramSpec } from '../loader/types.js';
import { loadProgram } from '../runtime/program.js';
import { Runtime } from '../runtime/runtime.js';
import { ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';

let seed = 0x9e3779b9;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
}

const SIZES = ['u8', 'u16', 'u32', 'u64'];
const ALU = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>='];
const CMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's<', '&'];

function randomProgram(): string {
  const lines = ['r6 = r1', 'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = r10', 'r0 = 0', 'r5 = 0', 'r7 = 0', 'r8 = 0', 'r9 = 0'];
  const n = 6 + rnd(14);
  for (let i = 0; i < n; i++) {
    const left = n - i;
    switch (rnd(9)) {
      case 0: lines.push(`r${pick([0, 5, 7, 8, 9])} ${ALU[rnd(ALU.length)]} ${rnd(3) ? rnd(70) - 6 : rnd(1 << 20)}`); break;
      case 1: lines.push(`r${pick([0, 5, 7, 8, 9])} = r${pick([0, 2, 3, 4, 5, 7, 8, 9])}`); break;
      case 2: lines.push(`r${pick([2, 4, 5, 7, 8])} += ${rnd(40) - 20}`); break;
      case 3: lines.push(`r${pick([0, 5, 7, 8, 9])} = *(${SIZES[rnd(4)]} *)(r${pick([2, 4, 5, 7, 8])} ${pm(rnd(40) - 24)})`); break;
      case 4: lines.push(`*(${SIZES[rnd(4)]} *)(r${pick([2, 4, 5, 7, 8])} ${pm(rnd(40) - 24)}) = r${pick([0, 5, 7, 9])}`); break;
      case 5: lines.push(`if r${pick([2, 5, 7, 8])} ${CMP[rnd(CMP.length)]} r3 goto +${Math.min(rnd(4), left)}`); break;
      case 6: lines.push(`if r${pick([0, 5, 7, 8, 9])} ${CMP[rnd(CMP.length)]} ${rnd(64)} goto +${Math.min(rnd(4), left)}`); break;
      case 7: lines.push(`r${pick([2, 4, 5, 7, 8])} += r${pick([0, 5, 7, 8, 9])}`); break;
      default: lines.push(`r${pick([5, 7, 8])} = r${pick([2, 4])}`); break;
    }
  }
  lines.push('r0 = 0', 'exit');
  return lines.join('\n');
}
function pick<T>(a: readonly T[]): T { return a[rnd(a.length)]!; }
function pm(v: number): string { return v < 0 ? `- ${-v}` : `+ ${v}`; }

describe('soundness: accepted programs never fault', () => {
  test('random XDP programs', () => {
    const rt = new Runtime({ ncpus: 1 });
    rt.cpu.budget = 100_000;
    const runs = Number(process.env.VERIFIER_FUZZ_RUNS ?? 1500);
    let accepted = 0;
    for (let i = 0; i < runs; i++) {
      const text = randomProgram();
      const { insns } = assemble(text);
      const spec: ProgramSpec = {
        name: 'fuzz', section: 'xdp', type: ProgType.XDP, expectedAttachType: 0, attachTo: '', flags: 0, license: 'GPL',
        kernelVersion: 0, insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
      };
      // unprivileged rules: the checked interpreter also faults on reads of uninitialised stack
      const r = verifyProgram(spec, new Map(), { privileged: false });
      if (!r.ok) continue;
      accepted++;
      const p = loadProgram(rt, spec);
      try {
        for (let k = 0; k < 4; k++) {
          const data = new Uint8Array(14 + rnd(60)).map(() => rnd(256));
          try {
            p.run({ data });
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
            expect(e.code, `accepted program faulted: ${e.message}\n${text}`).not.toBe('RUN_OOB');
          }
        }
      } finally {
        p.close();
      }
    }
    expect(accepted).toBeGreaterThan(runs / 20);
  }, 300000);
});

// State eviction (the kernel's hit/miss heuristic): loops whose every iteration makes a new
// state must reach a verdict — convergence or the 1M-instruction limit — instead of piling
// states up at one instruction (both shapes below ran out of memory before the heuristic).
import { describe, expect, test } from 'vitest';
import { ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';
import { asmProgram } from './testing.js';

const run = (text: string) => {
  const { prog, maps } = asmProgram(text, { type: ProgType.XDP });
  return verifyProgram(prog, maps, { logLevel: 0 });
};

describe('state eviction', () => {
  test('a backward jump comparing a register with itself converges (the kernel accepts it too)', () => {
    const r = run([
      'r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 2', 'r0 = 1',
      'if r4 > r3 goto +5', 'r1 = *(u16 *)(r2 + 0)', 'r1 &= 0x3fff', 'r2 = 65',
      'if r1 > r1 goto -2', 'r0 = 2', 'exit',
    ].join('\n'));
    expect(r.ok).toBe(true);
    expect(r.stats.maxStatesPerInsn).toBeLessThanOrEqual(8);
  }, 60_000);

  test('a counted loop of 2^31 iterations stops at the 1M limit with the kernel message', () => {
    const r = run(['r7 = 0', 'r7 += 1', 'if r7 != 0x7fffffff goto -2', 'r0 = 0', 'exit'].join('\n'));
    expect(r.ok).toBe(false);
    expect(r.error?.message).toBe('BPF program is too large. Processed 1000001 insn');
  }, 120_000);
});

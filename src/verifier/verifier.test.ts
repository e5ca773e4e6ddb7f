// Golden verifier cases (src/verifier/cases.ts) against the kernel's verdicts and error
// texts captured in testdata/verifier/kernel-verdicts.json; with a kernel at hand, the
// captured verdicts are re-checked live (slow cases excepted).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CASES } from './cases.js';
import { verifyProgram } from './index.js';
import { asmProgram, kernelAvailable, kernelErrorText, kernelLoad, mapSpec } from './testing.js';

const KERNEL = JSON.parse(readFileSync(new URL('../../testdata/verifier/kernel-verdicts.json', import.meta.url), 'utf8')) as
  Record<string, { ok: boolean; errno: number; msg: string }>;
const SLOW = new Set(['too_large']);
const OURS_SLOW = process.env.TSBPF_SLOW ? new Set<string>() : SLOW;

function build(c: (typeof CASES)[number]) {
  return asmProgram(c.asm, { type: c.type, maps: (c.maps ?? []).map((m) => mapSpec(...m)), license: c.license });
}

describe('verifier golden cases', () => {
  for (const c of CASES) {
    test.skipIf(OURS_SLOW.has(c.name))(c.name, () => {
      const { prog, maps } = build(c);
      const r = verifyProgram(prog, maps, { logLevel: 1 });
      expect(r.ok ? 'accept' : 'reject', r.log.slice(-2000)).toBe(c.expect);
      if (!r.ok && c.code) expect(r.error!.code).toBe(c.code);
      expect(r.log).toMatch(/processed \d+ insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read 0\n$/);
      const k = KERNEL[c.name];
      expect(k, 'kernel verdict captured').toBeDefined();
      if (c.differs) return;
      expect(r.ok).toBe(k!.ok);
      if (!r.ok) expect(r.error!.message).toBe(k!.msg.trimEnd());
    }, 120000);
  }
});

describe.skipIf(!kernelAvailable())('kernel re-check (live)', () => {
  for (const c of CASES) {
    if (SLOW.has(c.name)) continue;
    test(c.name, () => {
      const { prog, maps } = build(c);
      const k = kernelLoad(prog, maps, 1)!;
      expect(k.ok).toBe(KERNEL[c.name]!.ok);
      if (!k.ok) expect(kernelErrorText(k.log).replace(/processed \d+ insns.*$/, '').trimEnd()).toBe(KERNEL[c.name]!.msg.trimEnd());
    });
  }
});

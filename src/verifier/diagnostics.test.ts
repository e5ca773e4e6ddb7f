// Every catalogued diagnostic has a kernel text, a hint and (where possible) a trigger
// program that makes the verifier stop with exactly that code; every code the verifier
// can raise is catalogued.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CASES } from './cases.js';
import { DIAGNOSTICS } from './diagnostics.js';
import { verifyProgram } from './index.js';
import { asmProgram, mapSpec } from './testing.js';

describe('diagnostics catalogue', () => {
  test('codes are unique and every raised code is catalogued', () => {
    const codes = DIAGNOSTICS.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    const dir = new URL('.', import.meta.url);
    const raised = new Set<string>();
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      const src = readFileSync(new URL(f, dir), 'utf8');
      for (const m of src.matchAll(/(?:fail\(env, |VerifierReject\()'([A-Z_0-9]+)'/g)) raised.add(m[1]!);
      for (const m of src.matchAll(/, '([A-Z_]+_ACCESS)'\)/g)) raised.add(m[1]!);
    }
    for (const c of raised) expect(codes, `code ${c} is raised but not catalogued`).toContain(c);
  });

  for (const d of DIAGNOSTICS) {
    if (d.noTrigger) continue;
    if (d.code === 'TOO_LARGE' && !process.env.TSBPF_SLOW) continue;
    test(`${d.code} fires`, () => {
      expect(d.template.length).toBeGreaterThan(0);
      expect(d.hint.length).toBeGreaterThan(0);
      let asm = d.trigger;
      let type = d.progType;
      let maps = d.maps?.map(([n, t, k, v, e, f]) => mapSpec(n, t, k, v, e, f ?? 0)) ?? [];
      let license: string | undefined;
      if (d.case) {
        const c = CASES.find((x) => x.name === d.case);
        expect(c, `case ${d.case}`).toBeDefined();
        asm = c!.asm; type = c!.type; license = c!.license;
        maps = (c!.maps ?? []).map((m) => mapSpec(...m));
      }
      const { prog, maps: m } = asmProgram(asm!, { type, maps, license });
      const r = verifyProgram(prog, m, { logLevel: 1, privileged: !d.unprivileged });
      expect(r.ok, r.log.slice(-1500)).toBe(false);
      expect(r.error!.code, r.log.slice(-1500)).toBe(d.code);
      if (d.unprivileged) expect(verifyProgram(prog, m, { privileged: true }).ok).toBe(true);
    }, 60000);
  }
});

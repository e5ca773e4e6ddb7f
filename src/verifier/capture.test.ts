// Regenerates testdata/verifier/kernel-verdicts.json from the running kernel (new cases
// only; CAPTURE_ALL=1 for all of them):
//   CAPTURE=1 npx vitest run src/verifier/capture.test.ts
// (skipped otherwise). Each case's verdict and error text as the kernel gives them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'vitest';
import { CASES } from './cases.js';
import { asmProgram, kernelAvailable, kernelErrorText, kernelLoad, mapSpec } from './testing.js';

test.skipIf(!process.env.CAPTURE || !kernelAvailable())('capture kernel verdicts', () => {
  const file = new URL('../../testdata/verifier/kernel-verdicts.json', import.meta.url);
  const out: Record<string, { ok: boolean; errno: number; msg: string }> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const c of CASES) {
    if (out[c.name] && !process.env.CAPTURE_ALL) continue;
    const { prog, maps } = asmProgram(c.asm, { type: c.type, maps: (c.maps ?? []).map((m) => mapSpec(...m)), license: c.license });
    const k = kernelLoad(prog, maps, 1)!;
    out[c.name] = { ok: k.ok, errno: k.errno, msg: k.ok ? '' : kernelErrorText(k.log).replace(/processed \d+ insns.*$/, '') };
  }
  const sorted = Object.fromEntries(CASES.filter((c) => out[c.name]).map((c) => [c.name, out[c.name]!]));
  writeFileSync(file, JSON.stringify(sorted, null, 1) + '\n');
}, 600000);

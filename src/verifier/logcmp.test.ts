// Log agreement with the kernel at levels 1 and 2 over the golden cases (normalised: map
// addresses, and the 6.18 lines we do not print: stack liveness, SCC), and agreement of the
// processed-instruction counts. Precision tracking's `mark_precise:` / `propagating` lines are
// compared (level 2 is also reported without them). A report, not a gate:
// VERIFIER_LOGCMP=1 npx vitest run src/verifier/logcmp.test.ts   (SHOW=<case><level> prints a diff)
import { test } from 'vitest';
import { writeSync } from 'node:fs';
import { CASES } from './cases.js';
import { verifyProgram } from './index.js';
import { asmProgram, kernelAvailable, kernelLoad, mapSpec } from './testing.js';
const norm = (s: string, dropPrecise = false) => s.split('\n').filter((l) => !/^ {3,}\d+: [.0-9]{10} /.test(l) &&
  !(dropPrecise && (l.startsWith('mark_precise') || l.startsWith('force_precise') || /^frame \d+: propagating /.test(l))) &&
  !l.startsWith('(0) ') && !l.startsWith('SCC ') && !/^ +\d+ +\d+: /.test(l)).join('\n').replace(/0xffff[0-9a-f]{12}/g, 'ADDR').trim();
const processed = (s: string) => /processed (\d+) insns/.exec(s)?.[1];
test.skipIf(!process.env.VERIFIER_LOGCMP || !kernelAvailable())('log agreement report', () => {
  let procSame = 0, procN = 0, noPrec = 0;
  for (const lvl of [1, 2]) {
    let same = 0, n = 0;
    for (const c of CASES) {
      if (c.name === 'too_large' || c.differs) continue;
      const { prog, maps } = asmProgram(c.asm, { type: c.type, maps: (c.maps ?? []).map((m) => mapSpec(...m)), license: c.license });
      const k = kernelLoad(prog, maps, lvl)!;
      const o = verifyProgram(prog, maps, { logLevel: lvl as 1 });
      n++;
      if (lvl === 2) {
        procN++;
        if (processed(k.log) === processed(o.log)) procSame++;
        else writeSync(2, `PROCESSED ${c.name}: kernel ${processed(k.log)} tsbpf ${processed(o.log)}\n`);
        if (norm(k.log, true) === norm(o.log, true)) noPrec++;
      }
      if (norm(k.log) === norm(o.log)) same++;
      else if (process.env.SHOW === c.name + lvl) writeSync(2, `--- ours\n${norm(o.log)}\n--- kernel\n${norm(k.log)}\n`);
      else writeSync(2, `DIFF L${lvl} ${c.name}\n`);
    }
    writeSync(2, `level ${lvl}: ${same}/${n} identical logs\n`);
  }
  writeSync(2, `level 2 without precision lines: ${noPrec}/${procN} identical; processed insns equal: ${procSame}/${procN}\n`);
}, 600000);

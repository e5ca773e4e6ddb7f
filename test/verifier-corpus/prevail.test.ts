// PREVAIL's YAML verifier tests (vbpf/ebpf-verifier test-data, fetched by
// scripts/corpus/prevail.sh into .corpus/prevail; skipped without it) as a corpus labelled by
// the running kernel. Each test is translated to a whole program (src/verifier/corpus/prevail.ts);
// the expressible ones were loaded into the kernel (6.18, root) and their verdict and first
// error line recorded in testdata/verifier/corpus/prevail/labels.json. Here tsbpf's verifier
// runs on the same programs and must agree with those labels, except for the differences listed
// in testdata/verifier/corpus/prevail/KNOWN-DIFFERENCES.md.
//
//   sh scripts/corpus/prevail.sh && npx vitest run test/verifier-corpus/prevail.test.ts
//   PREVAIL_LABEL=1 npx vitest run test/verifier-corpus/prevail.test.ts   # relabel with the kernel
//   PREVAIL_REPORT=1 ...                                                   # print every disagreement

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildPrevailProgram, type PrevailTest } from '../../src/verifier/corpus/prevail.js';
import { verifyProgram } from '../../src/verifier/index.js';
import { spawnSync } from 'node:child_process';
import { encode, type Insn } from '../../src/isa/insn.js';
import type { ProgramSpec } from '../../src/loader/types.js';
import type { MapSpec } from '../../src/maps/types.js';
import { kernelAvailable, kernelErrorText, type KernelVerdict } from '../../src/verifier/testing.js';
import { corpusPresent, loadPrevailTests } from './prevail/load.js';

const DATA = join(import.meta.dirname, '../../testdata/verifier/corpus/prevail');
const LABELS = join(DATA, 'labels.json');
const KNOWN = join(DATA, 'KNOWN-DIFFERENCES.md');

interface Verdict { verdict: 'accept' | 'reject'; message: string }
export interface Label {
  file: string;
  test: string;
  expressible: boolean;
  /** Why not (not expressible). */
  reason?: string;
  kernel?: Verdict;
  /** PREVAIL's own expectation: reject when the test lists messages. */
  prevail: 'accept' | 'reject';
  prevailMessage?: string;
}
interface LabelFile {
  source: string;
  kernel: string;
  figures: { tests: number; expressible: number; labelled: number; prevailAgreesWithKernel: number };
  labels: Label[];
}

const TOO_LARGE = /^BPF program is too large/;
const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
const key = (file: string, name: string): string => `${file} :: ${name}`;

function ours(t: PrevailTest): { built: ReturnType<typeof buildPrevailProgram>; v?: Verdict } {
  const built = buildPrevailProgram(t);
  if (!built.expressible) return { built };
  const r = verifyProgram(built.prog, built.maps, { logLevel: 1 });
  return { built, v: { verdict: r.ok ? 'accept' : 'reject', message: r.ok ? '' : firstLine(r.error?.message ?? '') } };
}

/** All programs through one run of scripts/verifier-kload.py (its batch mode). */
function kernelBatch(progs: Array<{ prog: ProgramSpec; maps: ReadonlyMap<string, MapSpec> }>): KernelVerdict[] {
  const reqs = progs.map(({ prog, maps }) => {
    const list = [...maps.values()];
    const index = new Map(list.map((m, i) => [m.name, i]));
    return {
      insns: Buffer.from(encode(prog.insns as Insn[])).toString('hex'), progType: prog.type, expectedAttachType: prog.expectedAttachType,
      logLevel: 1, logTail: 4096, license: 'GPL', progFlags: 0,
      maps: list.map((m) => ({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, name: m.name })),
      mapRefs: prog.mapRefs.map((r) => ({ insn: r.insn, map: index.get(r.map) ?? 0, kind: r.kind, offset: r.kind === 'map_value' ? r.offset : 0 })),
    };
  });
  const r = spawnSync('python3', [join(import.meta.dirname, '../../scripts/verifier-kload.py')], { input: JSON.stringify(reqs), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`kernel harness: ${r.stderr}`);
  return JSON.parse(r.stdout) as KernelVerdict[];
}

/** Known differences: lines `- \`file :: test\` ...` in the Open section of KNOWN-DIFFERENCES.md. */
function knownDifferences(): Set<string> {
  const out = new Set<string>();
  // only the "## Open" section lists tolerated differences (the "Fixed" one is history)
  const text = readFileSync(KNOWN, 'utf8');
  const open = /^## Open\s*$([\s\S]*?)(?=^## |$(?![\s\S]))/m.exec(text)?.[1] ?? '';
  for (const m of open.matchAll(/^[-*] `([^`]+ :: [^`]+)`/gm)) out.add(m[1]!);
  return out;
}

describe.skipIf(!corpusPresent())('PREVAIL test data labelled by the kernel', () => {
  const tests = corpusPresent() ? loadPrevailTests() : []; // the describe body is collected even when skipped

  test.runIf(process.env.PREVAIL_LABEL === '1' && kernelAvailable())('label with the running kernel', () => {
    const labels: Label[] = [];
    const built = tests.map((t) => buildPrevailProgram(t));
    const verdicts = kernelBatch(built.flatMap((b) => (b.expressible ? [{ prog: b.prog, maps: b.maps }] : [])));
    let next = 0;
    let prevailAgree = 0, compared = 0;
    for (const [n, t] of tests.entries()) {
      const b = built[n]!;
      const l: Label = { file: t.file, test: t.name, expressible: b.expressible, prevail: t.messages.length ? 'reject' : 'accept' };
      if (t.messages.length) l.prevailMessage = t.messages[0]!;
      if (!b.expressible) l.reason = b.reason;
      else {
        const k = verdicts[next++];
        if (!k) throw new Error(`kernel harness failed on ${key(t.file, t.name)}`);
        l.kernel = { verdict: k.ok ? 'accept' : 'reject', message: k.ok ? '' : firstLine(kernelErrorText(k.log)) };
        compared++;
        if (l.prevail === l.kernel.verdict) prevailAgree++;
      }
      labels.push(l);
    }
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    const out: LabelFile = {
      source: 'github.com/vbpf/ebpf-verifier test-data/*.yaml',
      kernel: release,
      figures: { tests: tests.length, expressible: labels.filter((l) => l.expressible).length, labelled: compared, prevailAgreesWithKernel: prevailAgree },
      labels,
    };
    writeFileSync(LABELS, `${JSON.stringify(out, null, 1)}\n`);
  });

  test('tsbpf agrees with the kernel labels', () => {
    const file = JSON.parse(readFileSync(LABELS, 'utf8')) as LabelFile;
    const byKey = new Map(file.labels.map((l) => [key(l.file, l.test), l]));
    const known = knownDifferences();
    let compared = 0, verdictAgree = 0, messageAgree = 0, slow = 0;
    const unlisted: string[] = [];
    const unsound: string[] = [];
    const report: string[] = [];
    for (const t of tests) {
      const l = byKey.get(key(t.file, t.name));
      if (!l) continue;
      // the kernel stops these at 1M instructions; tsbpf takes seconds each: TSBPF_SLOW=1 runs them
      if (l.kernel && TOO_LARGE.test(l.kernel.message) && process.env.TSBPF_SLOW !== '1') { slow++; continue; }
      const { built, v } = ours(t);
      expect(built.expressible, `${key(t.file, t.name)} expressible`).toBe(l.expressible);
      if (!l.expressible || !l.kernel || !v) continue;
      compared++;
      const k = key(t.file, t.name);
      if (v.verdict === l.kernel.verdict) verdictAgree++;
      else {
        report.push(`${k}: kernel ${l.kernel.verdict} (${l.kernel.message}), tsbpf ${v.verdict} (${v.message})`);
        if (!known.has(k)) unlisted.push(k);
        if (v.verdict === 'accept' && !known.has(k)) unsound.push(k);
        continue;
      }
      if (v.message === l.kernel.message) messageAgree++;
      else {
        report.push(`${k}: message: kernel "${l.kernel.message}", tsbpf "${v.message}"`);
        if (!known.has(k)) unlisted.push(k);
      }
    }
    if (process.env.PREVAIL_REPORT) console.log(`${file.figures.tests} tests, ${file.figures.expressible} expressible, ${slow} slow skipped, ${compared} compared, verdicts ${verdictAgree}, messages ${messageAgree}\n${report.join('\n')}`);
    expect(unsound, 'tsbpf accepts what the kernel rejected').toEqual([]);
    expect(unlisted, 'disagreements not in KNOWN-DIFFERENCES.md').toEqual([]);
    expect(compared + slow).toBe(file.figures.labelled);
    expect(verdictAgree).toBeGreaterThanOrEqual(RECORDED.verdictAgree);
    expect(messageAgree).toBeGreaterThanOrEqual(RECORDED.messageAgree);
  });
});

/** The figures this test guarantees (raise them when a fix improves agreement). */
const RECORDED = { verdictAgree: 654, messageAgree: 654 };

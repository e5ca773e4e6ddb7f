// Against the public bpf_conformance suite, where its runner has been built
// (scripts/conformance.sh; RUNNER_DIR, default /tmp/bpf_conformance): every test file parses,
// our conformance-dialect assembler produces the same bytes as the suite's own `bpf_asm`,
// our disassembly of those bytes reassembles to the same bytes with `bpf_asm`, and the
// interpreter gives each file's expected result. Skipped cleanly when the suite is absent.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { disassemble } from '../asm/disasm.js';
import { caseProgram, parseDataFile } from './data.js';
import { outcomeMatches, runCase } from './run.js';

const DIR = process.env.RUNNER_DIR ?? '/tmp/bpf_conformance';
const TESTS = join(DIR, 'build/tests');
const BPF_ASM = join(DIR, 'build/bin/bpf_asm');
const present = existsSync(TESTS) && existsSync(BPF_ASM);
const files = present ? readdirSync(TESTS).filter((f) => f.endsWith('.data')).sort() : [];

function theirAsm(text: string): string {
  // the suite's test parser strips comments before its assembler sees the text
  const input = text.split('\n').map((l) => l.replace(/#.*/, '')).join('\n');
  const r = spawnSync(BPF_ASM, ['--stdin'], { input, encoding: 'utf8' });
  if (r.status !== 0) return `bpf_asm error: ${r.stderr.trim()}`;
  return r.stdout.trim().replace(/\s+/g, ' ');
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe.skipIf(!present)(`bpf_conformance suite files (${TESTS})`, () => {
  it('all 313 parse, assemble, and run as expected', () => {
    const bad: string[] = [];
    let all = new Uint8Array();
    for (const f of files) {
      const c = parseDataFile(readFileSync(join(TESTS, f), 'utf8'), f);
      const ours = caseProgram(c);
      const next = new Uint8Array(all.length + ours.length);
      next.set(all); next.set(ours, all.length); all = next;
      const o = runCase(c);
      if (!outcomeMatches(c, o)) bad.push(`${f}: ${o.ok ? `r0 = 0x${o.r0.toString(16)}` : o.error}, expected ${c.error ?? `0x${c.result!.toString(16)}`}`);
    }
    expect(bad).toEqual([]);
    expect(files.length).toBe(313);
    // the suite's own assembler reads our disassembly of all of them back to the same bytes
    expect(theirAsm(disassemble(all, { dialect: 'conformance' }))).toBe(hex(all));
  });

  it('our assembler agrees with bpf_asm on a sample of the files', () => {
    const bad: string[] = [];
    for (const f of files.filter((_, i) => i % 16 === 0)) {
      const c = parseDataFile(readFileSync(join(TESTS, f), 'utf8'), f);
      if (c.asm === undefined || c.raw) continue;
      const theirs = theirAsm(c.asm);
      if (hex(caseProgram(c)) !== theirs) bad.push(`${f}: assembles to ${hex(caseProgram(c))}, bpf_asm to ${theirs}`);
    }
    expect(bad).toEqual([]);
  });
});

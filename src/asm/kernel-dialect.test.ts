// The kernel dialect against the kernel's own verifier log: two programs covering the
// instruction forms the verifier accepts (testdata/golden/kernel-dialect*.s) are loaded with
// `bpftool -d prog load`; each `N: (op) text` line of the log must equal formatInsnKernel.
// The log lines are kept in testdata/golden/kernel-dialect.log so the comparison also runs
// without a kernel (TSBPF_UPDATE_GOLDEN=1 rewrites them from the live kernel).

import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpftool, describeKernel, pinDir } from '../../test/support/kernel.js';
import { assemble } from './assemble.js';
import { formatInsnKernel } from './disasm.js';
import { programObject } from './elf-writer.js';

const GOLDEN = fileURLToPath(new URL('../../testdata/golden/', import.meta.url));
const PROGRAMS = [
  { file: 'kernel-dialect.s', section: 'xdp' },
  { file: 'kernel-dialect-socket.s', section: 'socket' },
];

function insnsOf(file: string) {
  return assemble(readFileSync(GOLDEN + file, 'utf8'), { file }).insns;
}

/** `N: (op) text` lines of a verifier log, without the register-state comments. */
function logLines(log: string): Array<{ pc: number; text: string }> {
  const out: Array<{ pc: number; text: string }> = [];
  for (const line of log.split('\n')) {
    const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+;.*)?$/.exec(line);
    if (m) out.push({ pc: Number(m[1]), text: m[2]! });
  }
  return out;
}

function compare(file: string, lines: Array<{ pc: number; text: string }>): void {
  const byPc = new Map(insnsOf(file).map((i) => [i.pc, i]));
  const bad = lines.filter((l) => formatInsnKernel(byPc.get(l.pc)!) !== l.text)
    .map((l) => `${l.pc}: want ${JSON.stringify(l.text)} got ${JSON.stringify(formatInsnKernel(byPc.get(l.pc)!))}`);
  expect(bad).toEqual([]);
  expect(lines.length).toBeGreaterThan(5);
}

describe('kernel dialect vs the verifier log', () => {
  it('matches the golden log lines', () => {
    const text = readFileSync(GOLDEN + 'kernel-dialect.log', 'utf8');
    for (const p of PROGRAMS) {
      const block = text.split(`== ${p.file}\n`)[1]?.split('\n== ')[0] ?? '';
      compare(p.file, logLines(block));
    }
  });
});

describeKernel('kernel dialect vs the live verifier log', () => {
  // created when the tests run (not when they are collected, which happens when skipped too)
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => { pins = pinDir('kdialect'); });
  afterAll(() => pins?.remove());
  it('every instruction the verifier prints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kd-'));
    const golden: string[] = [];
    try {
      for (const p of PROGRAMS) {
        const obj = join(dir, 'p.o');
        writeFileSync(obj, programObject(assemble(readFileSync(GOLDEN + p.file, 'utf8')).bytes, { section: p.section }));
        const r = bpftool(['-d', 'prog', 'load', obj, `${pins.path}/${p.section}`]);
        expect(r.status, r.stderr.slice(-2000)).toBe(0);
        const lines = logLines(r.stderr + r.stdout);
        compare(p.file, lines);
        golden.push(`== ${p.file}`, ...lines.map((l) => `${l.pc}: ${l.text}`));
      }
      if (process.env.TSBPF_UPDATE_GOLDEN) writeFileSync(GOLDEN + 'kernel-dialect.log', golden.join('\n') + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

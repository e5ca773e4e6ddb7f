#!/usr/bin/env node
// Run a directory of `.data` cases on the real kernel with tsbpf's harness (src/conformance/
// kernel.ts) and compare with their expected results and with our interpreter:
//
//   node dist/conformance/kernel-suite.js DIR [-v]
//
// Needs root, bpftool and bpffs; pins live under /sys/fs/bpf/tsbpf-suite-PID and are removed.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isBpfError } from '../errors.js';
import { parseDataFile } from './data.js';
import { runCaseOnKernel } from './kernel.js';
import { outcomeMatches, runCase } from './run.js';

function main(argv: string[]): number {
  const dir = argv.find((a) => !a.startsWith('-'));
  const verbose = argv.includes('-v');
  if (!dir) { process.stderr.write('usage: kernel-suite DIR [-v]\n'); return 2; }
  const pinRoot = `/sys/fs/bpf/tsbpf-suite-${process.pid}`;
  mkdirSync(pinRoot, { recursive: true });
  const counts = { agree: 0, differ: 0, refused: 0, skipped: 0, interpAgree: 0 };
  const notes: string[] = [];
  try {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.data')).sort()) {
      let c;
      try { c = parseDataFile(readFileSync(join(dir, f), 'utf8'), f); } catch (e) { notes.push(`${f}: ${isBpfError(e) ? e.message : String(e)}`); counts.skipped++; continue; }
      const k = runCaseOnKernel(c, pinRoot);
      const mine = runCase(c);
      if (outcomeMatches(c, mine)) counts.interpAgree++;
      let line: string;
      if ('skip' in k) { counts.skipped++; line = `SKIP   ${f}: ${k.skip}`; }
      else if (!k.ok) {
        if (c.error !== undefined) { counts.agree++; line = `AGREE  ${f}: refused, as expected`; }
        else { counts.refused++; line = `REFUSE ${f}: ${k.error}`; }
      } else if (c.error === undefined && k.r0 === c.result) { counts.agree++; line = `AGREE  ${f}`; }
      else { counts.differ++; line = `DIFFER ${f}: kernel 0x${k.r0.toString(16)}, expected ${c.error !== undefined ? 'an error' : '0x' + c.result!.toString(16)}`; }
      if (verbose || !line.startsWith('AGREE')) notes.push(line);
    }
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
  }
  const total = counts.agree + counts.differ + counts.refused + counts.skipped;
  process.stdout.write(notes.join('\n') + (notes.length ? '\n' : ''));
  process.stdout.write(`kernel: ${counts.agree} of ${total} agree with the expected results, ${counts.differ} differ, ` +
    `${counts.refused} refused by the kernel, ${counts.skipped} not expressible; interpreter: ${counts.interpAgree} of ${total}\n`);
  return counts.differ === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));

// `tsbpf disasm x.o` (objdumpElf) against `llvm-objdump -d` on every clang-built object in the
// repository (examples/, testdata/), in two spellings. Without llvm the comparison runs
// against testdata/golden/objdump-objects.json (sha256 of llvm's output per object, keyed by
// the object's own sha256, so objects rebuilt since are skipped, not failed);
// TSBPF_UPDATE_GOLDEN=1 rewrites it.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { objdumpElf } from './disasm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = join(ROOT, 'testdata/golden/objdump-objects.json');
const LLVM_OBJDUMP = '/usr/lib/llvm-19/bin/llvm-objdump';

function objects(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...objects(p));
    else if (e.endsWith('.o')) out.push(p);
  }
  return out;
}

const FILES = [...objects(join(ROOT, 'examples')), ...objects(join(ROOT, 'testdata'))].map((p) => relative(ROOT, p)).sort();
const MODES = [
  { name: 'default', args: [] as string[], opts: { hex: true } },
  { name: 'v4-dec', args: ['--mcpu=v4', '--no-print-imm-hex'], opts: { hex: false, alu32: true } },
];
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

type Golden = Record<string, { object: string; outputs: Record<string, string> }>;

describe('disassembly of clang objects', () => {
  it.skipIf(!existsSync(LLVM_OBJDUMP))('equals llvm-objdump -d (live)', () => {
    const golden: Golden = {};
    const bad: string[] = [];
    for (const f of FILES) {
      const bytes = readFileSync(join(ROOT, f));
      golden[f] = { object: sha(bytes), outputs: {} };
      for (const m of MODES) {
        const r = spawnSync(LLVM_OBJDUMP, ['-d', ...m.args, f], { cwd: ROOT, encoding: 'utf8' });
        if (r.status !== 0) continue;
        golden[f]!.outputs[m.name] = sha(r.stdout);
        const ours = objdumpElf(bytes, f, m.opts);
        if (ours !== r.stdout) {
          const w = r.stdout.split('\n'), g = ours.split('\n');
          let i = 0;
          while (w[i] === g[i]) i++;
          bad.push(`${f} (${m.name}) line ${i + 1}: want ${JSON.stringify(w[i])} got ${JSON.stringify(g[i])}`);
        }
      }
    }
    expect(bad).toEqual([]);
    if (process.env.TSBPF_UPDATE_GOLDEN) writeFileSync(GOLDEN, JSON.stringify(golden, null, 1) + '\n');
  });

  it('equals the recorded llvm-objdump output (no llvm needed)', () => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;
    let compared = 0;
    for (const [f, g] of Object.entries(golden)) {
      const p = join(ROOT, f);
      if (!existsSync(p)) continue;
      const bytes = readFileSync(p);
      if (sha(bytes) !== g.object) continue; // rebuilt since the golden was recorded
      for (const m of MODES) {
        if (!g.outputs[m.name]) continue;
        expect(sha(objdumpElf(bytes, f, m.opts)), `${f} (${m.name})`).toBe(g.outputs[m.name]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

// Verification time (issue: the verifier no slower than the kernel's): src/verifier on the
// example objects against the kernel's own figure for the same object, the `verification
// time N usec` line bpftool -d gets from BPF_PROG_LOAD (log level 4), summed over programs.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseObject } from '../loader/index.js';
import type { MapSpec } from '../maps/types.js';
import { verifyProgram } from '../verifier/index.js';

export interface VerifyRow {
  object: string;
  programs: number;
  processed: number;
  oursUs: number;
  kernelUs?: number;
}

const OBJECTS = [
  'examples/proto_count.o', 'examples/flow_table.o', 'examples/lpm_firewall.o', 'examples/sock_filter.o', 'examples/tc_rewrite.o',
  'testdata/verifier/xdp_parse.o', 'testdata/verifier/loops.o',
];

function repoPath(rel: string): string {
  return fileURLToPath(new URL(`../../${rel}`, import.meta.url));
}

/** Best-of time in µs for verifying every program of the object; undefined when one is refused. */
function ours(bytes: Uint8Array, name: string, totalMs: number): { us: number; programs: number; processed: number } | undefined {
  const spec = parseObject(bytes, { name });
  const maps = new Map<string, MapSpec>(spec.maps.map((m) => [m.name, m]));
  let processed = 0;
  for (const p of spec.programs) {
    const r = verifyProgram(p, maps, { logLevel: 0 });
    if (!r.ok) return undefined;
    processed += r.stats.processed;
  }
  let best = Infinity;
  const end = Date.now() + totalMs;
  do {
    const t0 = process.hrtime.bigint();
    for (const p of spec.programs) verifyProgram(p, maps, { logLevel: 0 });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000);
  } while (Date.now() < end);
  return { us: best, programs: spec.programs.length, processed };
}

/** The kernel's verification time for the object (µs, summed over its programs), best of `trials` loads. */
function kernel(path: string, pinRoot: string, trials: number): number | undefined {
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const dir = `${pinRoot}/verify-${t}`;
    const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', path, dir], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) return undefined;
    const times = [...`${r.stdout}\n${r.stderr}`.matchAll(/verification time (\d+) usec/g)].map((m) => Number(m[1]));
    if (times.length) best = Math.min(best, times.reduce((a, b) => a + b, 0));
  }
  return best === Infinity ? undefined : best;
}

export function verifyRows(opts: { pinRoot?: string; totalMs: number; trials: number }): VerifyRow[] {
  const rows: VerifyRow[] = [];
  for (const rel of OBJECTS) {
    const path = repoPath(rel);
    const name = basename(rel, '.o');
    const o = ours(new Uint8Array(readFileSync(path)), name, opts.totalMs);
    if (!o) continue;
    const row: VerifyRow = { object: rel, programs: o.programs, processed: o.processed, oursUs: o.us };
    if (opts.pinRoot) {
      const k = kernel(path, opts.pinRoot, opts.trials);
      if (k !== undefined) row.kernelUs = k;
    }
    rows.push(row);
  }
  return rows;
}

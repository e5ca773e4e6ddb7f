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
import { CORPUS_PARSE_OPTIONS, guessProgType, kernelAvailable, kernelLoad, linkLegacyInnerMaps } from '../verifier/testing.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface VerifyRow {
  object: string;
  programs: number;
  processed: number;
  oursUs: number;
  kernelUs?: number;
  /** The kernel's processed-instruction count (big-program rows). */
  kernelProcessed?: number;
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

/**
 * Big real-world programs (Cilium, from the vbpf/ebpf-samples corpus that
 * scripts/corpus/ebpf-samples.sh fetches into .corpus/; third-party, never committed), one
 * program each: verified once by tsbpf, and by the kernel at log level 4 through the
 * libbpf-like harness the corpus test uses (bpftool cannot load these iproute2-style
 * objects). No rows when the corpus is absent.
 */
const BIG = [
  ['cilium-core/bpf_lxc.o', 'tail_handle_ipv4'],
  ['cilium-core/bpf_overlay.o', 'tail_handle_ipv4'],
  ['cilium/bpf_xdp_snat_linux.o', 'tail_lb_ipv6'],
  ['cilium-core/bpf_host.o', 'cil_to_netdev'],
] as const;

export function bigProgramRows(opts: { kernel: boolean }): VerifyRow[] {
  const root = join(process.env.TSBPF_CORPUS_DIR ?? repoPath('.corpus'), 'ebpf-samples');
  if (!existsSync(root)) return [];
  const rows: VerifyRow[] = [];
  for (const [file, name] of BIG) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const spec = parseObject(new Uint8Array(readFileSync(path)), { name: basename(file, '.o'), ...CORPUS_PARSE_OPTIONS });
    linkLegacyInnerMaps(spec);
    const p = spec.programs.find((x) => x.name === name);
    if (!p) continue;
    const prog = { ...p, type: guessProgType(p, spec, file) as typeof p.type };
    const maps = new Map<string, MapSpec>(spec.maps.map((m) => [m.name, m]));
    const t0 = process.hrtime.bigint();
    const r = verifyProgram(prog, maps, { logLevel: 0 });
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (!r.ok) continue;
    const row: VerifyRow = { object: `${file}:${name}`, programs: 1, processed: r.stats.processed, oursUs: us };
    if (opts.kernel && kernelAvailable()) {
      const k = kernelLoad(prog, maps, 4, { btf: spec.btf });
      const t = k?.ok ? /verification time (\d+) usec/.exec(k.log) : null;
      if (t) { row.kernelUs = Number(t[1]); row.kernelProcessed = Number(/processed (\d+) insns/.exec(k!.log)?.[1] ?? 0); }
    }
    rows.push(row);
  }
  return rows;
}

// Map-heavy bench cases: programs of testdata/bench/map_bench.o (C source beside it) that do
// hash lookups/updates/deletes and an LPM lookup per packet, loaded with their maps, run by
// our interpreter (checked and unchecked) and by the kernel (`bpftool prog loadall` with the
// maps pinned, then `bpftool prog run ... repeat N`). The programs populate their maps on the
// first run, so both sides do the same map work on every later run.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseObject } from '../loader/index.js';
import { loadCollection } from '../runtime/collection.js';
import type { Collection, LoadedProgram } from '../runtime/types.js';

export interface MapCase {
  name: string;
  /** Program (function) name in map_bench.o. */
  prog: string;
  /** Expected XDP return value on the bench packet. */
  expect: number;
}

export const MAP_CASES: readonly MapCase[] = [
  { name: 'hash lookup + 3 updates', prog: 'hash_flow', expect: 2 },
  { name: 'lpm lookup (16 prefixes)', prog: 'lpm_route', expect: 2 },
];

/** Path of the committed benchmark object (from src/bench or dist/bench). */
export function mapBenchPath(): string {
  return fileURLToPath(new URL('../../testdata/bench/map_bench.o', import.meta.url));
}

/** The benchmark object loaded into a fresh runtime (maps created empty). */
export function loadMapBench(): Collection {
  return loadCollection(parseObject(new Uint8Array(readFileSync(mapBenchPath())), { name: 'map_bench' }));
}

export function mapCaseProgram(coll: Collection, c: MapCase): LoadedProgram {
  const p = coll.programs[c.prog];
  if (!p) throw new Error(`map_bench.o has no program ${c.prog}`);
  return p;
}

function bpftool(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** The object loaded into the kernel: programs pinned under `dir`/p, maps under `dir`/m. Returns an error text or undefined. */
export function kernelLoadMapBench(dir: string): string | undefined {
  const r = bpftool(['prog', 'loadall', mapBenchPath(), `${dir}/p`, 'pinmaps', `${dir}/m`]);
  return r.status === 0 ? undefined : (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
}

/** One `bpftool prog run` of a pinned program: retval and the kernel's average duration. */
export function kernelMapRun(dir: string, prog: string, packet: Uint8Array, repeat: number): { ok: true; retval: number; duration: number } | { ok: false; error: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-mb-'));
  try {
    const data = join(tmp, 'data');
    writeFileSync(data, packet);
    const r = bpftool(['-j', 'prog', 'run', 'pinned', `${dir}/p/${prog}`, 'data_in', data, 'repeat', String(repeat)]);
    if (r.status !== 0) return { ok: false, error: (r.stderr || r.stdout).trim() };
    const j = JSON.parse(r.stdout) as { retval: number; duration: number };
    return { ok: true, retval: j.retval >>> 0, duration: j.duration };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A bench table row (the shape of main.ts's rows). */
export interface MapRow {
  name: string;
  insns: number;
  checkedNs: number;
  uncheckedNs: number;
  kernelNs?: number;
  retval: number;
  kernelRetval?: number;
  reference: number;
}

export interface MapRowOptions {
  packet: Uint8Array;
  /** ns per run of a batch function (main.ts's measure with its batch and total times). */
  measure: (runBatch: (n: number) => void) => number;
  totalMs: number;
  trials: number;
  /** bpffs directory for the kernel side, undefined without a kernel. */
  pinRoot?: string;
  /** Called with the reason when the kernel side fails. */
  kernelNote?: (note: string) => void;
}

export function mapCaseRows(o: MapRowOptions): MapRow[] {
  const rows: MapRow[] = [];
  const coll = loadMapBench();
  let kdir: string | undefined;
  if (o.pinRoot) {
    kdir = `${o.pinRoot}/map_bench`;
    mkdirSync(kdir, { recursive: true });
    const err = kernelLoadMapBench(kdir);
    if (err) { o.kernelNote?.(`kernel refused map_bench.o: ${err}`); kdir = undefined; }
  }
  for (const c of MAP_CASES) {
    const p = mapCaseProgram(coll, c);
    const first = p.run({ data: o.packet }); // populates the maps
    const r2 = p.run({ data: o.packet });
    const insns = coll.runtime.cpu.executed;
    const checkedNs = o.measure((n) => p.run({ data: o.packet, repeat: n, checked: true }));
    const uncheckedNs = o.measure((n) => p.run({ data: o.packet, repeat: n, checked: false }));
    const row: MapRow = { name: c.name, insns, checkedNs, uncheckedNs, retval: first.retval === r2.retval ? r2.retval : first.retval, reference: c.expect };
    if (kdir) {
      const probe = kernelMapRun(kdir, c.prog, o.packet, 1000);
      if (!probe.ok) o.kernelNote?.(`kernel run of ${c.prog} failed: ${probe.error}`);
      else {
        const repeat = Math.min(50_000_000, Math.max(1000, Math.round((o.totalMs / 10 * 1e6) / Math.max(1, probe.duration))));
        let best = Infinity;
        for (let t = 0; t < Math.min(o.trials, 3); t++) {
          const r = kernelMapRun(kdir, c.prog, o.packet, repeat);
          if (r.ok) { best = Math.min(best, r.duration); row.kernelRetval = r.retval; }
        }
        if (best !== Infinity) row.kernelNs = best;
      }
    }
    rows.push(row);
  }
  return rows;
}

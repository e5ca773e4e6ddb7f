// Program-side map semantics against the kernel: testdata/maps/maps_rt.o loaded by bpftool
// and by tsbpf, the same XDP test runs (each packet is one map operation), then every
// return value and the final map dumps (in iteration order: the maps use BPF_F_ZERO_SEED)
// compared. Runs on CPU 0 in both (LRU eviction depends on the CPU). Skips without a kernel.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bpftool, bpftoolJson, describeKernel, kernel, pinDir } from '../../test/support/kernel.js';
import { parseObject } from '../loader/index.js';
import { loadCollection } from '../runtime/collection.js';
import { Runtime } from '../runtime/runtime.js';
import type { Collection } from '../runtime/types.js';

const obj = new URL('../../testdata/maps/maps_rt.o', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-maps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function possibleCpus(): number {
  try {
    const s = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    return s.split(',').reduce((n, r) => { const [a, b] = r.split('-').map(Number); return n + (b === undefined ? 1 : b! - a! + 1); }, 0);
  } catch { return 1; }
}

type Run = [prog: string, bytes: number[]];

function packet(bytes: number[]): Uint8Array {
  const p = new Uint8Array(64);
  p.set(bytes);
  return p;
}

function kernelRun(pin: string, data: Uint8Array): string {
  const din = join(tmp, 'din');
  writeFileSync(din, data);
  const args = ['prog', 'run', 'pinned', pin, 'data_in', din, 'repeat', '1'];
  const p = hasTaskset ? spawnSync('taskset', ['-c', '0', 'bpftool', ...args], { encoding: 'utf8' }) : bpftool(args);
  if (p.status !== 0) return 'error: ' + (p.stderr || p.stdout).trim();
  return /Return value: (\d+)/.exec(p.stdout)?.[1] ?? 'no retval';
}

function ourRun(c: Collection, prog: string, data: Uint8Array): string {
  try {
    return String(c.programs[prog]!.run({ data, repeat: 1 } as never).retval >>> 0);
  } catch (e) {
    return 'error: ' + (e as Error).message;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function kernelDump(path: string): string[] {
  const d = bpftoolJson<Array<{ key: string[]; value?: string[]; values?: Array<{ value: string[] }> }>>(['map', 'dump', 'pinned', path]);
  const h = (a: string[]): string => a.map((x) => x.slice(2)).join('');
  return d.map((e) => `${h(e.key)}=${e.values ? e.values.map((v) => h(v.value)).join('|') : h(e.value!)}`);
}

function ourDump(c: Collection, name: string): string[] {
  const m = c.maps[name]!;
  const percpu = [5, 6, 10].includes(m.spec.type);
  const vs = m.spec.valueSize, stride = (vs + 7) & ~7;
  const fmt = (v: Uint8Array): string => {
    if (!percpu) return hex(v);
    const parts: string[] = [];
    for (let o = 0; o < v.length; o += stride) parts.push(hex(v.subarray(o, o + vs)));
    return parts.join('|');
  };
  const out: string[] = [];
  for (let k = m.nextKey(null); k; k = m.nextKey(k)) out.push(`${hex(k)}=${fmt(m.lookup(k))}`);
  return out;
}

function differential(runs: Run[], maps: string[]): string[] {
  const pins = pinDir('maps-progs');
  const mapPins = pinDir('maps-progs-m');
  try {
    const l = bpftool(['prog', 'loadall', obj, pins.path, 'pinmaps', mapPins.path]);
    if (l.status !== 0) return [`bpftool loadall: ${l.stderr}`];
    const coll = loadCollection(parseObject(new Uint8Array(readFileSync(obj)), { name: 'maps_rt' } as never), { runtime: new Runtime({ ncpus: possibleCpus() }) } as never);
    const diffs: string[] = [];
    runs.forEach(([prog, bytes], i) => {
      const data = packet(bytes);
      const k = kernelRun(join(pins.path, prog), data);
      const o = ourRun(coll, prog, data);
      if (k !== o) diffs.push(`run ${i} ${prog}(${bytes.join(',')}): kernel ${k}, ours ${o}`);
      if (process.env.TSBPF_VERBOSE) console.log(prog, bytes.slice(0, 4).join(','), k);
    });
    for (const m of maps) {
      const k = kernelDump(join(mapPins.path, m)), o = ourDump(coll, m);
      if (process.env.TSBPF_VERBOSE) console.log(m, k.length, k.join(' '));
      if (k.join(' ') !== o.join(' ')) diffs.push(`map ${m}:\n kernel ${k.join(' ')}\n ours   ${o.join(' ')}`);
    }
    coll.close();
    return diffs;
  } finally {
    pins.remove();
    mapPins.remove();
  }
}

function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 2 ** 32; };
}

describeKernel('program-side map operations vs the kernel (bpftool prog run)', () => {
  it.runIf(hasTaskset)('hash (pointer writes, flags, E2BIG), for_each order, LRU with program lookups (reference bits)', () => {
    const r = rng(3);
    const runs: Run[] = [];
    for (let i = 0; i < 60; i++) {
      const op = r() < 0.55 ? 1 : r() < 0.6 ? 0 : 2, key = Math.floor(r() * 14);
      runs.push(['hash_op', [op, key, i, op === 1 && r() < 0.3 ? 1 + Math.floor(r() * 2) : 0]]);
    }
    runs.push(['walk', []]);
    for (let i = 0; i < 120; i++) {
      const x = r();
      const key = Math.floor(r() * 40);
      runs.push(['lru_op', x < 0.45 ? [0, key] : x < 0.9 ? [1, key, i & 0xff, x < 0.5 ? 2 : 0] : [2, key]]);
    }
    expect(differential(runs, ['hash', 'order', 'lru'])).toEqual([]);
  });

  it.runIf(hasTaskset)('LPM trie lookups/updates/deletes and queue/stack push/pop/peek from programs', () => {
    const r = rng(9);
    const runs: Run[] = [];
    for (let i = 0; i < 70; i++) {
      const op = r() < 0.5 ? 1 : r() < 0.6 ? 0 : 2;
      const plen = op === 0 ? 32 : [0, 8, 16, 20, 24, 32, 33][Math.floor(r() * 7)]!;
      runs.push(['lpm_op', [op, plen, i, 0, 10, Math.floor(r() * 4) * 16, Math.floor(r() * 3), 1]]);
    }
    for (let i = 0; i < 40; i++) {
      const stack = r() < 0.5 ? 1 : 0;
      const x = r();
      runs.push(['queue_op', x < 0.5 ? [0, stack, i, x < 0.1 ? 2 : x < 0.15 ? 1 : 0] : x < 0.8 ? [1, stack] : [2, stack]]);
    }
    expect(differential(runs, ['lpm'])).toEqual([]);
  });

  it.runIf(hasTaskset)('ring buffer accounting (output, reserve/submit/discard until full, query) and per-CPU maps', () => {
    const runs: Run[] = [];
    for (let i = 0; i < 6; i++) runs.push(['rb_op', [0, (i * 13) & 63, i, i === 3 ? 4 : 0]], ['rb_op', [2, i % 4]]);
    for (let i = 0; i < 6; i++) runs.push(['rb_op', [1, i, i & 1]], ['rb_op', [2, 0]], ['rb_op', [2, 3]]);
    runs.push(['rb_op', [0, 63, 1, 0]], ['rb_op', [2, 1]], ['rb_op', [2, 2]]);
    for (let i = 0; i < 10; i++) runs.push(['pcpu_op', [0, i, i * 3]], ['pcpu_op', [1, i, i % 3]]);
    for (let i = 0; i < 10; i++) runs.push(['pcpu_op', [2, i, i + 1, i % 3]], ['pcpu_op', [3, i, i % 2]]);
    expect(differential(runs, ['pcpu', 'pch'])).toEqual([]);
  });

  it.runIf(hasTaskset)('array of maps and hash of maps: programs reach inner maps through the outer map', () => {
    const runs: Run[] = [];
    for (let i = 0; i < 24; i++) runs.push(['mim_op', [i % 2, i % 2 ? (i % 8 < 4 ? 2 : 3) : (i >> 1) % 3, (i * 3) % 5, i + 1]]);
    expect(differential(runs, ['in0', 'in1'])).toEqual([]);
  });
});

it('kernel probe', () => { expect(typeof kernel.available).toBe('boolean'); });

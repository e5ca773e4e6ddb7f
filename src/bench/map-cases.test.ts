// The map bench programs do what the bench says (retval, map contents after N runs), on the
// interpreter checked and unchecked, and the kernel ends with the same maps. No timings here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpftoolJson, describeKernel, pinDir } from '../../test/support/kernel.js';
import { benchPacket } from './programs.js';
import { kernelLoadMapBench, kernelMapRun, loadMapBench, MAP_CASES, mapCaseProgram } from './map-cases.js';

const packet = benchPacket();
const u64 = (b: Uint8Array, off: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);

/** Our maps after `n` runs of every case: flow packets/bytes, number of routes, the hit counters. */
function ourState(n: number, checked: boolean): { flows: number; packets: bigint; bytes: bigint; routes: number; hits: bigint } {
  const coll = loadMapBench();
  for (const c of MAP_CASES) {
    const p = mapCaseProgram(coll, c);
    expect(p.run({ data: packet, checked }).retval).toBe(c.expect);
    if (n > 1) expect(p.run({ data: packet, checked, repeat: n - 1 }).retval).toBe(c.expect);
  }
  const flows = [...coll.maps.flows!.keys()];
  const v = coll.maps.flows!.lookup(flows[0]!);
  let hits = 0n;
  for (let i = 0; i < 64; i++) hits += u64(coll.maps.hits!.lookup(new Uint8Array([i, 0, 0, 0])), 0);
  return { flows: flows.length, packets: u64(v, 0), bytes: u64(v, 8), routes: [...coll.maps.routes!.keys()].length, hits };
}

describe('map bench programs on the interpreter', () => {
  for (const checked of [true, false]) {
    it(checked ? 'checked' : 'unchecked', () => {
      expect(ourState(5, checked)).toEqual({ flows: 1, packets: 5n, bytes: 1500n, routes: 16, hits: 5n });
    });
  }
});

describeKernel('map bench programs on the kernel', () => {
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => { pins = pinDir('mapbench'); });
  afterAll(() => pins?.remove());
  it('end with the maps the interpreter ends with', () => {
    expect(kernelLoadMapBench(pins.path)).toBeUndefined();
    for (const c of MAP_CASES) {
      const r = kernelMapRun(pins.path, c.prog, packet, 5);
      expect(r.ok ? r.retval : r.error).toBe(c.expect);
    }
    type Entry = { key: string[]; value: string[] };
    const bytes = (h: string[]): Uint8Array => new Uint8Array(h.map((x) => parseInt(x, 16)));
    const flows = bpftoolJson<Entry[]>(['map', 'dump', 'pinned', `${pins.path}/m/flows`]);
    const routes = bpftoolJson<Entry[]>(['map', 'dump', 'pinned', `${pins.path}/m/routes`]);
    const hits = bpftoolJson<Entry[]>(['map', 'dump', 'pinned', `${pins.path}/m/hits`]);
    const v = bytes(flows[0]!.value);
    const kernel = {
      flows: flows.length, packets: u64(v, 0), bytes: u64(v, 8), routes: routes.length,
      hits: hits.reduce((s, e) => s + u64(bytes(e.value), 0), 0n),
    };
    expect(kernel).toEqual(ourState(5, true));
  });
});

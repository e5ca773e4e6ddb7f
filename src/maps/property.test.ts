// Property tests: random operation sequences on hash, array, LRU hash and LPM trie against
// simple models (same results, same errno, same contents).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { createMap, MapError, type BpfMap, type MapSpec } from './index.js';

const spec = (type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0): MapSpec =>
  ({ name: 'p', type: type as MapSpec['type'], keySize, valueSize, maxEntries, flags });

function res(fn: () => Uint8Array | void | null): string {
  try {
    const r = fn();
    return r ? 'ok:' + [...r].join(',') : 'ok';
  } catch (e) {
    if (e instanceof MapError) return 'err:' + e.errno;
    throw e;
  }
}

const hexKey = (k: Uint8Array): string => [...k].join(',');

type HOp = { op: 'update'; k: number; v: number; flags: number } | { op: 'delete'; k: number } | { op: 'lookup'; k: number } | { op: 'next'; k: number | null };

const hashOp = (keys: number): fc.Arbitrary<HOp> => fc.oneof(
  fc.record({ op: fc.constant('update' as const), k: fc.nat(keys), v: fc.nat(255), flags: fc.constantFrom(0, 1, 2) }),
  fc.record({ op: fc.constant('delete' as const), k: fc.nat(keys) }),
  fc.record({ op: fc.constant('lookup' as const), k: fc.nat(keys) }),
  fc.record({ op: fc.constant('next' as const), k: fc.option(fc.nat(keys), { nil: null }) }),
);

function keyBytes(k: number, ks: number): Uint8Array {
  const b = new Uint8Array(ks);
  for (let i = 0; i < ks; i++) b[i] = (k >>> (8 * (i % 4))) & 0xff ^ (i >= 4 ? 0x5a : 0);
  return b;
}

/** Every key exactly once, in get_next_key order. */
function iterate(m: BpfMap): string[] {
  const out: string[] = [];
  for (let k = m.nextKey(null); k; k = m.nextKey(k)) {
    out.push(hexKey(k));
    if (out.length > 10_000) throw new Error('iteration does not end');
  }
  return out;
}

describe('property: HASH behaves like a bounded dictionary', () => {
  it('random operations', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 3, 4, 7, 8), fc.boolean(), fc.array(hashOp(20), { maxLength: 80 }),
      (cap, ks, zeroSeed, ops) => {
        const rt = new Runtime({ ncpus: 1 });
        const m = createMap(rt, spec(MapType.HASH, ks, 2, cap, zeroSeed ? 64 : 1));
        const model = new Map<string, Uint8Array>();
        for (const o of ops) {
          const key = keyBytes(o.k ?? 0, ks);
          const hk = hexKey(key);
          let want: string;
          let got: string;
          switch (o.op) {
            case 'update': {
              const v = Uint8Array.of(o.v, o.flags);
              const has = model.has(hk);
              if (has && o.flags === 1) want = 'err:' + Errno.EEXIST;
              else if (!has && o.flags === 2) want = 'err:' + Errno.ENOENT;
              else if (!has && model.size >= cap) want = 'err:' + Errno.E2BIG;
              else { model.set(hk, v); want = 'ok'; }
              got = res(() => m.update(key, v, o.flags));
              break;
            }
            case 'delete':
              want = model.delete(hk) ? 'ok' : 'err:' + Errno.ENOENT;
              got = res(() => m.delete(key));
              break;
            case 'lookup':
              want = model.has(hk) ? 'ok:' + [...model.get(hk)!].join(',') : 'err:' + Errno.ENOENT;
              got = res(() => m.lookup(key));
              break;
            case 'next': {
              // the successor of a key in the iteration order; a missing key gives the first
              const order = iterate(m);
              const i = o.k === null ? -1 : order.indexOf(hk);
              const want2 = i + 1 < order.length ? order[i + 1]! : null;
              const n = m.nextKey(o.k === null ? null : key);
              expect(n ? hexKey(n) : null).toBe(want2);
              continue;
            }
          }
          expect(got).toBe(want);
        }
        const it = iterate(m);
        expect(new Set(it).size).toBe(it.length);
        expect([...it].sort()).toEqual([...model.keys()].sort());
      }), { numRuns: 150 });
  });
});

describe('property: ARRAY behaves like a fixed array', () => {
  it('random operations', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), fc.array(hashOp(12), { maxLength: 60 }), (cap, ops) => {
      const rt = new Runtime({ ncpus: 1 });
      const m = createMap(rt, spec(MapType.ARRAY, 4, 3, cap));
      const model: Uint8Array[] = Array.from({ length: cap }, () => new Uint8Array(3));
      for (const o of ops) {
        const key = keyBytes(o.k ?? 0, 4);
        const idx = o.k ?? 0;
        if (o.op === 'update') {
          const v = Uint8Array.of(o.v, 1, 2);
          const want = idx >= cap ? 'err:' + Errno.E2BIG : o.flags === 1 ? 'err:' + Errno.EEXIST : 'ok';
          if (want === 'ok') model[idx] = v;
          expect(res(() => m.update(key, v, o.flags))).toBe(want);
        } else if (o.op === 'delete') {
          expect(res(() => m.delete(key))).toBe('err:' + Errno.EINVAL);
        } else if (o.op === 'lookup') {
          expect(res(() => m.lookup(key))).toBe(idx < cap ? 'ok:' + [...model[idx]!].join(',') : 'err:' + Errno.ENOENT);
        } else {
          const n = m.nextKey(o.k === null ? null : key);
          const want = o.k === null || idx >= cap ? 0 : idx === cap - 1 ? null : idx + 1;
          expect(n ? n[0] : null).toBe(want);
        }
      }
    }), { numRuns: 150 });
  });
});

describe('property: LRU_HASH never fails for lack of room and keeps what it reports', () => {
  it('random operations (eviction choices are the kernel\'s, checked by the differential test)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.array(hashOp(15), { maxLength: 80 }), (cap, ncpus, percpuLru, ops) => {
      const rt = new Runtime({ ncpus });
      const m = createMap(rt, spec(MapType.LRU_HASH, 4, 1, cap, percpuLru ? 2 : 0));
      const max = m.spec.maxEntries;
      const written = new Map<number, number>(); // last value written per key (may have been evicted since)
      const kaddr = rt.mem.alloc(4, { kind: 'scratch' });
      for (const o of ops) {
        const k = o.k ?? 0;
        const key = keyBytes(k, 4);
        rt.currentCpu = k % ncpus;
        const present = (): boolean => res(() => m.lookup(key)).startsWith('ok');
        if (o.op === 'update') {
          const r = res(() => m.update(key, Uint8Array.of(o.v), o.flags));
          if (o.flags === 0) expect(r).toBe('ok'); // BPF_ANY never fails: something is evicted
          if (o.flags === 1 && r !== 'ok') expect(r).toBe('err:' + Errno.EEXIST);
          if (o.flags === 2 && r !== 'ok') expect(r).toBe('err:' + Errno.ENOENT);
          if (r === 'ok') { written.set(k, o.v); expect(present()).toBe(true); }
        } else if (o.op === 'delete') {
          const was = present();
          expect(res(() => m.delete(key))).toBe(was ? 'ok' : 'err:' + Errno.ENOENT);
          written.delete(k);
        } else if (o.op === 'lookup') {
          rt.mem.write(kaddr, key);
          const p = m.lookupAddr(kaddr);
          if (p) expect(rt.mem.u8[p]).toBe(written.get(k));
        }
        const keys = iterate(m);
        expect(keys.length).toBeLessThanOrEqual(max);
        for (const h of keys) expect(written.has(Number(h.split(',')[0]))).toBe(true);
      }
    }), { numRuns: 150 });
  });
});

describe('property: LPM_TRIE matches brute-force longest-prefix match', () => {
  type LOp = { op: 'update' | 'delete' | 'lookup'; plen: number; d: number };
  const lop = fc.record({ op: fc.constantFrom('update' as const, 'update' as const, 'delete' as const, 'lookup' as const), plen: fc.integer({ min: 0, max: 16 }), d: fc.nat(0xffff) });
  const keyOf = (plen: number, d: number): Uint8Array => Uint8Array.of(plen, 0, 0, 0, d >> 8, d & 0xff);
  const masked = (plen: number, d: number): number => (plen === 0 ? 0 : (d >> (16 - plen)) << (16 - plen));
  it('random operations, iteration visits every prefix once, more specific before its ancestors', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.array(lop, { maxLength: 80 }), (cap, ops: LOp[]) => {
      const rt = new Runtime({ ncpus: 1 });
      const m = createMap(rt, spec(MapType.LPM_TRIE, 6, 2, cap, 1));
      const model = new Map<string, number>(); // "plen/prefix" -> value
      ops.forEach((o, i) => {
        const id = `${o.plen}/${masked(o.plen, o.d)}`;
        const key = keyOf(o.plen, o.d);
        if (o.op === 'update') {
          const has = model.has(id);
          const want = !has && model.size >= cap ? 'err:' + Errno.ENOSPC : 'ok';
          if (want === 'ok') model.set(id, i);
          expect(res(() => m.update(key, Uint8Array.of(i & 0xff, i >> 8)))).toBe(want);
        } else if (o.op === 'delete') {
          expect(res(() => m.delete(key))).toBe(model.delete(id) ? 'ok' : 'err:' + Errno.ENOENT);
        } else {
          let best = -1, bestV = 0;
          for (const [k, v] of model) {
            const [p, x] = k.split('/').map(Number) as [number, number];
            if (p <= 16 && masked(p, o.d) === x && p > best) { best = p; bestV = v; }
          }
          const q = keyOf(16, o.d);
          expect(res(() => m.lookup(q))).toBe(best < 0 ? 'err:' + Errno.ENOENT : `ok:${bestV & 0xff},${bestV >> 8}`);
        }
      });
      const order = iterate(m).map((h) => { const b = h.split(',').map(Number); return `${b[0]}/${masked(b[0]!, (b[4]! << 8) | b[5]!)}`; });
      expect(new Set(order).size).toBe(order.length);
      expect([...order].sort()).toEqual([...model.keys()].sort());
      // post-order: a prefix comes after every more specific prefix it contains
      order.forEach((a, i) => {
        const [pa, xa] = a.split('/').map(Number) as [number, number];
        order.slice(i + 1).forEach((c) => {
          const [pc, xc] = c.split('/').map(Number) as [number, number];
          expect(pc > pa && masked(pa, xc) === xa).toBe(false);
        });
      });
    }), { numRuns: 150 });
  });
});

describe('property: QUEUE / STACK behave like a bounded deque', () => {
  type QOp = { op: 'push'; v: number; flags: number } | { op: 'pop' } | { op: 'peek' };
  const qop: fc.Arbitrary<QOp> = fc.oneof(
    fc.record({ op: fc.constant('push' as const), v: fc.nat(255), flags: fc.constantFrom(0, 0, 1, 2) }),
    fc.record({ op: fc.constant('pop' as const) }),
    fc.record({ op: fc.constant('peek' as const) }),
  );
  it('random operations', () => {
    fc.assert(fc.property(fc.boolean(), fc.integer({ min: 1, max: 6 }), fc.array(qop, { maxLength: 60 }), (stack, cap, ops) => {
      const rt = new Runtime({ ncpus: 1 });
      const m = createMap(rt, spec(stack ? MapType.STACK : MapType.QUEUE, 0, 1, cap));
      const model: number[] = []; // oldest first
      const none = new Uint8Array(0);
      for (const o of ops) {
        if (o.op === 'push') {
          let want = 'ok';
          if (o.flags === 1) want = 'err:' + Errno.EINVAL;
          else if (model.length >= cap && o.flags !== 2) want = 'err:' + Errno.E2BIG;
          else { if (model.length >= cap) model.shift(); model.push(o.v); }
          expect(res(() => m.update(none, Uint8Array.of(o.v), o.flags))).toBe(want);
        } else {
          const next = stack ? model.at(-1) : model[0];
          const want = next === undefined ? 'err:' + Errno.ENOENT : `ok:${next}`;
          if (o.op === 'pop') { expect(res(() => m.lookupAndDelete!(null))).toBe(want); if (next !== undefined) { if (stack) model.pop(); else model.shift(); } }
          else expect(res(() => m.lookup(none))).toBe(want);
        }
      }
    }), { numRuns: 150 });
  });
});

describe('property: BLOOM_FILTER has no false negatives', () => {
  it('every pushed value tests positive', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 15 }), fc.constantFrom(1, 3, 4, 8, 13), fc.array(fc.nat(), { maxLength: 80 }),
      (entries, k, vs, values) => {
        const rt = new Runtime({ ncpus: 1 });
        const m = createMap(rt, { ...spec(MapType.BLOOM_FILTER, 0, vs, entries), mapExtra: BigInt(k) });
        const bytes = (x: number): Uint8Array => Uint8Array.from({ length: vs }, (_, i) => (x >>> ((i % 4) * 8)) & 0xff);
        for (const x of values) m.update(new Uint8Array(0), bytes(x));
        for (const x of values) expect(res(() => m.lookup(bytes(x)))).toBe('ok:' + [...bytes(x)].join(','));
      }), { numRuns: 100 });
  });
});

describe('property: PERCPU_ARRAY / PERCPU_HASH keep each CPU apart', () => {
  it('program updates on one CPU change only that CPU; user updates set all', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.array(fc.record({ cpu: fc.nat(3), k: fc.nat(3), v: fc.nat(255), user: fc.boolean() }), { maxLength: 40 }),
      (ncpus, hash, ops) => {
        const rt = new Runtime({ ncpus });
        const m = createMap(rt, spec(hash ? MapType.PERCPU_HASH : MapType.PERCPU_ARRAY, 4, 2, 4));
        const model = new Map<number, number[]>();
        const kaddr = rt.mem.alloc(4, { kind: 'scratch' }), vaddr = rt.mem.alloc(2, { kind: 'scratch' });
        for (const o of ops) {
          const cpu = o.cpu % ncpus;
          if (o.user) {
            const v = new Uint8Array(8 * ncpus);
            for (let c = 0; c < ncpus; c++) v[c * 8] = (o.v + c) & 0xff;
            m.update(keyBytes(o.k, 4), v);
            model.set(o.k, Array.from({ length: ncpus }, (_, c) => (o.v + c) & 0xff));
          } else {
            rt.currentCpu = cpu;
            rt.mem.write(kaddr, keyBytes(o.k, 4));
            rt.mem.write(vaddr, Uint8Array.of(o.v, 0));
            expect(m.updateAddr(kaddr, vaddr, 0)).toBe(0);
            const cur = model.get(o.k) ?? Array.from({ length: ncpus }, () => 0);
            cur[cpu] = o.v;
            model.set(o.k, cur);
          }
        }
        for (let k = 0; k < 4; k++) {
          const want = model.get(k);
          const got = res(() => m.lookup(keyBytes(k, 4)));
          if (!want) expect(got).toBe(hash ? 'err:' + Errno.ENOENT : 'ok:' + new Array(8 * ncpus).fill(0).join(','));
          else expect(got.slice(3).split(',').map(Number).filter((_, i) => i % 8 === 0)).toEqual(want);
        }
      }), { numRuns: 120 });
  });
});

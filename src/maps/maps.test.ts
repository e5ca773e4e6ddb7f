// Per-type semantics of the maps module (user side and program side), without a kernel.

import { describe, expect, it } from 'vitest';
import { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import {
  ArrayMap, BatchError, BloomFilterMap, CgroupStorageMap, createMap, DevMapHash, HashMap, HashOfMaps, jhash, LpmTrieMap, MapError,
  PerfEventArrayMap, QueueStackMap, readSnapshot, restoreMap, RingbufMap, SlotArrayMap, snapshotMap, StackTraceMap,
  u32Key, validateMapSpec, type BpfMap, type MapSpec,
} from './index.js';

const spec = (type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0, extra: Partial<MapSpec> = {}): MapSpec =>
  ({ name: 't', type: type as MapSpec['type'], keySize, valueSize, maxEntries, flags, ...extra });

function errnoOf(fn: () => unknown): number {
  try { fn(); } catch (e) { if (e instanceof MapError) return e.errno!; throw e; }
  return 0;
}

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const u32 = (n: number): Uint8Array => u32Key(n);
const rd32 = (v: Uint8Array, off = 0): number => new DataView(v.buffer, v.byteOffset).getUint32(off, true);

/** Put bytes in linear memory (as a program's stack would hold them). */
function place(rt: Runtime, bytes: Uint8Array): number {
  const a = rt.mem.alloc(Math.max(bytes.length, 1), { kind: 'scratch' });
  rt.mem.write(a, bytes);
  return a;
}

describe('jhash', () => {
  it('matches lookup3 reference values', () => {
    // hashlittle("", 0) = 0xdeadbeef; hashlittle("Four score and seven years ago", 0) = 0x17770551
    expect(jhash(new Uint8Array(0), 0, 0, 0)).toBe(0xdeadbeef);
    const s = new TextEncoder().encode('Four score and seven years ago');
    expect(jhash(s, 0, s.length, 0)).toBe(0x17770551);
    expect(jhash(s, 0, s.length, 1)).toBe(0xcd628161);
  });
});

describe('validateMapSpec', () => {
  const cases: Array<[string, MapSpec, number]> = [
    ['hash ok', spec(MapType.HASH, 4, 4, 1), 0],
    ['hash key 0', spec(MapType.HASH, 0, 4, 1), Errno.EINVAL],
    ['hash huge', spec(MapType.HASH, 4, 1 << 22, 1), Errno.E2BIG],
    ['lru no prealloc', spec(MapType.LRU_HASH, 4, 4, 1, 1), 524],
    ['array key 8', spec(MapType.ARRAY, 8, 4, 1), Errno.EINVAL],
    ['array mmapable', spec(MapType.ARRAY, 4, 4, 1, 0x400), 0],
    ['percpu array mmapable', spec(MapType.PERCPU_ARRAY, 4, 4, 1, 0x400), Errno.EINVAL],
    ['array too big', spec(MapType.ARRAY, 4, 1 << 20, 1 << 12), Errno.ENOMEM],
    ['rdonly+wronly', spec(MapType.ARRAY, 4, 4, 1, 8 | 16), Errno.EINVAL],
    ['rdonly_prog+wronly_prog', spec(MapType.ARRAY, 4, 4, 1, 128 | 256), Errno.EINVAL],
    ['lpm needs no_prealloc', spec(MapType.LPM_TRIE, 8, 4, 1), Errno.EINVAL],
    ['ringbuf not pow2', spec(MapType.RINGBUF, 0, 0, 3 * 4096), Errno.EINVAL],
    ['bloom extra', spec(MapType.BLOOM_FILTER, 0, 4, 4, 0, { mapExtra: 16n }), Errno.EINVAL],
    ['extra on hash', spec(MapType.HASH, 4, 4, 4, 0, { mapExtra: 1n }), Errno.EINVAL],
    ['name too long', { ...spec(MapType.HASH, 4, 4, 4), name: 'a_long_name_0123' }, Errno.EINVAL],
    ['name bad char', { ...spec(MapType.HASH, 4, 4, 4), name: 'a-b' }, Errno.EINVAL],
    ['unknown type', spec(999, 4, 4, 4), Errno.EINVAL],
    ['unsupported type', spec(MapType.SK_STORAGE, 4, 4, 4), Errno.EOPNOTSUPP],
    ['array of maps needs inner', spec(MapType.ARRAY_OF_MAPS, 4, 4, 4), Errno.EINVAL],
    ['hash n_buckets overflow', spec(MapType.HASH, 4, 4, 2 ** 27 + 1, 1), Errno.E2BIG],
    ['hash 2^27 entries', spec(MapType.HASH, 4, 4, 2 ** 27, 1), 0],
    ['bloom value too large', spec(MapType.BLOOM_FILTER, 0, (1 << 22) + 1, 1), Errno.E2BIG],
    ['fractional size', spec(MapType.HASH, 4.5, 4, 4), Errno.EINVAL],
    ['numa node 1', spec(MapType.HASH, 4, 4, 4, 4, { numaNode: 1 }), Errno.EINVAL],
  ];
  it.each(cases)('%s', (_n, s, errno) => {
    expect(errnoOf(() => validateMapSpec(s, 2))).toBe(errno);
  });
});

describe('HASH', () => {
  it('BPF_ANY / NOEXIST / EXIST, E2BIG when full, ENOENT, bad flags EINVAL', () => {
    const rt = new Runtime({ ncpus: 2 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 2));
    expect(errnoOf(() => m.update(u32(1), u32(10), 2))).toBe(Errno.ENOENT);
    m.update(u32(1), u32(10), 1);
    expect(errnoOf(() => m.update(u32(1), u32(11), 1))).toBe(Errno.EEXIST);
    m.update(u32(1), u32(12), 2);
    m.update(u32(2), u32(20));
    expect(errnoOf(() => m.update(u32(3), u32(30)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.update(u32(2), u32(30), 1))).toBe(Errno.EEXIST); // flags checked before capacity
    m.update(u32(2), u32(21)); // replacing works when full
    expect(rd32(m.lookup(u32(1)))).toBe(12);
    expect(errnoOf(() => m.lookup(u32(3)))).toBe(Errno.ENOENT);
    expect(errnoOf(() => m.delete(u32(3)))).toBe(Errno.ENOENT);
    expect(errnoOf(() => m.update(u32(1), u32(1), 3))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.update(u32(1), u32(1), 4))).toBe(Errno.EINVAL); // BPF_F_LOCK without spin lock
    expect(errnoOf(() => m.update(b(1, 2), u32(1)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.update(u32(1), b(1)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.lookup(u32(1), 1))).toBe(Errno.EINVAL);
  });

  it('get_next_key: bucket order, newest first, a missing key restarts from the first', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 4, 64));
    for (let i = 0; i < 4; i++) m.update(u32(i), u32(i));
    const order = (): number[] => (m as HashMap).keys().map((k) => rd32(k));
    expect(order()).toEqual([0, 2, 3, 1]); // the kernel's order (differential test)
    expect(rd32(m.nextKey(u32(77))!)).toBe(0);
    expect(m.nextKey(u32(1))).toBeNull();
    // updating an existing key moves it to the head of its bucket
    const buckets = (m as HashMap).nBuckets;
    expect(buckets).toBe(4);
  });

  it('program side: lookup returns a pointer written through; update/delete return -errno', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 8, 4));
    const k = place(rt, u32(5));
    const v = place(rt, b(1, 2, 3, 4, 5, 6, 7, 8));
    expect(m.lookupAddr(k)).toBe(0);
    expect(m.updateAddr(k, v, 2)).toBe(-Errno.ENOENT);
    expect(m.updateAddr(k, v, 0)).toBe(0);
    const p = m.lookupAddr(k);
    expect(p).toBeGreaterThan(0);
    rt.mem.dv.setUint32(p, 0xdeadbeef, true);
    expect(rd32(m.lookup(u32(5)))).toBe(0xdeadbeef);
    expect(m.deleteAddr(k)).toBe(0);
    expect(m.deleteAddr(k)).toBe(-Errno.ENOENT);
  });

  it('forEach visits every element in bucket order and stops on non-zero', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 8, 64)) as HashMap;
    for (let i = 0; i < 5; i++) m.update(u32(i), u32(i * 2));
    const seen: number[] = [];
    expect(m.forEach((ka, va) => { seen.push(rt.mem.dv.getUint32(ka, true)); expect(rt.mem.dv.getUint32(va, true)).toBe(seen.at(-1)! * 2); return 0; })).toBe(5);
    expect(seen).toEqual(m.keys().map((k) => rd32(k)));
    expect(m.forEach(() => 1)).toBe(1);
  });

  it('lookup_and_delete, freeze, RDONLY / WRONLY', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 4));
    m.update(u32(1), u32(2));
    expect(rd32(m.lookupAndDelete!(u32(1)))).toBe(2);
    expect(errnoOf(() => m.lookup(u32(1)))).toBe(Errno.ENOENT);
    m.update(u32(1), u32(2));
    m.freeze();
    expect(m.frozen).toBe(true);
    expect(errnoOf(() => m.update(u32(1), u32(3)))).toBe(Errno.EPERM);
    expect(errnoOf(() => m.delete(u32(1)))).toBe(Errno.EPERM);
    expect(errnoOf(() => m.freeze())).toBe(Errno.EPERM);
    // programs still write frozen maps
    expect(m.updateAddr(place(rt, u32(1)), place(rt, u32(9)), 0)).toBe(0);
    const ro = createMap(rt, spec(MapType.HASH, 4, 4, 4, 8));
    expect(errnoOf(() => ro.update(u32(1), u32(1)))).toBe(Errno.EPERM);
    const wo = createMap(rt, spec(MapType.HASH, 4, 4, 4, 16));
    wo.update(u32(1), u32(1));
    expect(errnoOf(() => wo.lookup(u32(1)))).toBe(Errno.EPERM);
    expect(errnoOf(() => wo.nextKey(null))).toBe(Errno.EPERM);
  });

  it('BPF_F_LOCK with a spin lock in the value: the lock word is never copied', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 8, 4, 0, { spinLockOffset: 0 }));
    m.update(u32(1), b(9, 9, 9, 9, 1, 2, 3, 4), 4);
    expect([...m.lookup(u32(1))]).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    m.update(u32(1), b(9, 9, 9, 9, 5, 6, 7, 8), 4 | 2);
    expect([...m.lookup(u32(1), 4)]).toEqual([0, 0, 0, 0, 5, 6, 7, 8]);
    expect(errnoOf(() => m.freeze())).toBe(524);
  });

  it('batch lookup by bucket, ENOSPC, done at the end; lookup_and_delete batch; update/delete batch count', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 16, 64)) as HashMap;
    for (let i = 0; i < 10; i++) m.update(u32(i), u32(i + 100));
    const all: number[] = [];
    let tok: Uint8Array | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const r = m.lookupBatch(tok, 3);
      all.push(...r.keys.map((k) => rd32(k)));
      r.values.forEach((v, i) => expect(rd32(v)).toBe(rd32(r.keys[i]!) + 100));
      tok = r.outBatch;
      if (r.done) break;
    }
    expect(all).toEqual(m.keys().map((k) => rd32(k)));
    expect(errnoOf(() => m.lookupBatch(u32(16), 3))).toBe(Errno.ENOENT);
    const d = m.lookupAndDeleteBatch(null, 100);
    expect(d.done).toBe(true);
    expect(d.keys.length).toBe(10);
    expect(m.count).toBe(0);
    expect(m.updateBatch([u32(1), u32(2)], [u32(1), u32(2)])).toBe(2);
    try { m.deleteBatch([u32(1), u32(7), u32(2)]); expect.fail(); } catch (e) { expect(e).toBeInstanceOf(BatchError); expect((e as BatchError).count).toBe(1); expect((e as BatchError).errno).toBe(Errno.ENOENT); }
  });
});

describe('PERCPU_HASH / PERCPU_ARRAY', () => {
  it('user values are every CPU rounded to 8 bytes; programs see their CPU', () => {
    const rt = new Runtime({ ncpus: 3 });
    const m = createMap(rt, spec(MapType.PERCPU_HASH, 4, 4, 4)) as HashMap;
    expect(errnoOf(() => m.update(u32(1), u32(1)))).toBe(Errno.EINVAL);
    m.update(u32(1), b(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0));
    const k = place(rt, u32(1));
    rt.currentCpu = 1;
    expect(rt.mem.dv.getUint32(m.lookupAddr(k), true)).toBe(2);
    expect(rt.mem.dv.getUint32(m.lookupPercpuAddr(k, 2), true)).toBe(3);
    expect(m.lookupPercpuAddr(k, 3)).toBe(0);
    // a program's update writes its CPU only; a new element zeroes the others
    expect(m.updateAddr(place(rt, u32(2)), place(rt, u32(7)), 0)).toBe(0);
    expect([...m.lookup(u32(2))].filter((_, i) => i % 8 === 0)).toEqual([0, 7, 0]);
    expect(m.updateAddr(k, place(rt, u32(9)), 0)).toBe(0);
    expect([...m.lookup(u32(1))].filter((_, i) => i % 8 === 0)).toEqual([1, 9, 3]);
    expect(m.updateAddr(k, place(rt, u32(9)), 4)).toBe(-Errno.EINVAL);
    const a = createMap(rt, spec(MapType.PERCPU_ARRAY, 4, 12, 2)) as ArrayMap;
    expect(a.lookup(u32(0)).length).toBe(48);
    rt.currentCpu = 2;
    rt.mem.dv.setUint32(a.lookupAddr(place(rt, u32(1))), 5, true);
    expect(rd32(a.lookup(u32(1)), 32)).toBe(5);
  });
});

describe('ARRAY', () => {
  it('NOEXIST is EEXIST, index out of range E2BIG, delete EINVAL, get_next_key', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.ARRAY, 4, 4, 3));
    expect(errnoOf(() => m.update(u32(0), u32(1), 1))).toBe(Errno.EEXIST);
    expect(errnoOf(() => m.update(u32(3), u32(1)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.delete(u32(0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.lookup(u32(3)))).toBe(Errno.ENOENT);
    m.update(u32(2), u32(7), 2);
    expect(rd32(m.lookup(u32(2)))).toBe(7);
    expect(rd32(m.nextKey(null)!)).toBe(0);
    expect(rd32(m.nextKey(u32(1))!)).toBe(2);
    expect(m.nextKey(u32(2))).toBeNull();
    expect(rd32(m.nextKey(u32(99))!)).toBe(0);
    const p = m.lookupAddr(place(rt, u32(1)));
    rt.mem.dv.setUint32(p, 42, true);
    expect(rd32(m.lookup(u32(1)))).toBe(42);
    expect(m.lookupAddr(place(rt, u32(3)))).toBe(0);
  });

  it('RDONLY_PROG makes values read-only for programs (checked memory)', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.ARRAY, 4, 8, 1, 128, { contents: [{ key: u32(0), value: b(1, 2, 3, 4, 5, 6, 7, 8) }], freeze: true })) as ArrayMap;
    expect(m.frozen).toBe(true);
    expect(rt.mem.canWrite(m.valueAddrAt(0), 8)).toBe(false);
    expect(rt.mem.canRead(m.valueAddrAt(0), 8)).toBe(true);
    expect([...m.lookup(u32(0))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('LRU', () => {
  it('kernel LRU lists: batches of target_free = clamp(max_entries / ncpus / 2, 1, 128) evicted from the inactive tail', () => {
    const rt = new Runtime({ ncpus: 2 });
    const m = createMap(rt, spec(MapType.LRU_HASH, 4, 4, 128)) as HashMap;
    expect(m.lruLists!.targetFree).toBe(32);
    for (let i = 0; i <= 140; i++) m.update(u32(i), u32(i));
    // as the kernel (differential test): 32 oldest evicted at once
    expect(m.keys().map((k) => rd32(k)).sort((x, y) => x - y)).toEqual(Array.from({ length: 109 }, (_, i) => i + 32));
    // BPF_F_NO_COMMON_LRU: max_entries rounded up to a multiple of the CPU count
    expect(createMap(rt, spec(MapType.LRU_HASH, 4, 4, 5, 2)).spec.maxEntries).toBe(6);
  });

  it('referenced elements (program lookups) survive an eviction round', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.LRU_HASH, 4, 4, 3)) as HashMap;
    for (let i = 0; i < 3; i++) m.update(u32(i), u32(i));
    m.lookupAddr(place(rt, u32(0))); // programs' lookups set the reference bit
    m.update(u32(3), u32(3));
    expect(m.keys().map((k) => rd32(k)).sort()).toEqual([0, 2, 3]);
  });

  it('evicts instead of failing', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.LRU_HASH, 4, 4, 3)) as HashMap;
    for (let i = 0; i < 3; i++) m.update(u32(i), u32(i));
    m.lookupAddr(place(rt, u32(0))); // programs' lookups mark use
    m.update(u32(3), u32(3));
    expect(m.keys().map((k) => rd32(k)).sort()).toEqual([0, 2, 3]);
    m.lookup(u32(2)); // user-space lookups do not
    m.update(u32(4), u32(4));
    expect(m.keys().map((k) => rd32(k)).sort()).toEqual([0, 3, 4]);
  });
});

describe('LPM_TRIE', () => {
  const k = (plen: number, ...d: number[]): Uint8Array => b(plen, 0, 0, 0, ...d);
  it('longest-prefix match, ENOSPC, EINVAL prefix, post-order iteration', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.LPM_TRIE, 8, 4, 4, 1)) as LpmTrieMap;
    m.update(k(16, 192, 168, 0, 0), u32(16));
    m.update(k(24, 192, 168, 1, 0), u32(24));
    m.update(k(24, 192, 168, 0, 0), u32(240));
    expect(rd32(m.lookup(k(32, 192, 168, 1, 9)))).toBe(24);
    expect(rd32(m.lookup(k(32, 192, 168, 7, 9)))).toBe(16);
    expect(errnoOf(() => m.lookup(k(32, 10, 0, 0, 0)))).toBe(Errno.ENOENT);
    expect(errnoOf(() => m.update(k(33, 0, 0, 0, 0), u32(0)))).toBe(Errno.EINVAL);
    m.update(k(8, 10, 0, 0, 0), u32(8));
    expect(errnoOf(() => m.update(k(8, 11, 0, 0, 0), u32(8)))).toBe(Errno.ENOSPC);
    expect(errnoOf(() => m.update(k(8, 10, 0, 0, 0), u32(8), 1))).toBe(Errno.EEXIST);
    expect(m.keys().map((x) => `${x[4]}.${x[5]}.${x[6]}/${x[0]}`)).toEqual(['10.0.0/8', '192.168.0/24', '192.168.1/24', '192.168.0/16']);
    expect(m.lookupAddr(place(rt, k(32, 10, 1, 2, 3)))).toBeGreaterThan(0);
  });
});

describe('QUEUE / STACK / BLOOM_FILTER', () => {
  it('queue FIFO, stack LIFO, E2BIG when full, BPF_EXIST overwrites the oldest', () => {
    const rt = new Runtime({ ncpus: 1 });
    const q = createMap(rt, spec(MapType.QUEUE, 0, 4, 2)) as QueueStackMap;
    const s = createMap(rt, spec(MapType.STACK, 0, 4, 2)) as QueueStackMap;
    for (const m of [q, s]) {
      expect(m.popAddr(place(rt, u32(0)))).toBe(-Errno.ENOENT);
      expect(m.pushAddr(place(rt, u32(1)), 0)).toBe(0);
      expect(m.pushAddr(place(rt, u32(2)), 0)).toBe(0);
      expect(m.pushAddr(place(rt, u32(3)), 0)).toBe(-Errno.E2BIG);
      expect(m.pushAddr(place(rt, u32(3)), 1)).toBe(-Errno.EINVAL);
      expect(m.pushAddr(place(rt, u32(3)), 2)).toBe(0);
    }
    expect(q.values().map((v) => rd32(v))).toEqual([2, 3]);
    expect(s.values().map((v) => rd32(v))).toEqual([3, 2]);
    const out = place(rt, u32(0));
    expect(q.peekAddr(out)).toBe(0);
    expect(rt.mem.dv.getUint32(out, true)).toBe(2);
    expect(rd32(s.pop())).toBe(3);
    expect(errnoOf(() => q.nextKey(null))).toBe(Errno.EINVAL);
    expect(errnoOf(() => q.delete(new Uint8Array(0)))).toBe(Errno.EINVAL);
  });

  it('bloom filter: no false negatives, push flags, unsupported ops', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.BLOOM_FILTER, 0, 4, 100, 0, { mapExtra: 3n })) as BloomFilterMap;
    expect(m.nrHashFuncs).toBe(3);
    for (let i = 0; i < 100; i++) m.update(new Uint8Array(0), u32(i * 7));
    for (let i = 0; i < 100; i++) expect(m.has(u32(i * 7))).toBe(true);
    expect(m.peekAddr(place(rt, u32(7)))).toBe(0);
    let fp = 0;
    for (let i = 0; i < 1000; i++) if (m.has(u32(1_000_000 + i))) fp++;
    expect(fp).toBeLessThan(200);
    expect(errnoOf(() => m.update(new Uint8Array(0), u32(1), 2))).toBe(Errno.EINVAL);
    expect(errnoOf(() => m.nextKey(null))).toBe(Errno.EOPNOTSUPP);
  });
});

describe('RINGBUF', () => {
  it('reserve/submit/discard/output with 8-byte headers, wrap-around, full', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.RINGBUF, 0, 0, 4096)) as RingbufMap;
    const s1 = m.reserveAddr(10, 0);
    expect(s1).toBe(m.data + 8);
    expect(rt.mem.dv.getUint32(m.data, true)).toBe((10 | 0x80000000) >>> 0);
    rt.mem.u8.set(b(1, 2, 3), s1);
    const s2 = m.reserveAddr(4, 0);
    expect(s2).toBe(m.data + 8 + 24);
    expect(m.consume()).toEqual([]); // first record still busy
    m.discardAddr(s2, 0);
    m.submitAddr(s1, 0);
    const r = m.consume();
    expect(r.length).toBe(1);
    expect([...r[0]!.data]).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0, 0]);
    expect(m.reserveAddr(4, 1)).toBe(0);
    expect(m.reserveAddr(4096, 0)).toBe(0);
    // fill and wrap
    let n = 0;
    while (m.output(new Uint8Array(1000).fill(n & 0xff)) === 0) n++;
    expect(n).toBe(4); // 4 × 1008 bytes < 4096 - 1
    expect(m.output(new Uint8Array(100))).toBe(-Errno.EAGAIN);
    expect(m.consume().map((x) => x.data[0])).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 5; i++) expect(m.output(new Uint8Array(1500).fill(10 + i))).toBe(0), expect(m.consume()[0]!.data.every((x) => x === 10 + i)).toBe(true);
    expect(m.query(1)).toBe(4096n);
    expect(errnoOf(() => m.lookup(new Uint8Array(0)))).toBe(524);
  });
});

describe('PERF_EVENT_ARRAY', () => {
  it('perf_event_output to the current CPU slot, E2BIG, ENOENT, reader', () => {
    const rt = new Runtime({ ncpus: 2 });
    const m = createMap(rt, spec(MapType.PERF_EVENT_ARRAY, 4, 4, 2)) as PerfEventArrayMap;
    expect(m.perfOutput(0xffffffffn, b(1))).toBe(-Errno.ENOENT);
    m.update(u32(0), u32(100));
    m.update(u32(1), u32(101));
    rt.currentCpu = 1;
    expect(m.perfOutput(0xffffffffn, b(1, 2))).toBe(0);
    expect(m.perfOutput(0n, b(3))).toBe(0);
    expect(m.perfOutput(5n, b(3))).toBe(-Errno.E2BIG);
    expect(m.perfOutput(1n << 60n, b(3))).toBe(-Errno.EINVAL);
    expect(m.readEvents(1).map((e) => [...e.data])).toEqual([[1, 2]]);
    expect(m.readEvents().map((e) => [e.index, e.cpu])).toEqual([[0, 1]]);
    expect(errnoOf(() => m.lookup(u32(0)))).toBe(524);
    expect(errnoOf(() => m.update(u32(0), u32(1), 2))).toBe(Errno.EINVAL);
  });
});

describe('PROG_ARRAY and map-in-map', () => {
  it('prog array holds program ids for tail calls', () => {
    const rt = new Runtime({ ncpus: 1 });
    rt.registerProgram({ id: 7, name: 'p' });
    const m = createMap(rt, spec(MapType.PROG_ARRAY, 4, 4, 4)) as SlotArrayMap;
    expect(errnoOf(() => m.update(u32(0), u32(8)))).toBe(Errno.EBADF);
    expect(errnoOf(() => m.update(u32(4), u32(7)))).toBe(Errno.E2BIG);
    expect(errnoOf(() => m.update(u32(0), u32(7), 1))).toBe(Errno.EINVAL);
    m.update(u32(2), u32(7));
    expect(m.programAt(2)?.name).toBe('p');
    expect(m.programAt(1)).toBeUndefined();
    expect(rd32(m.lookup(u32(2)))).toBe(7);
    expect(errnoOf(() => m.lookup(u32(1)))).toBe(Errno.ENOENT);
    expect(errnoOf(() => m.delete(u32(1)))).toBe(Errno.ENOENT);
    m.delete(u32(2));
    expect(m.programAt(2)).toBeUndefined();
  });

  it('array/hash of maps: inner map compatibility, lookups give the inner descriptor', () => {
    const rt = new Runtime({ ncpus: 1 });
    const inner = spec(MapType.ARRAY, 4, 4, 2);
    const i1 = createMap(rt, inner);
    const i2 = createMap(rt, spec(MapType.ARRAY, 4, 4, 3));
    const i3 = createMap(rt, spec(MapType.HASH, 4, 4, 2));
    const outer = createMap(rt, spec(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, { innerMap: inner })) as SlotArrayMap;
    outer.update(u32(0), u32(i1.id));
    expect(errnoOf(() => outer.update(u32(1), u32(i2.id)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => outer.update(u32(1), u32(i3.id)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => outer.update(u32(1), u32(999)))).toBe(Errno.EBADF);
    expect(outer.lookupAddr(place(rt, u32(0)))).toBe(i1.addr);
    expect(rd32(outer.lookup(u32(0)))).toBe(i1.id);
    const flex = createMap(rt, spec(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, { innerMap: { ...inner, flags: 0x1000 } }));
    const i4 = createMap(rt, spec(MapType.ARRAY, 4, 4, 9, 0x1000));
    flex.update(u32(0), u32(i4.id));
    const h = createMap(rt, spec(MapType.HASH_OF_MAPS, 8, 4, 4, 0, { innerMap: spec(MapType.HASH, 4, 4, 2) })) as HashOfMaps;
    h.update(new Uint8Array(8), u32(i3.id));
    expect(h.lookupAddr(place(rt, new Uint8Array(8)))).toBe(i3.addr);
    expect(h.mapFor(new Uint8Array(8))).toBe(i3);
  });
});

describe('redirect maps', () => {
  it('devmap / devmap_hash / cpumap / xskmap targets and errno', () => {
    const rt = new Runtime({ ncpus: 2 });
    const d = createMap(rt, spec(MapType.DEVMAP, 4, 8, 4)) as SlotArrayMap;
    expect(d.spec.flags & 128).toBe(128);
    d.update(u32(1), b(3, 0, 0, 0, 0, 0, 0, 0));
    expect(d.redirectTarget(1)).toEqual({ type: 'dev', key: 1, target: 3, progId: 0 });
    expect(errnoOf(() => d.update(u32(1), b(3, 0, 0, 0, 5, 0, 0, 0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => d.delete(u32(4)))).toBe(Errno.EINVAL);
    d.delete(u32(2));
    expect(rt.mem.dv.getUint32(d.lookupAddr(place(rt, u32(1))), true)).toBe(3);
    const dh = createMap(rt, spec(MapType.DEVMAP_HASH, 4, 4, 4)) as DevMapHash;
    dh.update(u32(100), u32(2));
    expect(dh.redirectTarget(100)?.target).toBe(2);
    expect(errnoOf(() => dh.update(u32(5), u32(0)))).toBe(Errno.EINVAL);
    const c = createMap(rt, spec(MapType.CPUMAP, 4, 4, 4)) as SlotArrayMap;
    c.update(u32(1), u32(192));
    expect(c.redirectTarget(1)).toEqual({ type: 'cpu', key: 1, target: 1, qsize: 192, progId: 0 });
    expect(errnoOf(() => c.update(u32(3), u32(192)))).toBe(Errno.ENODEV);
    expect(errnoOf(() => c.update(u32(0), u32(20000)))).toBe(Errno.EOVERFLOW);
    const x = createMap(rt, spec(MapType.XSKMAP, 4, 4, 4)) as SlotArrayMap;
    x.update(u32(0), u32(55));
    expect(x.redirectTarget(0)).toEqual({ type: 'xsk', key: 0, target: 55 });
    expect(errnoOf(() => x.lookup(u32(0)))).toBe(Errno.EOPNOTSUPP);
  });
});

describe('CGROUP_STORAGE', () => {
  it('storage per attachment, test-run storage outside the map, kernel errno', () => {
    const rt = new Runtime({ ncpus: 2 });
    const m = createMap(rt, spec(MapType.CGROUP_STORAGE, 16, 8, 0)) as CgroupStorageMap;
    const key = new Uint8Array(16); key[0] = 7; key[8] = 2;
    expect(errnoOf(() => m.lookup(key))).toBe(Errno.ENOENT);
    expect(errnoOf(() => m.update(key, new Uint8Array(8)))).toBe(Errno.ENOENT);
    expect(m.nextKey(null)).toBeNull();
    const a = m.attach(key);
    rt.mem.dv.setUint32(a, 42, true);
    expect(rd32(m.lookup(key))).toBe(42);
    expect(m.storageAddr(key)).toBe(a);
    expect(errnoOf(() => m.update(key, new Uint8Array(8), 1))).toBe(Errno.EINVAL);
    m.update(key, new Uint8Array(8).fill(1), 2);
    expect(errnoOf(() => m.delete(key))).toBe(Errno.EINVAL);
    expect([...m.nextKey(null)!]).toEqual([...key]);
    const run = m.testRunStorage();
    expect(rt.mem.dv.getUint32(run.addr(), true)).toBe(0);
    expect(m.keys().length).toBe(1);
    const p = createMap(rt, spec(MapType.PERCPU_CGROUP_STORAGE, 8, 4, 0)) as CgroupStorageMap;
    rt.currentCpu = 1;
    rt.mem.dv.setUint32(p.attach(new Uint8Array(8)), 9, true);
    expect([...p.lookup(new Uint8Array(8))]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    expect(errnoOf(() => createMap(rt, spec(MapType.CGROUP_STORAGE, 16, 8, 1)))).toBe(Errno.EINVAL);
    const r = restoreMap(new Runtime({ ncpus: 2 }), snapshotMap(m));
    expect([...r.lookup(key)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('STACK_TRACE', () => {
  it('stack ids by hash, EEXIST on collision without REUSE, lookup pads with zeros', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.STACK_TRACE, 4, 32, 1)) as StackTraceMap;
    const id = m.getStackId([1n, 2n], 0);
    expect(id).toBe(0);
    expect(m.getStackId([1n, 2n], 0)).toBe(0);
    expect(m.getStackId([3n], 0)).toBe(-Errno.EEXIST);
    expect(m.getStackId([3n], 1024)).toBe(0);
    expect([...m.lookup(u32(0))].slice(0, 9)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(errnoOf(() => m.update(u32(0), new Uint8Array(32)))).toBe(Errno.EINVAL);
    m.delete(u32(0));
    expect(errnoOf(() => m.delete(u32(0)))).toBe(Errno.ENOENT);
  });
});

describe('snapshot / restore', () => {
  function roundTrip(m: BpfMap, rt2: Runtime): BpfMap {
    const snap = snapshotMap(m);
    expect(readSnapshot(snap).id).toBe(m.id);
    return restoreMap(rt2, snap);
  }
  const dump = (m: BpfMap): string[] => (m as HashMap).entries().map(([k, v]) => `${[...k]}=${[...v]}`);

  it('hash (order kept), percpu array, lpm, queue, bloom, ringbuf, prog array, frozen flag, ids', () => {
    const rt = new Runtime({ ncpus: 2 });
    rt.registerProgram({ id: 3, name: 'x' });
    const h = createMap(rt, spec(MapType.HASH, 4, 4, 8, 64));
    for (const i of [5, 1, 9, 3, 7]) h.update(u32(i), u32(i * 3));
    h.freeze();
    const a = createMap(rt, spec(MapType.PERCPU_ARRAY, 4, 4, 3));
    a.update(u32(1), b(1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0));
    const l = createMap(rt, spec(MapType.LPM_TRIE, 8, 4, 8, 1));
    for (const [p, x] of [[8, 10], [16, 10], [24, 192], [32, 1]] as const) l.update(b(p, 0, 0, 0, x, 1, 2, 3), u32(p));
    const q = createMap(rt, spec(MapType.QUEUE, 0, 4, 4));
    q.update(new Uint8Array(0), u32(1)); q.update(new Uint8Array(0), u32(2));
    const bl = createMap(rt, spec(MapType.BLOOM_FILTER, 0, 4, 10)) as BloomFilterMap;
    bl.update(new Uint8Array(0), u32(42));
    const rb = createMap(rt, spec(MapType.RINGBUF, 0, 0, 4096)) as RingbufMap;
    rb.output(b(1, 2, 3));
    const pa = createMap(rt, spec(MapType.PROG_ARRAY, 4, 4, 2));
    pa.update(u32(1), u32(3));
    const lru = createMap(rt, spec(MapType.LRU_HASH, 4, 4, 3));
    for (let i = 0; i < 3; i++) lru.update(u32(i), u32(i));
    lru.lookupAddr(place(rt, u32(0)));

    const rt2 = new Runtime({ ncpus: 2 });
    rt2.registerProgram({ id: 3, name: 'x' });
    const h2 = roundTrip(h, rt2);
    expect(h2.id).toBe(h.id);
    expect(h2.frozen).toBe(true);
    expect(dump(h2)).toEqual(dump(h));
    expect(dump(roundTrip(a, rt2))).toEqual(dump(a));
    expect(dump(roundTrip(l, rt2))).toEqual(dump(l));
    const q2 = roundTrip(q, rt2) as QueueStackMap;
    expect(q2.values().map((v) => rd32(v))).toEqual([1, 2]);
    expect((roundTrip(bl, rt2) as BloomFilterMap).has(u32(42))).toBe(true);
    expect((roundTrip(rb, rt2) as RingbufMap).consume().map((r) => [...r.data])).toEqual([[1, 2, 3]]);
    expect((roundTrip(pa, rt2) as SlotArrayMap).programAt(1)?.name).toBe('x');
    const lru2 = roundTrip(lru, rt2) as HashMap;
    expect(dump(lru2)).toEqual(dump(lru));
    lru2.update(u32(9), u32(9)); // full: evicts instead of failing
    expect(lru2.count).toBeLessThanOrEqual(3);
    expect(rd32(lru2.lookup(u32(9)))).toBe(9);
    expect(errnoOf(() => restoreMap(rt2, snapshotMap(h)))).toBe(Errno.EEXIST);
    const fresh = createMap(rt2, spec(MapType.HASH, 4, 4, 1));
    expect(fresh.id).toBeGreaterThan(Math.max(...[...rt2.maps()].filter((m) => m !== fresh).map((m) => m.id)));
  });

  it('LRU maps continue exactly as the original after a restore (list state kept)', () => {
    for (const [type, flags, ncpus] of [[MapType.LRU_HASH, 0, 2], [MapType.LRU_HASH, 2, 3], [MapType.LRU_PERCPU_HASH, 0, 2]] as const) {
      const rt = new Runtime({ ncpus });
      const a = createMap(rt, spec(type, 4, 4, 12, flags)) as HashMap;
      const vlen = a.userValueSize();
      const ka = place(rt, u32(0));
      const step = (m: HashMap, i: number): string => {
        rt.currentCpu = i % ncpus;
        const k = (i * 7) % 29;
        if (i % 5 === 0) { rt.mem.dv.setUint32(ka, k, true); return String(m.lookupAddr(ka) !== 0); }
        try { m.update(u32(k), new Uint8Array(vlen).fill(i & 0xff), i % 11 === 0 ? 2 : 0); return 'ok'; } catch (e) { return String((e as MapError).errno); }
      };
      for (let i = 0; i < 40; i++) step(a, i);
      const rt2 = new Runtime({ ncpus });
      const b = restoreMap(rt2, snapshotMap(a)) as HashMap;
      const ra: string[] = [], rb: string[] = [];
      for (let i = 40; i < 120; i++) { ra.push(step(a, i)); }
      // same steps on the restored map (its runtime's CPU)
      for (let i = 40; i < 120; i++) { rt2.currentCpu = i % ncpus; const k = (i * 7) % 29; if (i % 5 === 0) { const kb = place(rt2, u32(k)); rb.push(String(b.lookupAddr(kb) !== 0)); } else { try { b.update(u32(k), new Uint8Array(vlen).fill(i & 0xff), i % 11 === 0 ? 2 : 0); rb.push('ok'); } catch (e) { rb.push(String((e as MapError).errno)); } } }
      expect(rb).toEqual(ra);
      expect(dump(b)).toEqual(dump(a));
    }
  });

  it('per-CPU maps restored in a runtime with another CPU count keep the common CPUs', () => {
    const rt = new Runtime({ ncpus: 3 });
    const h = createMap(rt, spec(MapType.PERCPU_HASH, 4, 4, 4));
    const a = createMap(rt, spec(MapType.PERCPU_ARRAY, 4, 4, 2));
    const l = createMap(rt, spec(MapType.LRU_PERCPU_HASH, 4, 4, 4));
    const v = b(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0);
    for (const m of [h, a, l]) m.update(u32(1), v);
    const rt2 = new Runtime({ ncpus: 2 });
    const rt4 = new Runtime({ ncpus: 4 });
    for (const m of [h, a, l]) {
      expect([...restoreMap(rt2, snapshotMap(m)).lookup(u32(1))]).toEqual([...v.subarray(0, 16)]);
      expect([...restoreMap(rt4, snapshotMap(m)).lookup(u32(1))]).toEqual([...v, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('corrupt snapshots are typed errors', () => {
    const rt = new Runtime({ ncpus: 1 });
    const good = snapshotMap(createMap(rt, spec(MapType.HASH, 4, 4, 2)));
    for (const bad of [new Uint8Array(3), b(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), good.slice(0, 20), Uint8Array.from([...good.slice(0, 8), 9, 0, 0, 0, ...good.slice(12)])]) {
      expect(errnoOf(() => restoreMap(new Runtime({ ncpus: 1 }), bad))).toBe(Errno.EINVAL);
    }
  });
});

describe('program side with addresses outside the memory', () => {
  it('returns NULL / -errno, never throws', () => {
    const rt = new Runtime({ ncpus: 1 });
    const far = rt.mem.size + 100;
    const maps = [
      createMap(rt, spec(MapType.HASH, 4, 4, 2)), createMap(rt, spec(MapType.ARRAY, 4, 4, 2)), createMap(rt, spec(MapType.PERCPU_HASH, 4, 4, 2)),
      createMap(rt, spec(MapType.LPM_TRIE, 8, 4, 2, 1)), createMap(rt, spec(MapType.QUEUE, 0, 4, 2)), createMap(rt, spec(MapType.DEVMAP, 4, 4, 2)),
      createMap(rt, spec(MapType.LRU_HASH, 4, 4, 2)), createMap(rt, spec(MapType.BLOOM_FILTER, 0, 4, 2)), createMap(rt, spec(MapType.RINGBUF, 0, 0, 4096)),
    ];
    for (const m of maps) {
      for (const a of [far, -5, 0xffffffff]) {
        expect(() => [m.lookupAddr(a), m.updateAddr(a, a, 0), m.deleteAddr(a), m.pushAddr!(a, 0), m.popAddr!(a), m.peekAddr!(a), m.lookupPercpuAddr!(a, 0)]).not.toThrow();
      }
    }
    const rb = maps[8] as RingbufMap;
    expect(rb.submitAddr(far, 0)).toBe(-Errno.EINVAL);
    expect(rb.outputAddr(far, 16, 0)).toBe(0);
  });
});

describe('destroy', () => {
  it('releases memory and unregisters', () => {
    const rt = new Runtime({ ncpus: 1 });
    const m = createMap(rt, spec(MapType.HASH, 4, 4, 2));
    m.update(u32(1), u32(1));
    m.destroy();
    expect(rt.mapById(m.id)).toBeUndefined();
    expect(errnoOf(() => m.lookup(u32(1)))).toBe(Errno.EBADF);
  });
});

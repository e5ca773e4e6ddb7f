// HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH (and the base of HASH_OF_MAPS).
//
// Buckets as in kernel/bpf/hashtab.c: n_buckets = roundup_pow_of_two(max_entries), an
// element lives in bucket jhash(key, key_size, seed) & (n_buckets - 1), newest first. The
// seed is 0 (BPF_F_ZERO_SEED gives the kernel's exact order; without it the kernel's seed is
// random, ours stays 0 so runs are reproducible). get_next_key walks buckets in index order;
// a key that is not in the map restarts from the first element, as the kernel does.
//
// An element is one region: key (rounded up to 8) then the value (per-CPU: ncpus values,
// each rounded up to 8). Updating an existing key of a plain or LRU hash replaces the
// element in the kernel and so moves it to the head of its bucket; here the value is copied
// in place and the element moved to the head (same order, same pointer). LRU maps replace
// the element as the kernel does, and evict through the kernel's LRU lists (lru.ts).

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { BATCH_DELETE, BATCH_LOOKUP, BATCH_LOOKUP_AND_DELETE, BATCH_UPDATE, BatchError, MapBase, roundUp8, type BatchResult, type ForEachFn, type MapBaseOptions } from './base.js';
import { jhash, roundupPow2 } from './jhash.js';
import { MapError, type MapSpec } from './types.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST } from './validate.js';
import { b64, unb64 } from './b64.js';
import { KernelLru, newLruNode, type LruNode, type LruState } from './lru.js';
import { F_NO_COMMON_LRU } from './validate.js';

export interface HashEntry {
  /** Offset of the element region (the key; the value follows at valOff). */
  addr: number;
  hash: number;
  /** The element's LRU node (LRU maps). */
  node?: LruEntryNode;
}

type LruEntryNode = LruNode & { entry: HashEntry };

function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/** max_entries of an LRU map with BPF_F_NO_COMMON_LRU: a multiple of the CPU count (htab_map_alloc). */
export function lruMaxEntries(maxEntries: number, flags: number, ncpus: number): number {
  if (!(flags & F_NO_COMMON_LRU)) return maxEntries;
  let me = Math.ceil(maxEntries / ncpus) * ncpus;
  if (me > 0xffffffff) me = Math.floor(maxEntries / ncpus) * ncpus;
  return me;
}

export class HashMap extends MapBase {
  readonly percpu: boolean;
  readonly lru: boolean;
  readonly nBuckets: number;
  readonly seed = 0;
  /** Offset of the value in an element. */
  readonly valOff: number;
  /** Per-CPU value stride (value size rounded up to 8). */
  readonly stride: number;
  readonly elemSize: number;
  count = 0;

  private readonly mask: number;
  private readonly buckets = new Map<number, HashEntry[]>();
  /** Indices of buckets ever used, sorted (rebuilt lazily when a new bucket appears). */
  private order: number[] | null = null;
  /** The kernel's LRU lists (LRU maps). */
  readonly lruLists: KernelLru | undefined;
  private fixedCpu = -1;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    const t = spec.type;
    this.percpu = t === MapType.PERCPU_HASH || t === MapType.LRU_PERCPU_HASH;
    this.lru = t === MapType.LRU_HASH || t === MapType.LRU_PERCPU_HASH;
    this.nBuckets = roundupPow2(this.spec.maxEntries);
    this.mask = this.nBuckets - 1;
    this.valOff = roundUp8(spec.keySize);
    this.stride = roundUp8(spec.valueSize);
    this.elemSize = this.valOff + (this.percpu ? this.stride * rt.ncpus : spec.valueSize);
    if (this.lru) {
      this.lruLists = new KernelLru(this.spec.maxEntries, rt.ncpus, (spec.flags & F_NO_COMMON_LRU) !== 0, (n) => {
        const e = (n as LruEntryNode).entry;
        this.unlinkBucket(e);
        this.freeElem(e.addr);
        return true;
      });
    }
  }

  protected override adjustSpec(spec: MapSpec, rt: Runtime): MapSpec {
    if (spec.type !== MapType.LRU_HASH && spec.type !== MapType.LRU_PERCPU_HASH) return spec;
    return { ...spec, maxEntries: lruMaxEntries(spec.maxEntries, spec.flags, rt.ncpus) };
  }

  override userValueSize(): number {
    return this.percpu ? this.stride * this.rt.ncpus : this.spec.valueSize;
  }

  // ---- core ----------------------------------------------------------------------------

  hashOf(src: Uint8Array, off: number): number {
    return jhash(src, off, this.spec.keySize, this.seed);
  }

  /** The element whose key equals src[off .. off+key_size), if any. */
  find(src: Uint8Array, off: number, hash: number): HashEntry | undefined {
    const b = this.buckets.get(hash & this.mask);
    if (!b) return undefined;
    const u8 = this.rt.mem.u8;
    const ks = this.spec.keySize;
    for (const e of b) {
      if (e.hash !== hash) continue;
      let i = 0;
      const a = e.addr;
      while (i < ks && u8[a + i] === src[off + i]) i++;
      if (i === ks) return e;
    }
    return undefined;
  }

  private cpu(): number {
    return this.fixedCpu >= 0 ? this.fixedCpu : this.rt.currentCpu;
  }

  private valueAddrOf(e: HashEntry, cpu: number): number {
    return e.addr + this.valOff + (this.percpu ? cpu * this.stride : 0);
  }

  /** bpf_lru_node_set_ref (programs' lookups of LRU maps). */
  private touch(e: HashEntry): void {
    if (e.node) e.node.lruRef = 1;
  }

  private unlinkBucket(e: HashEntry): void {
    const b = this.buckets.get(e.hash & this.mask)!;
    b.splice(b.indexOf(e), 1);
    this.count--;
  }

  /** Remove an element from the table (and its LRU node from the LRU lists). */
  private unlink(e: HashEntry): void {
    this.unlinkBucket(e);
    if (e.node) this.lruLists!.release(e.node);
  }

  /** The linear memory when src is null (resolved at each use: allocations may replace it). */
  private res(src: Uint8Array | null): Uint8Array {
    return src ?? this.rt.mem.u8;
  }

  private newEntry(key: Uint8Array | null, kOff: number, hash: number): HashEntry | undefined {
    const addr = this.allocElem(this.elemSize);
    if (!addr) return undefined;
    const e: HashEntry = { addr, hash };
    this.copyIn(addr, key, kOff, this.spec.keySize);
    if (this.lru) {
      const n = newLruNode() as LruEntryNode;
      n.entry = e;
      e.node = n;
    }
    return e;
  }

  /** htab_lru_map_update_elem / __htab_lru_percpu_map_update_elem. */
  private lruUpsert(key: Uint8Array | null, kOff: number, src: Uint8Array | null, vOff: number, flags: number, allCpus: boolean): number {
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    const lru = this.lruLists!;
    const cpu = this.cpu();
    const hash = this.hashOf(this.res(key), kOff);
    const popped = !(this.percpu && flags === BPF_EXIST);
    if (popped && !lru.pop(cpu)) return -Errno.ENOMEM; // may evict (even this key)
    const old = this.find(this.res(key), kOff, hash);
    const fail = (errno: number): number => { if (popped) lru.unpop(cpu); return -errno; };
    if (old && flags === BPF_NOEXIST) return fail(Errno.EEXIST);
    if (!old && flags === BPF_EXIST) return fail(Errno.ENOENT);
    if (this.percpu && old) {
      lru.ref(old.node!);
      this.writePercpu(old, src, vOff, allCpus);
      if (popped) lru.unpop(cpu);
      return 0;
    }
    const e = this.newEntry(key, kOff, hash);
    if (!e) return fail(Errno.ENOMEM);
    if (this.percpu) this.writePercpu(e, src, vOff, allCpus);
    else this.storeValue(e.addr + this.valOff, src, vOff, this.spec.valueSize);
    this.pushFront(e);
    this.count++;
    lru.attach(e.node!, cpu);
    if (old) {
      lru.ref(e.node!);
      this.unlink(old);
      this.freeElem(old.addr);
    }
    return 0;
  }

  private pushFront(e: HashEntry): void {
    const bi = e.hash & this.mask;
    let b = this.buckets.get(bi);
    if (!b) {
      this.buckets.set(bi, (b = []));
      this.order = null;
    }
    b.unshift(e);
  }

  /** Insert or update; value from src[vOff..] (all CPUs when allCpus). 0 or -errno. */
  protected upsert(key: Uint8Array | null, kOff: number, src: Uint8Array | null, vOff: number, flags: number, allCpus: boolean): number {
    if (this.lru) return this.lruUpsert(key, kOff, src, vOff, flags, allCpus);
    const op = flags & ~BPF_F_LOCK;
    if (op > BPF_EXIST || (this.percpu && (flags & BPF_F_LOCK))) return -Errno.EINVAL;
    if ((flags & BPF_F_LOCK) && this.lockOff < 0) return -Errno.EINVAL;
    const hash = this.hashOf(this.res(key), kOff);
    const old = this.find(this.res(key), kOff, hash);
    if (old && op === BPF_NOEXIST) return -Errno.EEXIST;
    if (!old && op === BPF_EXIST) return -Errno.ENOENT;
    const vs = this.spec.valueSize;
    if (old) {
      if (this.percpu) {
        this.writePercpu(old, src, vOff, allCpus);
        return 0;
      }
      this.storeValue(old.addr + this.valOff, src, vOff, vs);
      if (flags & BPF_F_LOCK) return 0; // copied under the lock, element kept
      const b = this.buckets.get(hash & this.mask)!;
      if (b[0] !== old) { b.splice(b.indexOf(old), 1); b.unshift(old); }
      return 0;
    }
    if (this.count >= this.spec.maxEntries) return -Errno.E2BIG;
    const e = this.newEntry(key, kOff, hash);
    if (!e) return -Errno.ENOMEM;
    if (this.percpu) this.writePercpu(e, src, vOff, allCpus);
    else this.storeValue(e.addr + this.valOff, src, vOff, vs);
    this.pushFront(e);
    this.count++;
    return 0;
  }

  private writePercpu(e: HashEntry, src: Uint8Array | null, vOff: number, allCpus: boolean): void {
    const vs = this.spec.valueSize;
    if (allCpus) {
      // user space: each CPU's value rounded up to 8 bytes, padding included
      for (let c = 0; c < this.rt.ncpus; c++) this.storeValue(this.valueAddrOf(e, c), src, vOff + c * this.stride, this.stride);
    } else {
      this.storeValue(this.valueAddrOf(e, this.cpu()), src, vOff, vs);
    }
  }

  protected remove(key: Uint8Array, off: number): number {
    const e = this.find(key, off, this.hashOf(key, off));
    if (!e) return -Errno.ENOENT;
    this.unlink(e);
    this.freeElem(e.addr);
    return 0;
  }

  private sortedBuckets(): number[] {
    return (this.order ??= [...this.buckets.keys()].sort((a, b) => a - b));
  }

  /** First element in a bucket with index ≥ from. */
  private firstFrom(from: number): HashEntry | undefined {
    const order = this.sortedBuckets();
    let lo = 0, hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]! < from) lo = mid + 1; else hi = mid;
    }
    for (let i = lo; i < order.length; i++) {
      const b = this.buckets.get(order[i]!)!;
      if (b.length) return b[0];
    }
    return undefined;
  }

  /** The element after the one with this key (null key or a missing key: the first). */
  nextEntry(key: Uint8Array | null, off = 0): HashEntry | undefined {
    if (key) {
      const hash = this.hashOf(key, off);
      const e = this.find(key, off, hash);
      if (e) {
        const b = this.buckets.get(hash & this.mask)!;
        const i = b.indexOf(e);
        if (i + 1 < b.length) return b[i + 1];
        return this.firstFrom((hash & this.mask) + 1);
      }
    }
    return this.firstFrom(0);
  }

  /** Every element in iteration (bucket) order. */
  *elements(): IterableIterator<HashEntry> {
    for (const bi of [...this.sortedBuckets()]) {
      const b = this.buckets.get(bi);
      if (b) for (const e of [...b]) yield e;
    }
  }

  keyOf(e: HashEntry): Uint8Array {
    return this.rt.mem.read(e.addr, this.spec.keySize);
  }

  override exportState(): unknown {
    const list = [...this.elements()];
    const index = new Map(list.map((e, i) => [e, i]));
    // LRU: the complete list state (which element is evicted next survives a restore)
    const lru = this.lruLists ? this.lruLists.exportState((n) => index.get((n as LruEntryNode).entry)!) : undefined;
    return { entries: list.map((e) => [b64(this.keyOf(e)), b64(this.valueBytes(e))]), lru };
  }

  override importState(state: unknown, fromNcpus = this.rt.ncpus): void {
    const s = state as { entries: Array<[string, string]>; lru?: LruState };
    const made: HashEntry[] = [];
    for (let i = s.entries.length - 1; i >= 0; i--) {
      const [k, v] = s.entries[i]!;
      const key = unb64(k);
      const value = this.percpu ? this.resizePercpu(unb64(v), fromNcpus) : unb64(v);
      const e = this.newEntry(key, 0, this.hashOf(key, 0));
      if (!e) throw new MapError(Errno.ENOMEM, 'restore');
      if (this.percpu) this.writePercpu(e, value, 0, true);
      else this.storeValue(e.addr + this.valOff, value, 0, this.spec.valueSize);
      this.pushFront(e);
      this.count++;
      made[i] = e;
    }
    if (this.lruLists) {
      if (fromNcpus !== this.rt.ncpus) {
        // the lists are per CPU: with another CPU count, rebuild them (all elements as new on CPU 0)
        for (let i = made.length - 1; i >= 0; i--) {
          if (!this.lruLists.pop(0)) throw new MapError(Errno.EINVAL, 'restore', 'map restore: LRU state does not fit');
          this.lruLists.attach(made[i]!.node!, 0);
        }
      } else if (!s.lru || !this.lruLists.importState(s.lru, (i) => made[i]?.node) || made.some((e) => e.node!.lruLink.next === e.node!.lruLink)) {
        throw new MapError(Errno.EINVAL, 'restore', 'map restore: bad LRU state');
      }
    }
  }

  // ---- program side ----------------------------------------------------------------------

  lookupAddr(keyAddr: number): number {
    if (!this.inMem(keyAddr, this.spec.keySize)) return 0;
    const u8 = this.rt.mem.u8;
    const e = this.find(u8, keyAddr, this.hashOf(u8, keyAddr));
    if (!e) return 0;
    if (this.lru) this.touch(e);
    return this.valueAddrOf(e, this.cpu());
  }

  override lookupPercpuAddr(keyAddr: number, cpu: number): number {
    if (!this.percpu || cpu < 0 || cpu >= this.rt.ncpus || !this.inMem(keyAddr, this.spec.keySize)) return 0;
    const u8 = this.rt.mem.u8;
    const e = this.find(u8, keyAddr, this.hashOf(u8, keyAddr));
    if (!e) return 0;
    if (this.lru) this.touch(e);
    return this.valueAddrOf(e, cpu);
  }

  updateAddr(keyAddr: number, valueAddr: number, flags: number): number {
    if (!this.inMem(keyAddr, this.spec.keySize) || !this.inMem(valueAddr, this.spec.valueSize)) return -Errno.EFAULT;
    return this.upsert(null, keyAddr, null, valueAddr, flags, false);
  }

  deleteAddr(keyAddr: number): number {
    // the key is compared in place (no copy per delete)
    if (this.inMem(keyAddr, this.spec.keySize)) return this.remove(this.rt.mem.u8, keyAddr);
    return this.remove(this.readMem(keyAddr, this.spec.keySize), 0);
  }

  override forEach(fn: ForEachFn): number {
    let n = 0;
    for (const e of this.elements()) {
      n++;
      if (fn(e.addr, this.valueAddrOf(e, this.cpu())) !== 0) break;
    }
    return n;
  }

  /** Run `fn` as if on `cpu` (user-space tests of per-CPU behaviour). */
  onCpu<T>(cpu: number, fn: () => T): T {
    const saved = this.fixedCpu;
    this.fixedCpu = cpu;
    try { return fn(); } finally { this.fixedCpu = saved; }
  }

  // ---- user side -------------------------------------------------------------------------

  protected override batchOps(): number {
    return BATCH_LOOKUP | BATCH_LOOKUP_AND_DELETE | BATCH_UPDATE | BATCH_DELETE;
  }

  /**
   * __htab_map_lookup_and_delete_batch: the batch token is a u32 bucket index; whole
   * buckets only (ENOSPC when the first non-empty bucket does not fit in `count`); done
   * (ENOENT) once the last bucket has been passed.
   */
  protected override batchLookup(inBatch: Uint8Array | null, count: number, elemFlags: number, del: boolean): BatchResult {
    const op = del ? 'lookup_and_delete_batch' : 'lookup_batch';
    const res: BatchResult = { keys: [], values: [], outBatch: null, done: false };
    if (!count) return res;
    let batch = 0;
    if (inBatch) {
      if (inBatch.length < 4) throw new MapError(Errno.EINVAL, op, `${op}: batch token must be 4 bytes`);
      batch = (inBatch[0]! | (inBatch[1]! << 8) | (inBatch[2]! << 16) | (inBatch[3]! << 24)) >>> 0;
    }
    if (batch >= this.nBuckets) throw new MapError(Errno.ENOENT, op);
    const order = this.sortedBuckets();
    for (;;) {
      // skip to the next used bucket ≥ batch
      let next = this.nBuckets;
      for (const bi of order) if (bi >= batch && this.buckets.get(bi)!.length) { next = bi; break; }
      if (next >= this.nBuckets) { batch = this.nBuckets; res.done = true; break; }
      batch = next;
      const b = this.buckets.get(batch)!;
      if (b.length > count - res.keys.length) {
        if (res.keys.length === 0) throw new BatchError(Errno.ENOSPC, op, 0, u32Bytes(batch)); // the kernel still reports the bucket
        break;
      }
      for (const e of [...b]) {
        res.keys.push(this.keyOf(e));
        res.values.push(this.valueBytes(e));
        if (del) { this.unlink(e); this.freeElem(e.addr); }
      }
      batch++;
      if (batch >= this.nBuckets) { res.done = true; break; }
    }
    res.outBatch = u32Bytes(batch);
    return res;
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const e = this.find(key, 0, this.hashOf(key, 0));
    if (!e) return -Errno.ENOENT;
    return this.valueBytes(e);
  }

  valueBytes(e: HashEntry): Uint8Array {
    if (!this.percpu) return this.loadValue(e.addr + this.valOff, this.spec.valueSize);
    const out = new Uint8Array(this.userValueSize());
    for (let c = 0; c < this.rt.ncpus; c++) this.loadValue(this.valueAddrOf(e, c), this.stride, out, c * this.stride);
    return out;
  }

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.upsert(key, 0, value, 0, flags, true);
  }

  protected userDelete(key: Uint8Array): number {
    return this.remove(key, 0);
  }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    const e = this.nextEntry(key);
    return e ? this.keyOf(e) : -Errno.ENOENT;
  }

  protected override userLookupAndDelete(key: Uint8Array, flags: number): Uint8Array | number {
    if (flags & ~BPF_F_LOCK) return -Errno.EINVAL;
    if (this.percpu && flags) return -Errno.EINVAL;
    const e = this.find(key, 0, this.hashOf(key, 0));
    if (!e) return -Errno.ENOENT;
    const v = this.valueBytes(e);
    this.unlink(e);
    this.freeElem(e.addr);
    return v;
  }
}

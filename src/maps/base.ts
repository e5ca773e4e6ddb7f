// Shared machinery of every map type: identity (id, descriptor address), the user-side
// checks the bpf() syscall makes before a map's own operation runs (permissions, frozen,
// flags, sizes), and the pool of element regions in the one linear memory.
//
// Element regions are recycled through the map's own free list and only released when the
// map is destroyed, as the kernel's preallocated maps do: a value pointer a program still
// holds after a delete points to memory that stays mapped (and may be reused by the next
// insert, exactly like the kernel's freelist).

import type { Runtime } from '../runtime/runtime.js';
import { Errno } from '../uapi/errno.js';
import { MapError, type BpfMap, type MapSpec, type UpdateFlags } from './types.js';
import { BPF_F_LOCK, F_RDONLY, F_RDONLY_PROG, F_WRONLY } from './validate.js';

export const roundUp8 = (n: number): number => (n + 7) & ~7;

/** Size of a map descriptor region (what a map pointer register points to). */
export const DESCRIPTOR_SIZE = 64;

export interface MapBaseOptions {
  /** Use this id instead of allocating one (restoring pinned maps). */
  id?: number;
}

/** Result of a batch lookup (BPF_MAP_LOOKUP_BATCH / LOOKUP_AND_DELETE_BATCH). */
export interface BatchResult {
  keys: Uint8Array[];
  values: Uint8Array[];
  /** Token to pass as `inBatch` of the next call (hash maps: a u32 bucket index; others: the last key). */
  outBatch: Uint8Array | null;
  /** The kernel returned ENOENT: the iteration reached the end (the entries above are still valid). */
  done: boolean;
}

export const BATCH_LOOKUP = 1;
export const BATCH_LOOKUP_AND_DELETE = 2;
export const BATCH_UPDATE = 4;
export const BATCH_DELETE = 8;

/** A batch update/delete that stopped part way: `count` elements were processed. */
export class BatchError extends MapError {
  constructor(errno: number, op: string, readonly count: number, readonly outBatch: Uint8Array | null = null) {
    super(errno, op, `${op}: ${count} element${count === 1 ? '' : 's'} processed, then: error ${errno}`);
  }
}

/** Result of a user-side iteration step. */
export type NextKeyResult = Uint8Array | null;

/**
 * Callback of forEach: receives the key and value offsets of one element, returns what the
 * BPF callback returned (0 = continue, anything else = stop).
 */
export type ForEachFn = (keyAddr: number, valueAddr: number) => number;

export abstract class MapBase implements BpfMap {
  readonly rt: Runtime;
  readonly id: number;
  readonly spec: Readonly<MapSpec>;
  readonly addr: number;
  frozen = false;
  destroyed = false;
  /** Offset in a value of the struct bpf_spin_lock (never copied from or to user space), or -1. */
  readonly lockOff: number;

  private readonly pool: number[] = [];
  private readonly owned: number[] = [];
  private poolSize = -1;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    this.rt = rt;
    const { contents: _c, ...rest } = this.adjustSpec(spec, rt);
    this.spec = Object.freeze({ ...rest, flags: this.adjustFlags(spec.flags) });
    this.lockOff = spec.spinLockOffset ?? -1;
    this.id = opts.id ?? rt.allocMapId();
    this.addr = rt.mem.alloc(DESCRIPTOR_SIZE, { kind: 'map', name: `map ${spec.name || this.id}`, readable: false, writable: false });
    const dv = rt.mem.dv;
    dv.setUint32(this.addr, spec.type, true);
    dv.setUint32(this.addr + 4, spec.keySize, true);
    dv.setUint32(this.addr + 8, spec.valueSize, true);
    dv.setUint32(this.addr + 12, spec.maxEntries, true);
    dv.setUint32(this.addr + 16, this.spec.flags, true);
    dv.setUint32(this.addr + 20, this.id, true);
  }

  /** Attributes the kernel changes at creation (LRU with BPF_F_NO_COMMON_LRU: max_entries). */
  protected adjustSpec(spec: MapSpec, _rt: Runtime): MapSpec {
    return spec;
  }

  /** Flags the kernel adds at creation (devmap: BPF_F_RDONLY_PROG). */
  protected adjustFlags(flags: number): number {
    return flags;
  }

  get keySize(): number { return this.spec.keySize; }
  get valueSize(): number { return this.spec.valueSize; }
  get maxEntries(): number { return this.spec.maxEntries; }
  get type(): number { return this.spec.type; }

  // ---- memory ----------------------------------------------------------------------------

  /** A region of linear memory owned by the map until destroy; 0 when memory is exhausted. */
  protected allocRegion(size: number, kind: 'map_value' | 'map_key' | 'ringbuf' = 'map_value', what = 'value'): number {
    try {
      const a = this.rt.mem.alloc(size, { kind, name: `${this.spec.name || 'map'} ${what}`, writable: (this.spec.flags & F_RDONLY_PROG) === 0 || kind !== 'map_value' });
      this.owned.push(a);
      return a;
    } catch {
      return 0;
    }
  }

  /** An element region of `size` bytes (all elements of one map have the same size), zeroed; 0 = ENOMEM. */
  protected allocElem(size: number): number {
    if (this.poolSize < 0) this.poolSize = size;
    const a = this.pool.pop();
    if (a !== undefined) {
      this.rt.mem.u8.fill(0, a, a + size);
      return a;
    }
    return this.allocRegion(size);
  }

  protected freeElem(a: number): void {
    this.pool.push(a);
  }

  /**
   * Copy a value into memory at dst; the spin lock (if any) is never overwritten. `src` null
   * means the linear memory itself (a program's value pointer): no temporary arrays.
   */
  protected storeValue(dst: number, src: Uint8Array | null, srcOff: number, len: number): void {
    const lo = this.lockOff;
    if (lo < 0 || lo >= len) {
      this.copyIn(dst, src, srcOff, len);
    } else {
      this.copyIn(dst, src, srcOff, lo);
      this.copyIn(dst + lo + 4, src, srcOff + lo + 4, len - lo - 4);
    }
  }

  /** Copy len bytes from src (null: the linear memory) into the memory at dst. */
  protected copyIn(dst: number, src: Uint8Array | null, srcOff: number, len: number): void {
    const u8 = this.rt.mem.u8;
    if (len <= 0) return;
    if (src === null) {
      if (len <= 16) for (let i = 0; i < len; i++) u8[dst + i] = u8[srcOff + i]!;
      else u8.copyWithin(dst, srcOff, srcOff + len);
    } else if (len <= 16) {
      for (let i = 0; i < len; i++) u8[dst + i] = src[srcOff + i] ?? 0;
    } else {
      u8.set(src.subarray(srcOff, srcOff + len), dst);
    }
  }

  /** Read a value for user space (the spin lock reads as zero). */
  protected loadValue(src: number, len: number, out?: Uint8Array, outOff = 0): Uint8Array {
    const res = out ?? new Uint8Array(len);
    res.set(this.rt.mem.u8.subarray(src, src + len), outOff);
    if (this.lockOff >= 0 && this.lockOff + 4 <= len) res.fill(0, outOff + this.lockOff, outOff + this.lockOff + 4);
    return res;
  }

  // ---- program side (defaults: operation not supported by this map type) ----------------

  abstract lookupAddr(keyAddr: number): number;
  abstract updateAddr(keyAddr: number, valueAddr: number, flags: UpdateFlags): number;
  abstract deleteAddr(keyAddr: number): number;

  /** bpf_map_push_elem: 0 or -errno. */
  pushAddr(_valueAddr: number, _flags: number): number { return -Errno.EINVAL; }
  /** bpf_map_pop_elem: copies the value to valueAddr; 0 or -errno. */
  popAddr(_valueAddr: number): number { return -Errno.EINVAL; }
  /** bpf_map_peek_elem: 0 or -errno. */
  peekAddr(_valueAddr: number): number { return -Errno.EINVAL; }
  /** bpf_map_lookup_percpu_elem: the value of `cpu`, or 0. */
  lookupPercpuAddr(_keyAddr: number, _cpu: number): number { return 0; }
  /** bpf_for_each_map_elem: number of elements visited, or -errno. */
  forEach(_fn: ForEachFn): number { return -Errno.EINVAL; }

  /** Copy `len` bytes at a program address into a fresh array (safe across memory growth; zeros past the end of memory). */
  protected readMem(addr: number, len: number): Uint8Array {
    const u8 = this.rt.mem.u8;
    if (addr >= 0 && addr + len <= u8.length) return u8.slice(addr, addr + len);
    const out = new Uint8Array(len);
    if (addr >= 0 && addr < u8.length) out.set(u8.subarray(addr, Math.min(u8.length, addr + len)));
    return out;
  }

  /** The u32 at a program address (an index key), or -1 when it is outside the memory. */
  protected readIndex(addr: number): number {
    const u8 = this.rt.mem.u8;
    if (!(addr >= 0 && addr + 4 <= u8.length)) return -1;
    return this.rt.mem.dv.getUint32(addr, true);
  }

  /** Whether `len` bytes at `addr` lie in the memory (helpers normally checked this already). */
  protected inMem(addr: number, len: number): boolean {
    return addr >= 0 && addr + len <= this.rt.mem.u8.length;
  }

  // ---- user side -------------------------------------------------------------------------

  protected check(op: string, need: 'read' | 'write' | 'none', errnoWhenDestroyed = Errno.EBADF): void {
    if (this.destroyed) throw new MapError(errnoWhenDestroyed, op, `${op}: map ${this.id} was destroyed`);
    if (need === 'read' && (this.spec.flags & F_WRONLY)) throw new MapError(Errno.EPERM, op, `${op}: map is write-only (BPF_F_WRONLY)`);
    if (need === 'write') {
      if (this.spec.flags & F_RDONLY) throw new MapError(Errno.EPERM, op, `${op}: map is read-only (BPF_F_RDONLY)`);
      if (this.frozen) throw new MapError(Errno.EPERM, op, `${op}: map is frozen`);
    }
  }

  protected checkKey(op: string, key: Uint8Array | null | undefined): void {
    if (this.spec.keySize === 0) return;
    if (!(key instanceof Uint8Array)) throw new MapError(Errno.EINVAL, op, `${op}: key must be ${this.spec.keySize} bytes`);
    if (key.length !== this.spec.keySize) throw new MapError(Errno.EINVAL, op, `${op}: key is ${key.length} bytes, map key size is ${this.spec.keySize}`);
  }

  /** Size of a value as user space passes and receives it (per-CPU maps: all CPUs). */
  userValueSize(): number {
    return this.spec.valueSize;
  }

  protected checkValue(op: string, value: Uint8Array): void {
    const n = this.userValueSize();
    if (!(value instanceof Uint8Array)) throw new MapError(Errno.EINVAL, op, `${op}: value must be ${n} bytes`);
    if (value.length !== n) throw new MapError(Errno.EINVAL, op, `${op}: value is ${value.length} bytes, expected ${n}`);
  }

  protected checkLockFlag(op: string, flags: number): void {
    if ((flags & BPF_F_LOCK) && this.lockOff < 0) throw new MapError(Errno.EINVAL, op, `${op}: BPF_F_LOCK on a map whose value has no bpf_spin_lock`);
  }

  protected static throwIf(op: string, r: number): void {
    if (r < 0) throw new MapError(-r, op);
  }

  lookup(key: Uint8Array, flags = 0): Uint8Array {
    if (flags & ~BPF_F_LOCK) throw new MapError(Errno.EINVAL, 'lookup', `lookup: flags 0x${flags.toString(16)} not allowed`);
    this.check('lookup', 'read');
    this.checkLockFlag('lookup', flags);
    this.checkKey('lookup', key);
    const r = this.userLookup(key, flags);
    if (typeof r === 'number') throw new MapError(-r, 'lookup');
    return r;
  }

  update(key: Uint8Array, value: Uint8Array, flags: UpdateFlags = 0): void {
    this.check('update', 'write');
    this.checkLockFlag('update', flags);
    this.checkKey('update', key);
    this.checkValue('update', value);
    MapBase.throwIf('update', this.userUpdate(key, value, flags));
  }

  delete(key: Uint8Array): void {
    this.check('delete', 'write');
    this.checkKey('delete', key);
    MapBase.throwIf('delete', this.userDelete(key));
  }

  nextKey(key: Uint8Array | null): Uint8Array | null {
    this.check('get_next_key', 'read');
    if (key !== null) this.checkKey('get_next_key', key);
    const r = this.userNextKey(key);
    if (typeof r === 'number') {
      if (r === -Errno.ENOENT) return null;
      throw new MapError(-r, 'get_next_key');
    }
    return r;
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (queue/stack pop; hash maps since 5.14). */
  lookupAndDelete(key: Uint8Array | null, flags = 0): Uint8Array {
    if (flags & ~BPF_F_LOCK) throw new MapError(Errno.EINVAL, 'lookup_and_delete', `lookup_and_delete: flags 0x${flags.toString(16)} not allowed`);
    this.check('lookup_and_delete', 'read');
    this.check('lookup_and_delete', 'write');
    this.checkLockFlag('lookup_and_delete', flags);
    if (this.spec.keySize) this.checkKey('lookup_and_delete', key);
    const r = this.userLookupAndDelete(key ?? new Uint8Array(0), flags);
    if (typeof r === 'number') throw new MapError(-r, 'lookup_and_delete');
    return r;
  }

  freeze(): void {
    if (this.destroyed) throw new MapError(Errno.EBADF, 'freeze');
    if (this.lockOff >= 0) throw new MapError(Errno.ENOTSUPP, 'freeze', 'freeze: maps with special fields (bpf_spin_lock) cannot be frozen');
    this.check('freeze', 'write');
    this.frozen = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.rt.unregisterMap(this);
    const mem = this.rt.mem;
    for (const a of this.owned) mem.free(a);
    this.owned.length = 0;
    this.pool.length = 0;
    mem.free(this.addr);
  }

  /** All keys in get_next_key order (stops if a key repeats, as a guard against cycles). */
  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let k = this.nextKey(null);
    const seen = new Set<string>();
    while (k) {
      const s = k.join(',');
      if (seen.has(s)) break;
      seen.add(s);
      out.push(k);
      k = this.nextKey(k);
    }
    return out;
  }

  /** All entries in get_next_key order (what `bpftool map dump` prints). */
  entries(): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const k of this.keys()) {
      try {
        out.push([k, this.lookup(k)]);
      } catch (e) {
        if (e instanceof MapError && e.errno === Errno.ENOENT) continue;
        throw e;
      }
    }
    return out;
  }

  // ---- batch operations (generic_map_*_batch; hash maps override lookup) ---------------

  /** Batch operations of this map type (BATCH_* bits; the kernel's map_*_batch ops). */
  protected batchOps(): number {
    return 0;
  }

  private batchCheck(op: string, elemFlags: number, need: 'read' | 'write' | 'rw', bit: number): void {
    if (need === 'rw') { this.check(op, 'read'); this.check(op, 'write'); } else this.check(op, need);
    if (!(this.batchOps() & bit)) throw new MapError(Errno.ENOTSUPP, op, `${op}: not supported by this map type`);
    if (elemFlags & ~BPF_F_LOCK) throw new MapError(Errno.EINVAL, op, `${op}: elem_flags 0x${elemFlags.toString(16)}`);
    this.checkLockFlag(op, elemFlags);
  }

  /** BPF_MAP_LOOKUP_BATCH: up to `count` entries after `inBatch` (null: from the start). */
  lookupBatch(inBatch: Uint8Array | null, count: number, elemFlags = 0): BatchResult {
    this.batchCheck('lookup_batch', elemFlags, 'read', BATCH_LOOKUP);
    return this.batchLookup(inBatch, count, elemFlags, false);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_BATCH. */
  lookupAndDeleteBatch(inBatch: Uint8Array | null, count: number, elemFlags = 0): BatchResult {
    this.batchCheck('lookup_and_delete_batch', elemFlags, 'rw', BATCH_LOOKUP_AND_DELETE);
    return this.batchLookup(inBatch, count, elemFlags, true);
  }

  protected batchLookup(inBatch: Uint8Array | null, count: number, elemFlags: number, del: boolean): BatchResult {
    if (del) throw new MapError(Errno.ENOTSUPP, 'lookup_and_delete_batch', 'lookup_and_delete_batch: not supported by this map type');
    const res: BatchResult = { keys: [], values: [], outBatch: null, done: false };
    if (!count) return res;
    let prev: Uint8Array | null = inBatch;
    if (prev) this.checkKey('lookup_batch', prev);
    while (res.keys.length < count) {
      const k = this.userNextKey(prev);
      if (typeof k === 'number') {
        if (k === -Errno.ENOENT) { res.done = true; break; }
        throw new MapError(-k, 'lookup_batch');
      }
      const v = this.userLookup(k, elemFlags);
      if (typeof v !== 'number') { res.keys.push(k); res.values.push(v); } else if (v !== -Errno.ENOENT) throw new MapError(-v, 'lookup_batch');
      prev = k;
    }
    res.outBatch = res.keys.length ? prev : null;
    return res;
  }

  /** BPF_MAP_UPDATE_BATCH: returns the number updated; BatchError (with .count) when one fails. */
  updateBatch(keys: Uint8Array[], values: Uint8Array[], elemFlags = 0): number {
    this.batchCheck('update_batch', elemFlags, 'write', BATCH_UPDATE);
    if (keys.length !== values.length) throw new MapError(Errno.EINVAL, 'update_batch', 'update_batch: as many values as keys needed');
    let n = 0;
    for (; n < keys.length; n++) {
      try {
        this.checkKey('update_batch', keys[n]);
        this.checkValue('update_batch', values[n]!);
      } catch (e) {
        throw new BatchError((e as MapError).errno ?? Errno.EINVAL, 'update_batch', n);
      }
      const r = this.userUpdate(keys[n]!, values[n]!, elemFlags);
      if (r < 0) throw new BatchError(-r, 'update_batch', n);
    }
    return n;
  }

  /** BPF_MAP_DELETE_BATCH: returns the number deleted; BatchError (with .count) when one fails. */
  deleteBatch(keys: Uint8Array[], elemFlags = 0): number {
    this.batchCheck('delete_batch', elemFlags, 'write', BATCH_DELETE);
    let n = 0;
    for (; n < keys.length; n++) {
      try {
        this.checkKey('delete_batch', keys[n]);
      } catch (e) {
        throw new BatchError((e as MapError).errno ?? Errno.EINVAL, 'delete_batch', n);
      }
      const r = this.userDelete(keys[n]!);
      if (r < 0) throw new BatchError(-r, 'delete_batch', n);
    }
    return n;
  }

  // ---- snapshot support (snapshot.ts) ---------------------------------------------------

  /** The map's contents as JSON-able data (type-specific; see snapshot.ts). */
  exportState(): unknown {
    return null;
  }

  /**
   * Restore contents exported by exportState, bypassing update checks (references may
   * dangle). `fromNcpus`: the CPU count of the runtime the state comes from (per-CPU values
   * are cut or zero-extended to this runtime's).
   */
  importState(_state: unknown, _fromNcpus?: number): void {}

  /** A per-CPU user value of `from` CPUs resized to this runtime's CPU count. */
  protected resizePercpu(v: Uint8Array, from: number): Uint8Array {
    const n = this.rt.ncpus;
    if (from === n) return v;
    const stride = roundUp8(this.spec.valueSize);
    const out = new Uint8Array(stride * n);
    out.set(v.subarray(0, stride * Math.min(from, n)));
    return out;
  }

  /** Set the frozen flag without permission checks (restoring a snapshot). */
  setFrozen(frozen: boolean): void {
    this.frozen = frozen;
  }

  // per type: 0/-errno, or the bytes
  protected abstract userLookup(key: Uint8Array, flags: number): Uint8Array | number;
  protected abstract userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number;
  protected abstract userDelete(key: Uint8Array): number;
  protected abstract userNextKey(key: Uint8Array | null): Uint8Array | number;
  protected userLookupAndDelete(_key: Uint8Array, _flags: number): Uint8Array | number {
    return -Errno.ENOTSUPP;
  }
}

// QUEUE, STACK (kernel/bpf/queue_stack_maps.c) and BLOOM_FILTER (kernel/bpf/bloom_filter.c).
//
// Queue and stack: key size 0; push (bpf_map_push_elem, or a BPF_MAP_UPDATE_ELEM from user
// space) fails with E2BIG when full unless BPF_EXIST is given, which overwrites the oldest
// element; pop/peek of an empty map is ENOENT; lookup from user space is a peek,
// lookup-and-delete a pop. Programs never get a pointer into the map.
//
// Bloom filter: push sets nr_hash_funcs bits, jhash(value, seed + i) & bitset_mask each;
// peek is 0 when all are set, ENOENT otherwise. User-space lookup takes the value to test
// as its `key` argument (the kernel reads it from the value buffer).

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { MapBase, type MapBaseOptions } from './base.js';
import { jhash, roundupPow2 } from './jhash.js';
import { MapError, type MapSpec } from './types.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST } from './validate.js';
import { b64, unb64 } from './b64.js';

export class QueueStackMap extends MapBase {
  readonly isStack: boolean;
  private readonly items: Uint8Array[] = [];

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.isStack = spec.type === MapType.STACK;
  }

  get length(): number { return this.items.length; }

  /** Values from the next to pop to the last. */
  values(): Uint8Array[] {
    const v = this.items.map((x) => x.slice());
    return this.isStack ? v.reverse() : v;
  }

  push(value: Uint8Array, flags: number): number {
    if ((flags & BPF_NOEXIST) || flags > BPF_EXIST) return -Errno.EINVAL;
    if (this.items.length >= this.spec.maxEntries) {
      if (!(flags & BPF_EXIST)) return -Errno.E2BIG;
      this.items.shift(); // overwrite the oldest (queue: the head; stack: the bottom)
    }
    this.items.push(value.slice(0, this.spec.valueSize));
    return 0;
  }

  private take(remove: boolean): Uint8Array | number {
    if (!this.items.length) return -Errno.ENOENT;
    if (this.isStack) return remove ? this.items.pop()! : this.items[this.items.length - 1]!;
    return remove ? this.items.shift()! : this.items[0]!;
  }

  override exportState(): unknown {
    return { items: this.items.map(b64) };
  }

  override importState(state: unknown): void {
    this.items.length = 0;
    for (const x of (state as { items: string[] }).items) this.items.push(unb64(x));
  }

  // ---- program side ----------------------------------------------------------------------

  lookupAddr(): number { return 0; }
  updateAddr(): number { return -Errno.EINVAL; }
  deleteAddr(): number { return -Errno.EINVAL; }

  override pushAddr(valueAddr: number, flags: number): number {
    return this.push(this.readMem(valueAddr, this.spec.valueSize), flags);
  }

  override popAddr(valueAddr: number): number {
    if (!this.inMem(valueAddr, this.spec.valueSize)) return -Errno.EFAULT;
    const v = this.take(true);
    if (typeof v === 'number') return v;
    this.rt.mem.write(valueAddr, v);
    return 0;
  }

  override peekAddr(valueAddr: number): number {
    if (!this.inMem(valueAddr, this.spec.valueSize)) return -Errno.EFAULT;
    const v = this.take(false);
    if (typeof v === 'number') return v;
    this.rt.mem.write(valueAddr, v);
    return 0;
  }

  // ---- user side -------------------------------------------------------------------------

  protected userLookup(): Uint8Array | number {
    const v = this.take(false);
    return typeof v === 'number' ? v : v.slice();
  }

  protected userUpdate(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.push(value, flags);
  }

  protected userDelete(): number { return -Errno.EINVAL; }
  protected userNextKey(): Uint8Array | number { return -Errno.EINVAL; }

  protected override userLookupAndDelete(_key: Uint8Array, flags: number): Uint8Array | number {
    if (flags) return -Errno.EINVAL;
    return this.take(true);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: the next value, removed. */
  pop(): Uint8Array {
    return this.lookupAndDelete(null);
  }
}

export class BloomFilterMap extends MapBase {
  readonly nrHashFuncs: number;
  readonly bitsetMask: number;
  readonly seed = 0;
  private readonly bits: Uint8Array | undefined;
  private readonly sparse: Set<number> | undefined;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.nrHashFuncs = Number((spec.mapExtra ?? 0n) & 0xfn) || 5;
    // bloom_map_alloc: n * k / ln 2 bits, with 7/5 for 1/ln 2, at least BITS_PER_LONG
    let nrBits = spec.maxEntries * this.nrHashFuncs;
    let mask: number;
    if (nrBits > 0xffffffff || Math.floor(nrBits / 5) * 7 > 0xffffffff || Math.floor(nrBits / 5) * 7 > 2 ** 31) {
      mask = 0xffffffff;
    } else {
      nrBits = Math.floor(nrBits / 5) * 7;
      nrBits = nrBits <= 64 ? 64 : roundupPow2(nrBits);
      mask = nrBits - 1;
    }
    this.bitsetMask = mask >>> 0;
    if (this.bitsetMask < 2 ** 27) this.bits = new Uint8Array((this.bitsetMask + 1) / 8);
    else this.sparse = new Set();
  }

  private bit(src: Uint8Array, off: number, i: number): number {
    return (jhash(src, off, this.spec.valueSize, (this.seed + i) >>> 0) & this.bitsetMask) >>> 0;
  }

  pushBytes(src: Uint8Array, off: number, flags: number): number {
    if (flags !== BPF_ANY) return -Errno.EINVAL;
    for (let i = 0; i < this.nrHashFuncs; i++) {
      const b = this.bit(src, off, i);
      if (this.bits) this.bits[b >>> 3]! |= 1 << (b & 7);
      else this.sparse!.add(b);
    }
    return 0;
  }

  peekBytes(src: Uint8Array, off: number): number {
    for (let i = 0; i < this.nrHashFuncs; i++) {
      const b = this.bit(src, off, i);
      const set = this.bits ? (this.bits[b >>> 3]! >> (b & 7)) & 1 : this.sparse!.has(b) ? 1 : 0;
      if (!set) return -Errno.ENOENT;
    }
    return 0;
  }

  /** Whether the value may be in the set (false: certainly not). */
  has(value: Uint8Array): boolean {
    this.check('lookup', 'read');
    this.checkValue('lookup', value);
    return this.peekBytes(value, 0) === 0;
  }

  override exportState(): unknown {
    return this.bits ? { bits: b64(this.bits) } : { sparse: [...this.sparse!] };
  }

  override importState(state: unknown): void {
    const s = state as { bits?: string; sparse?: number[] };
    if (this.bits && s.bits) this.bits.set(unb64(s.bits).subarray(0, this.bits.length));
    if (this.sparse && s.sparse) for (const b of s.sparse) this.sparse.add(b);
  }

  lookupAddr(): number { return 0; }
  updateAddr(): number { return -Errno.EINVAL; }
  deleteAddr(): number { return -Errno.EOPNOTSUPP; }

  override pushAddr(valueAddr: number, flags: number): number {
    return this.pushBytes(this.readMem(valueAddr, this.spec.valueSize), 0, flags);
  }

  override peekAddr(valueAddr: number): number {
    return this.peekBytes(this.readMem(valueAddr, this.spec.valueSize), 0);
  }

  override popAddr(): number { return -Errno.EOPNOTSUPP; }

  override lookup(key: Uint8Array, flags = 0): Uint8Array {
    // the value to test travels in the key argument here
    if (flags) throw new MapError(Errno.EINVAL, 'lookup');
    if (!this.has(key)) throw new MapError(Errno.ENOENT, 'lookup');
    return key.slice();
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    return this.peekBytes(key, 0) === 0 ? key.slice() : -Errno.ENOENT;
  }

  protected userUpdate(_key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.pushBytes(value, 0, flags);
  }

  protected userDelete(): number { return -Errno.EOPNOTSUPP; }
  protected userNextKey(): Uint8Array | number { return -Errno.EOPNOTSUPP; }
}

// ARRAY and PERCPU_ARRAY (and the base of the fd arrays: PROG_ARRAY, PERF_EVENT_ARRAY,
// CGROUP_ARRAY, ARRAY_OF_MAPS, which keep their own values).
//
// All max_entries values are one region, each element value_size rounded up to 8 bytes
// (per-CPU: element i of cpu c at (i * ncpus + c) * stride). Keys are u32 indices; every
// index below max_entries always exists (delete is EINVAL). get_next_key: a missing or
// out-of-range key gives index 0, the last index gives ENOENT, else index + 1.

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { BATCH_LOOKUP, BATCH_UPDATE, MapBase, roundUp8, type ForEachFn, type MapBaseOptions } from './base.js';
import { MapError, type MapSpec } from './types.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST } from './validate.js';
import { b64, unb64 } from './b64.js';

export function u32Key(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i >>> 0, true);
  return k;
}

export function readU32(key: Uint8Array, off = 0): number {
  return (key[off]! | (key[off + 1]! << 8) | (key[off + 2]! << 16) | (key[off + 3]! << 24)) >>> 0;
}

/** Index iteration shared by every array-like map. */
export function arrayNextKey(key: Uint8Array | null, maxEntries: number): Uint8Array | number {
  const index = key ? readU32(key) : 0xffffffff;
  if (index >= maxEntries) return u32Key(0);
  if (index === maxEntries - 1) return -Errno.ENOENT;
  return u32Key(index + 1);
}

export class ArrayMap extends MapBase {
  readonly percpu: boolean;
  readonly stride: number;
  /** Bytes per element (per-CPU: ncpus strides). */
  readonly elemBytes: number;
  /** Offset of element 0. */
  readonly base: number;
  private readonly keyScratch: number[] = [];
  private depth = 0;
  private fixedCpu = -1;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.percpu = spec.type === MapType.PERCPU_ARRAY;
    this.stride = roundUp8(spec.valueSize);
    this.elemBytes = this.stride * (this.percpu ? rt.ncpus : 1);
    const base = this.allocRegion(this.elemBytes * spec.maxEntries);
    if (!base) {
      this.destroy();
      throw new MapError(Errno.ENOMEM, 'create', `map create: cannot allocate ${this.elemBytes * spec.maxEntries} bytes`);
    }
    this.base = base;
  }

  override userValueSize(): number {
    return this.percpu ? this.stride * this.rt.ncpus : this.spec.valueSize;
  }

  private cpu(): number {
    return this.fixedCpu >= 0 ? this.fixedCpu : this.rt.currentCpu;
  }

  /** Offset of element `index`'s value (this CPU's for per-CPU arrays); global data maps use index 0. */
  valueAddrAt(index: number, cpu = this.cpu()): number {
    return this.base + index * this.elemBytes + (this.percpu ? cpu * this.stride : 0);
  }

  onCpu<T>(cpu: number, fn: () => T): T {
    const saved = this.fixedCpu;
    this.fixedCpu = cpu;
    try { return fn(); } finally { this.fixedCpu = saved; }
  }

  override exportState(): unknown {
    return { data: b64(this.rt.mem.u8.subarray(this.base, this.base + this.elemBytes * this.spec.maxEntries)) };
  }

  override importState(state: unknown, fromNcpus = this.rt.ncpus): void {
    const d = unb64((state as { data: string }).data);
    if (!this.percpu || fromNcpus === this.rt.ncpus) {
      this.rt.mem.u8.set(d.subarray(0, this.elemBytes * this.spec.maxEntries), this.base);
      return;
    }
    const fromBytes = this.stride * fromNcpus;
    const keep = this.stride * Math.min(fromNcpus, this.rt.ncpus);
    for (let i = 0; i < this.spec.maxEntries; i++) {
      this.rt.mem.u8.set(d.subarray(i * fromBytes, i * fromBytes + keep), this.base + i * this.elemBytes);
    }
  }

  // ---- program side ----------------------------------------------------------------------

  lookupAddr(keyAddr: number): number {
    const i = this.readIndex(keyAddr);
    return i >= 0 && i < this.spec.maxEntries ? this.valueAddrAt(i) : 0;
  }

  override lookupPercpuAddr(keyAddr: number, cpu: number): number {
    if (!this.percpu || cpu < 0 || cpu >= this.rt.ncpus) return 0;
    const i = this.readIndex(keyAddr);
    return i >= 0 && i < this.spec.maxEntries ? this.valueAddrAt(i, cpu) : 0;
  }

  protected store(index: number, src: Uint8Array | null, off: number, flags: number, allCpus: boolean): number {
    const op = flags & ~BPF_F_LOCK;
    if (op > BPF_EXIST || (this.percpu && (flags & BPF_F_LOCK))) return -Errno.EINVAL;
    if (index >= this.spec.maxEntries) return -Errno.E2BIG;
    if (op === BPF_NOEXIST) return -Errno.EEXIST;
    if ((flags & BPF_F_LOCK) && this.lockOff < 0) return -Errno.EINVAL;
    const vs = this.spec.valueSize;
    if (this.percpu && allCpus) {
      // user space: each CPU's value rounded up to 8 bytes, padding included (copy_map_value_long)
      for (let c = 0; c < this.rt.ncpus; c++) this.storeValue(this.valueAddrAt(index, c), src, off + c * this.stride, this.stride);
    } else {
      this.storeValue(this.valueAddrAt(index), src, off, vs);
    }
    return 0;
  }

  updateAddr(keyAddr: number, valueAddr: number, flags: number): number {
    const index = this.readIndex(keyAddr);
    if (index < 0 || !this.inMem(valueAddr, this.spec.valueSize)) return -Errno.EFAULT;
    return this.store(index, null, valueAddr, flags, false);
  }

  deleteAddr(_keyAddr: number): number {
    return -Errno.EINVAL;
  }

  override forEach(fn: ForEachFn): number {
    // the key lives in a scratch region (the kernel's is on its stack); one per nesting level
    const d = this.depth++;
    try {
      let k = this.keyScratch[d];
      if (k === undefined) {
        k = this.allocRegion(8, 'map_key', 'key');
        if (!k) return -Errno.ENOMEM;
        this.keyScratch[d] = k;
      }
      let n = 0;
      for (let i = 0; i < this.spec.maxEntries; i++) {
        this.rt.mem.dv.setUint32(k, i, true);
        n++;
        if (fn(k, this.valueAddrAt(i)) !== 0) break;
      }
      return n;
    } finally {
      this.depth--;
    }
  }

  // ---- user side -------------------------------------------------------------------------

  protected override batchOps(): number {
    return BATCH_LOOKUP | BATCH_UPDATE; // generic_map_lookup_batch / generic_map_update_batch
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const i = readU32(key);
    if (i >= this.spec.maxEntries) return -Errno.ENOENT;
    if (!this.percpu) return this.loadValue(this.valueAddrAt(i), this.spec.valueSize);
    const out = new Uint8Array(this.userValueSize());
    for (let c = 0; c < this.rt.ncpus; c++) this.loadValue(this.valueAddrAt(i, c), this.stride, out, c * this.stride);
    return out;
  }

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.store(readU32(key), value, 0, flags, true);
  }

  protected userDelete(_key: Uint8Array): number {
    return -Errno.EINVAL;
  }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    return arrayNextKey(key, this.spec.maxEntries);
  }
}

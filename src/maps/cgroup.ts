// CGROUP_STORAGE and PERCPU_CGROUP_STORAGE (kernel/bpf/local_storage.c): one value per
// (cgroup, attach type) a program is attached to; programs reach theirs with
// bpf_get_local_storage. A user-space runtime has no cgroups: `attach(key)` stands for
// attaching a program to a cgroup (it creates the zeroed storage the kernel creates then),
// and `testRunStorage()` gives the fresh zeroed storage BPF_PROG_TEST_RUN uses for one run
// (it is not part of the map, as in the kernel). Keys: struct bpf_cgroup_storage_key
// { u64 cgroup_inode_id; u32 attach_type; } (16 bytes) or the u64 cgroup id alone.

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { MapBase, roundUp8, type MapBaseOptions } from './base.js';
import { MapError, type MapSpec } from './types.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST } from './validate.js';
import { b64, unb64 } from './b64.js';

interface Storage {
  key: Uint8Array;
  addr: number;
}

export class CgroupStorageMap extends MapBase {
  readonly percpu: boolean;
  readonly stride: number;
  readonly bytes: number;
  /** In attach order (the kernel's map->list, which get_next_key walks). */
  private readonly list: Storage[] = [];
  private fixedCpu = -1;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.percpu = spec.type === MapType.PERCPU_CGROUP_STORAGE;
    this.stride = roundUp8(spec.valueSize);
    this.bytes = this.percpu ? this.stride * rt.ncpus : spec.valueSize;
  }

  private cpu(): number {
    return this.fixedCpu >= 0 ? this.fixedCpu : this.rt.currentCpu;
  }

  private keyEq(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  private find(key: Uint8Array): Storage | undefined {
    return this.list.find((s) => this.keyEq(s.key, key));
  }

  /** The storage of an attachment (created zeroed on first use): its value offset for this CPU. */
  attach(key: Uint8Array): number {
    if (!(key instanceof Uint8Array) || key.length !== this.spec.keySize) throw new MapError(Errno.EINVAL, 'attach', `attach: key must be ${this.spec.keySize} bytes`);
    let s = this.find(key);
    if (!s) {
      const addr = this.allocElem(this.bytes);
      if (!addr) throw new MapError(Errno.ENOMEM, 'attach');
      s = { key: key.slice(), addr };
      this.list.push(s);
    }
    return s.addr + (this.percpu ? this.cpu() * this.stride : 0);
  }

  /** Remove an attachment's storage (detach). */
  detach(key: Uint8Array): boolean {
    const i = this.list.findIndex((s) => this.keyEq(s.key, key));
    if (i < 0) return false;
    this.freeElem(this.list[i]!.addr);
    this.list.splice(i, 1);
    return true;
  }

  /** bpf_get_local_storage for an attachment: this CPU's value, or 0 when not attached. */
  storageAddr(key: Uint8Array): number {
    const s = this.find(key);
    return s ? s.addr + (this.percpu ? this.cpu() * this.stride : 0) : 0;
  }

  /** Zeroed storage for one test run (BPF_PROG_TEST_RUN allocates it per run, outside the map). */
  testRunStorage(): { addr: (cpu?: number) => number; release: () => void } {
    const base = this.allocElem(this.bytes);
    if (!base) throw new MapError(Errno.ENOMEM, 'test_run');
    return {
      addr: (cpu = this.cpu()) => base + (this.percpu ? cpu * this.stride : 0),
      release: () => this.freeElem(base),
    };
  }

  lookupAddr(): number { return 0; }
  updateAddr(): number { return -Errno.EINVAL; }
  deleteAddr(): number { return -Errno.EINVAL; }

  override userValueSize(): number {
    return this.bytes;
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const s = this.find(key);
    if (!s) return -Errno.ENOENT;
    return this.loadValue(s.addr, this.bytes);
  }

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST || (flags & BPF_NOEXIST)) return -Errno.EINVAL;
    if (this.percpu && flags) return -Errno.EINVAL;
    const s = this.find(key);
    if (!s) return -Errno.ENOENT;
    this.storeValue(s.addr, value, 0, this.bytes);
    return 0;
  }

  protected userDelete(): number { return -Errno.EINVAL; }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    if (!key) return this.list[0]?.key.slice() ?? -Errno.ENOENT;
    const i = this.list.findIndex((s) => this.keyEq(s.key, key));
    if (i < 0 || i + 1 >= this.list.length) return -Errno.ENOENT; // a missing key ends the walk here
    return this.list[i + 1]!.key.slice();
  }

  override exportState(): unknown {
    return { list: this.list.map((s) => [b64(s.key), b64(this.rt.mem.read(s.addr, this.bytes))]) };
  }

  override importState(state: unknown): void {
    for (const [k, v] of (state as { list: Array<[string, string]> }).list) {
      const key = unb64(k);
      const a = this.attach(key) - (this.percpu ? this.cpu() * this.stride : 0);
      this.rt.mem.u8.set(unb64(v).subarray(0, this.bytes), a);
    }
  }
}

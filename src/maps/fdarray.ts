// Array maps whose slots hold references rather than plain data: PROG_ARRAY, PERF_EVENT_ARRAY,
// CGROUP_ARRAY, ARRAY_OF_MAPS (the kernel's fd arrays), and the redirect/socket arrays
// DEVMAP, CPUMAP, XSKMAP, SOCKMAP. A slot is empty or holds a value; user space passes
// "file descriptors", which in this runtime are ids (program id, map id) or opaque numbers
// standing in for kernel objects user space cannot have (perf events, cgroups, XDP sockets,
// sockets). Each type's update/delete/lookup errno follow the kernel's map ops.
//
// Slot values live in linear memory (value_size rounded up to 8 per slot), so the program-side
// lookups that return a value pointer (devmap: struct bpf_devmap_val, read-only) point there.

import type { Runtime, RegisteredProgram } from '../runtime/runtime.js';
import { AttachType, MapType, ProgType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { arrayNextKey, readU32, u32Key } from './array.js';
import { BATCH_LOOKUP, BATCH_UPDATE, MapBase, roundUp8, type MapBaseOptions } from './base.js';
import { MapError, type BpfMap, type MapSpec } from './types.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, F_INNER_MAP, F_RDONLY_PROG } from './validate.js';
import { b64, unb64 } from './b64.js';

/** What a redirect map sends a packet to (bpf_redirect_map). */
export interface RedirectTarget {
  type: 'dev' | 'cpu' | 'xsk';
  /** The key the target is stored under. */
  key: number;
  /** dev: ifindex; cpu: the CPU (= key); xsk: the XDP socket stand-in value. */
  target: number;
  /** cpu: queue size. */
  qsize?: number;
  /** Id of the program attached to the entry (devmap / cpumap second 4 bytes), 0 for none. */
  progId?: number;
}

/** Maximum queue size of a CPUMAP entry. */
const CPUMAP_MAX_QSIZE = 16384;

interface LoadedLike extends RegisteredProgram {
  type?: number;
  expectedAttachType?: number;
}

export class SlotArrayMap extends MapBase {
  readonly stride: number;
  readonly base: number;
  readonly present: Uint8Array;
  /** For prog arrays: the program type of the first program stored (bpf_prog_map_compatible). */
  private ownerType: number | undefined;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.stride = roundUp8(spec.valueSize);
    this.present = new Uint8Array(spec.maxEntries);
    const base = this.allocRegion(this.stride * spec.maxEntries);
    if (!base) {
      this.destroy();
      throw new MapError(Errno.ENOMEM, 'create', 'map create: out of memory');
    }
    this.base = base;
  }

  private get t(): number { return this.spec.type; }

  slotAddr(i: number): number { return this.base + i * this.stride; }

  private u32At(i: number, off = 0): number {
    return this.rt.mem.dv.getUint32(this.slotAddr(i) + off, true);
  }

  /** The raw stored value of slot i, or undefined when empty. */
  slotValue(i: number): Uint8Array | undefined {
    if (i >= this.spec.maxEntries || !this.present[i]) return undefined;
    return this.rt.mem.read(this.slotAddr(i), this.spec.valueSize);
  }

  // ---- per-type accessors ----------------------------------------------------------------

  /** PROG_ARRAY: the program in slot `index` (tail calls), or undefined. */
  programAt(index: number): RegisteredProgram | undefined {
    if (this.t !== MapType.PROG_ARRAY || index >= this.spec.maxEntries || index < 0 || !this.present[index]) return undefined;
    return this.rt.programById(this.u32At(index));
  }

  /** ARRAY_OF_MAPS: the inner map in slot `index`. */
  mapAt(index: number): BpfMap | undefined {
    if (this.t !== MapType.ARRAY_OF_MAPS || index >= this.spec.maxEntries || index < 0 || !this.present[index]) return undefined;
    return this.rt.mapById(this.u32At(index));
  }

  /** CGROUP_ARRAY / PERF_EVENT_ARRAY / XSKMAP / SOCKMAP: the stored stand-in value. */
  refAt(index: number): number | undefined {
    if (index >= this.spec.maxEntries || index < 0 || !this.present[index]) return undefined;
    return this.u32At(index);
  }

  /** DEVMAP / CPUMAP / XSKMAP: where bpf_redirect_map(map, key) sends the packet. */
  redirectTarget(key: number): RedirectTarget | undefined {
    if (key < 0 || key >= this.spec.maxEntries || !this.present[key]) return undefined;
    const vs = this.spec.valueSize;
    switch (this.t) {
      case MapType.DEVMAP:
        return { type: 'dev', key, target: this.u32At(key), progId: vs >= 8 ? this.u32At(key, 4) : 0 };
      case MapType.CPUMAP:
        return { type: 'cpu', key, target: key, qsize: this.u32At(key), progId: vs >= 8 ? this.u32At(key, 4) : 0 };
      case MapType.XSKMAP:
        return { type: 'xsk', key, target: this.u32At(key) };
      default:
        return undefined;
    }
  }

  override exportState(): unknown {
    const present: number[] = [];
    for (let i = 0; i < this.spec.maxEntries; i++) if (this.present[i]) present.push(i);
    return { present, data: b64(this.rt.mem.u8.subarray(this.base, this.base + this.stride * this.spec.maxEntries)), ownerType: this.ownerType };
  }

  override importState(state: unknown): void {
    const s = state as { present: number[]; data: string; ownerType?: number };
    this.rt.mem.u8.set(unb64(s.data).subarray(0, this.stride * this.spec.maxEntries), this.base);
    this.present.fill(0);
    for (const i of s.present) if (i < this.spec.maxEntries) this.present[i] = 1;
    this.ownerType = s.ownerType;
  }

  // ---- program side ----------------------------------------------------------------------

  lookupAddr(keyAddr: number): number {
    const i = this.readIndex(keyAddr);
    if (i < 0 || i >= this.spec.maxEntries || !this.present[i]) return 0;
    switch (this.t) {
      case MapType.ARRAY_OF_MAPS: return this.rt.mapById(this.u32At(i))?.addr ?? 0;
      case MapType.DEVMAP: return this.slotAddr(i);
      default: return 0; // the verifier refuses lookups in the other types
    }
  }

  updateAddr(keyAddr: number, valueAddr: number, flags: number): number {
    if (this.t !== MapType.SOCKMAP) return -Errno.EINVAL; // programs may only update sockmaps
    const i = this.readIndex(keyAddr);
    if (i < 0) return -Errno.EFAULT;
    return this.put(i, this.readMem(valueAddr, this.spec.valueSize), flags);
  }

  deleteAddr(keyAddr: number): number {
    if (this.t === MapType.PROG_ARRAY || this.t === MapType.PERF_EVENT_ARRAY || this.t === MapType.CGROUP_ARRAY || this.t === MapType.ARRAY_OF_MAPS) return -Errno.EINVAL;
    const i = this.readIndex(keyAddr);
    return i < 0 ? -Errno.EFAULT : this.remove(i);
  }

  // ---- core ------------------------------------------------------------------------------

  private setSlot(i: number, bytes: Uint8Array): void {
    const a = this.slotAddr(i);
    this.rt.mem.u8.fill(0, a, a + this.stride);
    this.rt.mem.u8.set(bytes.subarray(0, this.spec.valueSize), a);
    this.present[i] = 1;
  }

  private clearSlot(i: number): void {
    const a = this.slotAddr(i);
    this.rt.mem.u8.fill(0, a, a + this.stride);
    this.present[i] = 0;
  }

  private progFor(id: number): LoadedLike | undefined {
    return this.rt.programById(id) as LoadedLike | undefined;
  }

  /** Store value bytes in slot i; 0 or -errno (the kernel's checks per type). */
  protected put(i: number, value: Uint8Array, flags: number): number {
    const me = this.spec.maxEntries;
    const v0 = readU32(value);
    switch (this.t) {
      case MapType.PROG_ARRAY:
      case MapType.PERF_EVENT_ARRAY:
      case MapType.CGROUP_ARRAY:
      case MapType.ARRAY_OF_MAPS: {
        if (flags !== BPF_ANY) return -Errno.EINVAL;
        if (i >= me) return -Errno.E2BIG;
        if (this.t === MapType.PROG_ARRAY) {
          const p = this.progFor(v0);
          if (!p) return -Errno.EBADF;
          if (p.type !== undefined) {
            if (this.ownerType !== undefined && this.ownerType !== p.type) return -Errno.EINVAL;
            this.ownerType = p.type;
          }
        } else if (this.t === MapType.ARRAY_OF_MAPS) {
          const r = checkInnerMap(this.rt, this.spec, v0);
          if (r) return r;
        }
        this.setSlot(i, value);
        return 0;
      }
      case MapType.DEVMAP: {
        if (flags > BPF_EXIST) return -Errno.EINVAL;
        if (i >= me) return -Errno.E2BIG;
        if (flags === BPF_NOEXIST) return -Errno.EEXIST;
        const prog = this.spec.valueSize >= 8 ? (readU32(value, 4) | 0) : 0;
        if (v0 === 0) {
          if (prog > 0) return -Errno.EINVAL;
          this.clearSlot(i);
          return 0;
        }
        let progId = 0;
        if (prog > 0) {
          const p = this.progFor(prog);
          if (!p || (p.type !== undefined && p.type !== ProgType.XDP) || (p.expectedAttachType !== undefined && p.expectedAttachType !== AttachType.XDP_DEVMAP)) return -Errno.EINVAL;
          progId = prog;
        }
        const stored = new Uint8Array(this.spec.valueSize);
        stored.set(u32Key(v0));
        if (this.spec.valueSize >= 8) stored.set(u32Key(progId), 4);
        this.setSlot(i, stored);
        return 0;
      }
      case MapType.CPUMAP: {
        if (flags > BPF_EXIST) return -Errno.EINVAL;
        if (i >= me) return -Errno.E2BIG;
        if (flags === BPF_NOEXIST) return -Errno.EEXIST;
        if (v0 > CPUMAP_MAX_QSIZE) return -Errno.EOVERFLOW;
        if (i >= this.rt.ncpus) return -Errno.ENODEV;
        if (v0 === 0) { this.clearSlot(i); return 0; }
        const prog = this.spec.valueSize >= 8 ? (readU32(value, 4) | 0) : 0;
        let progId = 0;
        if (prog > 0) {
          const p = this.progFor(prog);
          if (!p || (p.type !== undefined && p.type !== ProgType.XDP) || (p.expectedAttachType !== undefined && p.expectedAttachType !== AttachType.XDP_CPUMAP)) return -Errno.EINVAL;
          progId = prog;
        }
        const stored = new Uint8Array(this.spec.valueSize);
        stored.set(u32Key(v0));
        if (this.spec.valueSize >= 8) stored.set(u32Key(progId), 4);
        this.setSlot(i, stored);
        return 0;
      }
      case MapType.XSKMAP:
      case MapType.SOCKMAP: {
        if (flags > BPF_EXIST) return -Errno.EINVAL;
        if (i >= me) return -Errno.E2BIG;
        const old = this.present[i];
        if (old && flags === BPF_NOEXIST) return -Errno.EEXIST;
        if (!old && flags === BPF_EXIST) return -Errno.ENOENT;
        this.setSlot(i, value);
        return 0;
      }
      default:
        return -Errno.EINVAL;
    }
  }

  protected remove(i: number): number {
    const me = this.spec.maxEntries;
    switch (this.t) {
      case MapType.PROG_ARRAY:
      case MapType.PERF_EVENT_ARRAY:
      case MapType.CGROUP_ARRAY:
      case MapType.ARRAY_OF_MAPS:
        if (i >= me) return -Errno.E2BIG;
        if (!this.present[i]) return -Errno.ENOENT;
        this.clearSlot(i);
        return 0;
      case MapType.SOCKMAP:
        if (i >= me) return -Errno.EINVAL;
        if (!this.present[i]) return -Errno.EINVAL;
        this.clearSlot(i);
        return 0;
      default: // DEVMAP, CPUMAP, XSKMAP: deleting an empty slot succeeds
        if (i >= me) return -Errno.EINVAL;
        this.clearSlot(i);
        return 0;
    }
  }

  // ---- user side -------------------------------------------------------------------------

  protected override batchOps(): number {
    // array_of_maps_map_ops has the generic lookup and update batch ops; the other fd arrays none
    return this.t === MapType.ARRAY_OF_MAPS ? BATCH_LOOKUP | BATCH_UPDATE : 0;
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const i = readU32(key);
    switch (this.t) {
      case MapType.PERF_EVENT_ARRAY:
      case MapType.CGROUP_ARRAY:
        return -Errno.ENOTSUPP; // no map_fd_sys_lookup_elem
      case MapType.XSKMAP:
        return -Errno.EOPNOTSUPP;
      case MapType.SOCKMAP:
        if (this.spec.valueSize !== 8) return -Errno.ENOSPC;
        break;
    }
    if (i >= this.spec.maxEntries || !this.present[i]) return -Errno.ENOENT;
    return this.rt.mem.read(this.slotAddr(i), this.spec.valueSize);
  }

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.put(readU32(key), value, flags);
  }

  protected userDelete(key: Uint8Array): number {
    return this.remove(readU32(key));
  }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    return arrayNextKey(key, this.spec.maxEntries);
  }

  /** Drop every reference to a program (the program is gone). */
  forgetProgram(id: number): void {
    if (this.t !== MapType.PROG_ARRAY) return;
    for (let i = 0; i < this.spec.maxEntries; i++) if (this.present[i] && this.u32At(i) === id) this.clearSlot(i);
  }
}

/** DEVMAP: the kernel sets BPF_F_RDONLY_PROG at creation (lookup points into the entry). */
export class DevMap extends SlotArrayMap {
  protected override adjustFlags(flags: number): number {
    return flags | F_RDONLY_PROG;
  }
}

/**
 * bpf_map_meta_equal (+ array_map_meta_equal): an inner map must have the template's type,
 * key and value size and flags; max_entries too for arrays unless BPF_F_INNER_MAP. 0 or -errno.
 */
export function checkInnerMap(rt: Runtime, outer: Readonly<MapSpec>, id: number): number {
  const inner = rt.mapById(id);
  if (!inner) return -Errno.EBADF;
  const t = outer.innerMap;
  if (!t) return -Errno.EINVAL;
  const s = inner.spec;
  if (s.type === MapType.ARRAY_OF_MAPS || s.type === MapType.HASH_OF_MAPS) return -Errno.EINVAL;
  const tflags = s.type === MapType.DEVMAP || s.type === MapType.DEVMAP_HASH ? t.flags | F_RDONLY_PROG : t.flags;
  if (s.type !== t.type || s.keySize !== t.keySize || s.valueSize !== t.valueSize || s.flags !== tflags) return -Errno.EINVAL;
  if ((s.type === MapType.ARRAY || s.type === MapType.PERCPU_ARRAY) && !(t.flags & F_INNER_MAP) && s.maxEntries !== t.maxEntries) return -Errno.EINVAL;
  if ((inner.spec.spinLockOffset ?? -1) !== (t.spinLockOffset ?? -1)) return -Errno.EINVAL;
  return 0;
}

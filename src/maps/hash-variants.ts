// Hash tables with the layout and iteration of HashMap but other value semantics:
//  - HASH_OF_MAPS: the value is an inner map id (user side); programs get the inner map's
//    descriptor address from a lookup.
//  - DEVMAP_HASH: key u32, value struct bpf_devmap_val; bucket = key & (n_buckets - 1)
//    (dev_map_index_hash), newest first; BPF_F_RDONLY_PROG set at creation.
//  - SOCKHASH: any key, value a socket stand-in (u32 or u64); buckets by jhash with seed 0.

import { MapType, ProgType, AttachType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { readU32, u32Key } from './array.js';
import { checkInnerMap, type RedirectTarget } from './fdarray.js';
import { HashMap, type HashEntry } from './hash.js';
import type { BpfMap } from './types.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, F_RDONLY_PROG } from './validate.js';

export class HashOfMaps extends HashMap {
  /** The inner map stored under `key`. */
  mapFor(key: Uint8Array): BpfMap | undefined {
    const e = this.find(key, 0, this.hashOf(key, 0));
    return e ? this.rt.mapById(this.rt.mem.dv.getUint32(e.addr + this.valOff, true)) : undefined;
  }

  override lookupAddr(keyAddr: number): number {
    if (!this.inMem(keyAddr, this.spec.keySize)) return 0;
    const u8 = this.rt.mem.u8;
    const e = this.find(u8, keyAddr, this.hashOf(u8, keyAddr));
    if (!e) return 0;
    return this.rt.mapById(this.rt.mem.dv.getUint32(e.addr + this.valOff, true))?.addr ?? 0;
  }

  override updateAddr(): number {
    return -Errno.EINVAL; // the verifier refuses updates of map-in-map from programs
  }

  protected override userLookupAndDelete(): Uint8Array | number {
    return -Errno.ENOTSUPP; // only queue, stack and the hash family
  }

  override deleteAddr(): number {
    return -Errno.EINVAL;
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    const r = checkInnerMap(this.rt, this.spec, readU32(value));
    if (r) return r;
    return super.userUpdate(key, value, flags);
  }
}

export class DevMapHash extends HashMap {
  protected override batchOps(): number {
    return 0;
  }

  protected override adjustFlags(flags: number): number {
    return flags | F_RDONLY_PROG;
  }

  override hashOf(src: Uint8Array, off: number): number {
    return (src[off]! | (src[off + 1]! << 8) | (src[off + 2]! << 16) | (src[off + 3]! << 24)) >>> 0;
  }

  redirectTarget(key: number): RedirectTarget | undefined {
    const k = u32Key(key);
    const e = this.find(k, 0, key >>> 0);
    if (!e) return undefined;
    const dv = this.rt.mem.dv;
    const v = e.addr + this.valOff;
    return { type: 'dev', key, target: dv.getUint32(v, true), progId: this.spec.valueSize >= 8 ? dv.getUint32(v + 4, true) : 0 };
  }

  override updateAddr(): number {
    return -Errno.EINVAL;
  }

  protected override userLookupAndDelete(): Uint8Array | number {
    return -Errno.ENOTSUPP;
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    // __dev_map_hash_update_elem: BPF_EXIST is not checked; ifindex 0 cannot name a device
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    const old = this.find(key, 0, this.hashOf(key, 0));
    if (old && flags === BPF_NOEXIST) return -Errno.EEXIST;
    const ifindex = readU32(value);
    if (ifindex === 0) return -Errno.EINVAL;
    const stored = new Uint8Array(this.spec.valueSize);
    stored.set(u32Key(ifindex));
    if (this.spec.valueSize >= 8) {
      const prog = readU32(value, 4) | 0;
      if (prog > 0) {
        const p = this.rt.programById(prog) as { type?: number; expectedAttachType?: number } | undefined;
        if (!p || (p.type !== undefined && p.type !== ProgType.XDP) || (p.expectedAttachType !== undefined && p.expectedAttachType !== AttachType.XDP_DEVMAP)) return -Errno.EINVAL;
        stored.set(u32Key(prog), 4);
      }
    }
    return this.upsert(key, 0, stored, 0, BPF_ANY, true);
  }
}

export class SockHash extends HashMap {
  protected override batchOps(): number {
    return 0;
  }

  override lookupAddr(): number {
    return 0; // a socket pointer has no meaning here
  }

  protected override userLookupAndDelete(): Uint8Array | number {
    return -Errno.ENOTSUPP;
  }

  protected override userLookup(key: Uint8Array): Uint8Array | number {
    if (this.spec.valueSize !== 8) return -Errno.ENOSPC;
    return super.userLookup(key);
  }

  protected override userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    return super.userUpdate(key, value, flags);
  }
}

export function isHashType(t: number): boolean {
  return t === MapType.HASH || t === MapType.PERCPU_HASH || t === MapType.LRU_HASH || t === MapType.LRU_PERCPU_HASH;
}

export type { HashEntry };

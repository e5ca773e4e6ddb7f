// Map construction: the map type → class table, id handling, registration.

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { ArrayMap } from './array.js';
import type { MapBase, MapBaseOptions } from './base.js';
import { PerfEventArrayMap, StackTraceMap } from './events.js';
import { DevMap, SlotArrayMap } from './fdarray.js';
import { DevMapHash, HashOfMaps, SockHash } from './hash-variants.js';
import { HashMap } from './hash.js';
import { LpmTrieMap } from './lpm.js';
import { BloomFilterMap, QueueStackMap } from './queue.js';
import { RingbufMap } from './ringbuf.js';
import { CgroupStorageMap } from './cgroup.js';
import { MapError, type BpfMap, type MapSpec } from './types.js';
import { validateMapSpec } from './validate.js';

export type MapCtor = new (rt: Runtime, spec: MapSpec, opts: MapBaseOptions) => MapBase;

const CTORS = new Map<number, MapCtor>([
  [MapType.HASH, HashMap],
  [MapType.PERCPU_HASH, HashMap],
  [MapType.LRU_HASH, HashMap],
  [MapType.LRU_PERCPU_HASH, HashMap],
  [MapType.ARRAY, ArrayMap],
  [MapType.PERCPU_ARRAY, ArrayMap],
  [MapType.HASH_OF_MAPS, HashOfMaps],
  [MapType.DEVMAP_HASH, DevMapHash],
  [MapType.SOCKHASH, SockHash],
  [MapType.PROG_ARRAY, SlotArrayMap],
  [MapType.CGROUP_ARRAY, SlotArrayMap],
  [MapType.ARRAY_OF_MAPS, SlotArrayMap],
  [MapType.CPUMAP, SlotArrayMap],
  [MapType.XSKMAP, SlotArrayMap],
  [MapType.SOCKMAP, SlotArrayMap],
  [MapType.DEVMAP, DevMap],
  [MapType.PERF_EVENT_ARRAY, PerfEventArrayMap],
  [MapType.STACK_TRACE, StackTraceMap],
  [MapType.QUEUE, QueueStackMap],
  [MapType.STACK, QueueStackMap],
  [MapType.BLOOM_FILTER, BloomFilterMap],
  [MapType.LPM_TRIE, LpmTrieMap],
  [MapType.RINGBUF, RingbufMap],
  [MapType.CGROUP_STORAGE, CgroupStorageMap],
  [MapType.PERCPU_CGROUP_STORAGE, CgroupStorageMap],
]);

/** Register (or replace) the implementation of a map type. */
export function registerMapType(type: number, ctor: MapCtor): void {
  CTORS.set(type, ctor);
}

export interface CreateMapOptions {
  /** Create the map with this id (re-creating pinned maps); EEXIST when it is taken. */
  id?: number;
}

/** Validate, construct and register, without initial contents. */
export function createMapInternal(rt: Runtime, spec: MapSpec, opts: CreateMapOptions = {}): MapBase {
  validateMapSpec(spec, rt.ncpus);
  const ctor = CTORS.get(spec.type);
  if (!ctor) throw new MapError(Errno.EOPNOTSUPP, 'create', `map create: map type ${spec.type} is not implemented`);
  let id = opts.id;
  if (id !== undefined) {
    if (!Number.isInteger(id) || id < 1 || id > 0x7fffffff) throw new MapError(Errno.EINVAL, 'create', `map create: bad id ${id}`);
    if (rt.mapById(id)) throw new MapError(Errno.EEXIST, 'create', `map create: id ${id} is in use`);
    // keep the runtime's id counter past the ids handed out explicitly
    for (let guard = 0; guard < 1_000_000; guard++) {
      const n = rt.allocMapId();
      if (n >= id) break;
    }
  }
  const m = new ctor(rt, spec, id !== undefined ? { id } : {});
  rt.registerMap(m);
  return m;
}

/**
 * Validate (MapError with the kernel's errno), allocate and register a map. Initial
 * `contents` with plain byte values are written (BPF_ANY) and `freeze` applied; contents
 * naming programs or maps are left to the loader.
 */
export function createMap(rt: Runtime, spec: MapSpec, opts: CreateMapOptions = {}): BpfMap {
  const m = createMapInternal(rt, spec, opts);
  try {
    for (const c of spec.contents ?? []) {
      if (c.value instanceof Uint8Array) m.update(c.key, c.value, 0);
    }
    if (spec.freeze) m.freeze();
  } catch (e) {
    m.destroy();
    throw e;
  }
  return m;
}

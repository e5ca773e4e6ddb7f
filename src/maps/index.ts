// The maps module: validate a MapSpec as the kernel's BPF_MAP_CREATE does, create the live
// map in a runtime (values in its one linear memory), and the concrete map classes.

import type { Runtime } from '../runtime/runtime.js';
import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { ArrayMap } from './array.js';
import type { MapBase, MapBaseOptions } from './base.js';
import { HashMap } from './hash.js';
import { DevMapHash, HashOfMaps, SockHash } from './hash-variants.js';
import { DevMap, SlotArrayMap } from './fdarray.js';
import { BloomFilterMap, QueueStackMap } from './queue.js';
import { LpmTrieMap } from './lpm.js';
import { RingbufMap } from './ringbuf.js';
import { PerfEventArrayMap, StackTraceMap } from './events.js';
import { MapError, type BpfMap, type MapSpec } from './types.js';
import { validateMapSpec } from './validate.js';

export { validateMapSpec, validateMapName, SUPPORTED_MAP_TYPES } from './validate.js';
export {
  BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK,
  F_NO_PREALLOC, F_NO_COMMON_LRU, F_NUMA_NODE, F_RDONLY, F_WRONLY, F_STACK_BUILD_ID, F_ZERO_SEED,
  F_RDONLY_PROG, F_WRONLY_PROG, F_MMAPABLE, F_PRESERVE_ELEMS, F_INNER_MAP,
} from './validate.js';
export { MapBase, BatchError, type BatchResult, type ForEachFn, type MapBaseOptions } from './base.js';
export { HashOfMaps, DevMapHash, SockHash } from './hash-variants.js';
export { SlotArrayMap, DevMap, checkInnerMap, type RedirectTarget } from './fdarray.js';
export { QueueStackMap, BloomFilterMap } from './queue.js';
export { LpmTrieMap } from './lpm.js';
export {
  RingbufMap, type RingbufRecord, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HDR_SZ,
  BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS,
} from './ringbuf.js';
export { PerfEventArrayMap, StackTraceMap, type PerfEvent, BPF_F_CURRENT_CPU, BPF_F_REUSE_STACKID } from './events.js';
export { HashMap, type HashEntry } from './hash.js';
export { ArrayMap, u32Key, readU32 } from './array.js';
export { jhash, roundupPow2 } from './jhash.js';
export { MapError, type BpfMap, type MapSpec, type UpdateFlags } from './types.js';

type Ctor = new (rt: Runtime, spec: MapSpec, opts: MapBaseOptions) => MapBase;

const CTORS = new Map<number, Ctor>([
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
]);

/** Register an implementation of a map type (used by the type modules of this folder). */
export function registerMapType(type: number, ctor: Ctor): void {
  CTORS.set(type, ctor);
}

export interface CreateMapOptions extends MapBaseOptions {}

/**
 * Validate (MapError with the kernel's errno), allocate and register a map. Initial
 * `contents` with plain byte values are written (BPF_ANY) and `freeze` applied; contents
 * naming programs or maps are left to the loader.
 */
export function createMap(rt: Runtime, spec: MapSpec, opts: CreateMapOptions = {}): BpfMap {
  validateMapSpec(spec, rt.ncpus);
  const ctor = CTORS.get(spec.type);
  if (!ctor) throw new MapError(Errno.EOPNOTSUPP, 'create', `map create: map type ${spec.type} is not implemented`);
  if (opts.id !== undefined && rt.mapById(opts.id)) throw new MapError(Errno.EEXIST, 'create', `map create: id ${opts.id} is in use`);
  const m = new ctor(rt, spec, opts);
  rt.registerMap(m);
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

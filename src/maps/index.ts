// The maps module: validate a MapSpec as the kernel's BPF_MAP_CREATE does, create the live
// map in a runtime (values in its one linear memory), and the concrete map classes.

export { createMap, registerMapType, type CreateMapOptions, type MapCtor } from './create.js';
export { snapshotMap, restoreMap, readSnapshot, SNAPSHOT_MAGIC, SNAPSHOT_VERSION, type RestoreOptions } from './snapshot.js';

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
export { CgroupStorageMap } from './cgroup.js';
export {
  RingbufMap, type RingbufRecord, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HDR_SZ,
  BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS,
} from './ringbuf.js';
export { PerfEventArrayMap, StackTraceMap, type PerfEvent, BPF_F_CURRENT_CPU, BPF_F_REUSE_STACKID } from './events.js';
export { HashMap, type HashEntry } from './hash.js';
export { ArrayMap, u32Key, readU32 } from './array.js';
export { jhash, roundupPow2 } from './jhash.js';
export { MapError, type BpfMap, type MapSpec, type UpdateFlags } from './types.js';


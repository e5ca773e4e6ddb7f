// Map-creation checks, as the kernel's map_create (kernel/bpf/syscall.c) and each map type's
// map_alloc_check / map_alloc do them, with the same errno. Nothing is allocated here.

import { MapType } from '../uapi/bpf.js';
import { Errno } from '../uapi/errno.js';
import { MapError, type MapSpec } from './types.js';

// map_flags bits
export const F_NO_PREALLOC = 1;
export const F_NO_COMMON_LRU = 2;
export const F_NUMA_NODE = 4;
export const F_RDONLY = 8;
export const F_WRONLY = 16;
export const F_STACK_BUILD_ID = 32;
export const F_ZERO_SEED = 64;
export const F_RDONLY_PROG = 128;
export const F_WRONLY_PROG = 256;
export const F_CLONE = 512;
export const F_MMAPABLE = 1024;
export const F_PRESERVE_ELEMS = 2048;
export const F_INNER_MAP = 4096;
export const F_ACCESS_MASK = F_RDONLY | F_RDONLY_PROG | F_WRONLY | F_WRONLY_PROG;

// update flags
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

/** KMALLOC_MAX_SIZE on x86-64 (1 << (MAX_PAGE_ORDER + PAGE_SHIFT)). */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** PCPU_MIN_UNIT_SIZE: bound of a per-CPU value. */
export const PCPU_MIN_UNIT_SIZE = 32768;
/** sizeof(struct htab_elem) on x86-64. */
const HTAB_ELEM_SIZE = 48;
/** sizeof(struct lpm_trie_node) + LPM_DATA_SIZE_MAX, for LPM_VAL_SIZE_MAX. */
const LPM_NODE_SIZE = 32;
export const LPM_DATA_SIZE_MAX = 256;
export const PAGE_SIZE = 4096;
/** NR_CPUS of a distribution x86-64 kernel (CPUMAP's max_entries bound). */
export const NR_CPUS = 8192;
/** sysctl kernel.perf_event_max_stack default. */
export const PERF_MAX_STACK = 127;
/** BPF_OBJ_NAME_LEN */
export const OBJ_NAME_LEN = 16;
/** Largest allocation one map may make here (the kernel would fail with ENOMEM long before the address space ends). */
export const MAX_MAP_BYTES = 1 << 30;

const INT_MAX = 0x7fffffff;

function fail(errno: number, detail: string): never {
  throw new MapError(errno, 'create', `map create: ${detail}`);
}

function accessOk(flags: number): boolean {
  // bpf_map_flags_access_ok: not both read-only and write-only for programs
  return (flags & (F_RDONLY_PROG | F_WRONLY_PROG)) !== (F_RDONLY_PROG | F_WRONLY_PROG);
}

function u32(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Map types this runtime implements. */
export const SUPPORTED_MAP_TYPES: ReadonlySet<number> = new Set<number>([
  MapType.HASH, MapType.ARRAY, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY, MapType.STACK_TRACE, MapType.CGROUP_ARRAY, MapType.LRU_HASH,
  MapType.LRU_PERCPU_HASH, MapType.LPM_TRIE, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
  MapType.DEVMAP, MapType.SOCKMAP, MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKHASH,
  MapType.QUEUE, MapType.STACK, MapType.DEVMAP_HASH, MapType.RINGBUF, MapType.BLOOM_FILTER,
  MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE,
]);

/** BPF_LOCAL_STORAGE_MAX_VALUE_SIZE (U16_MAX minus the rounded storage element header). */
export const LOCAL_STORAGE_MAX_VALUE_SIZE = 65535 - 128;

/** Checks of the map name as bpf_obj_name_cpy does them. */
export function validateMapName(name: string): void {
  if (typeof name !== 'string') fail(Errno.EINVAL, 'name is not a string');
  if (name.length >= OBJ_NAME_LEN) fail(Errno.EINVAL, `name "${name}" is longer than ${OBJ_NAME_LEN - 1} characters`);
  if (!/^[A-Za-z0-9_.]*$/.test(name)) fail(Errno.EINVAL, `name "${name}" may only contain letters, digits, '_' and '.'`);
}

/**
 * Throws MapError (op "create") with the errno the kernel's BPF_MAP_CREATE returns for this
 * spec; returns when the kernel would create the map. `ncpus` bounds per-CPU allocations.
 */
export function validateMapSpec(spec: MapSpec, ncpus = 1): void {
  if (spec === null || typeof spec !== 'object') fail(Errno.EINVAL, 'spec is not an object');
  const { type, keySize: ks, valueSize: vs, maxEntries: me, flags } = spec;
  for (const [k, v] of [['type', type], ['keySize', ks], ['valueSize', vs], ['maxEntries', me], ['flags', flags]] as const) {
    if (!u32(v)) fail(Errno.EINVAL, `${k} ${String(v)} is not a 32-bit unsigned integer`);
  }
  validateMapName(spec.name ?? '');
  const extra = spec.mapExtra ?? 0n;
  if (typeof extra !== 'bigint' || extra < 0n || extra >= 1n << 64n) fail(Errno.EINVAL, 'map_extra is not a u64');
  if (extra !== 0n && type !== MapType.BLOOM_FILTER && type !== MapType.ARENA) fail(Errno.EINVAL, 'map_extra is only valid for bloom filter and arena maps');
  // bpf_get_file_flag
  if ((flags & F_RDONLY) && (flags & F_WRONLY)) fail(Errno.EINVAL, 'BPF_F_RDONLY and BPF_F_WRONLY together');
  // bpf_map_attr_numa_node: one node here
  if (flags & F_NUMA_NODE) {
    const node = spec.numaNode ?? 0;
    if (!u32(node) || node >= 1) fail(Errno.EINVAL, `numa node ${node} does not exist`);
  }
  const numa = (flags & F_NUMA_NODE) !== 0;
  const bad = (mask: number): boolean => (flags & ~mask) !== 0 || !accessOk(flags);

  switch (type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY:
    case MapType.PROG_ARRAY:
    case MapType.PERF_EVENT_ARRAY:
    case MapType.CGROUP_ARRAY:
    case MapType.ARRAY_OF_MAPS: {
      const fd = type === MapType.PROG_ARRAY || type === MapType.PERF_EVENT_ARRAY || type === MapType.CGROUP_ARRAY || type === MapType.ARRAY_OF_MAPS;
      if (fd) {
        // fd_array_map_alloc_check
        if (vs !== 4) fail(Errno.EINVAL, 'value size must be 4 (a file descriptor)');
        if (flags & (F_RDONLY_PROG | F_WRONLY_PROG)) fail(Errno.EINVAL, 'BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG not allowed');
      }
      const percpu = type === MapType.PERCPU_ARRAY;
      const mask = F_NUMA_NODE | F_MMAPABLE | F_ACCESS_MASK | F_PRESERVE_ELEMS | F_INNER_MAP;
      if (me === 0) fail(Errno.EINVAL, 'max_entries is 0');
      if (ks !== 4) fail(Errno.EINVAL, 'key size must be 4');
      if (vs === 0) fail(Errno.EINVAL, 'value size is 0');
      if (bad(mask)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for this map type`);
      if (percpu && numa) fail(Errno.EINVAL, 'per-CPU array with a numa node');
      if (type !== MapType.ARRAY && (flags & (F_MMAPABLE | F_INNER_MAP))) fail(Errno.EINVAL, 'BPF_F_MMAPABLE / BPF_F_INNER_MAP only for array maps');
      if (type !== MapType.PERF_EVENT_ARRAY && (flags & F_PRESERVE_ELEMS)) fail(Errno.EINVAL, 'BPF_F_PRESERVE_ELEMS only for perf event arrays');
      if (vs > INT_MAX) fail(Errno.E2BIG, 'value size too large');
      if (percpu && roundUp8(vs) > PCPU_MIN_UNIT_SIZE) fail(Errno.E2BIG, `per-CPU value size ${vs} > ${PCPU_MIN_UNIT_SIZE}`);
      if (type === MapType.ARRAY_OF_MAPS) checkInnerTemplate(spec);
      const bytes = roundUp8(vs) * me * (percpu ? ncpus : 1);
      if (bytes > MAX_MAP_BYTES) fail(Errno.ENOMEM, `${bytes} bytes of values`);
      return;
    }
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH:
    case MapType.LRU_PERCPU_HASH:
    case MapType.HASH_OF_MAPS: {
      if (type === MapType.HASH_OF_MAPS && vs !== 4) fail(Errno.EINVAL, 'value size must be 4 (a map file descriptor)');
      const percpu = type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;
      const lru = type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;
      const prealloc = (flags & F_NO_PREALLOC) === 0;
      const percpuLru = (flags & F_NO_COMMON_LRU) !== 0;
      const mask = F_NO_PREALLOC | F_NO_COMMON_LRU | F_NUMA_NODE | F_ACCESS_MASK | F_ZERO_SEED;
      if (bad(mask)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for this map type`);
      if (!lru && percpuLru) fail(Errno.EINVAL, 'BPF_F_NO_COMMON_LRU only for LRU maps');
      if (lru && !prealloc) fail(Errno.ENOTSUPP, 'LRU maps cannot be BPF_F_NO_PREALLOC');
      if (numa && (percpu || percpuLru)) fail(Errno.EINVAL, 'per-CPU hash with a numa node');
      if (me === 0) fail(Errno.EINVAL, 'max_entries is 0');
      if (ks === 0) fail(Errno.EINVAL, 'key size is 0');
      if (vs === 0) fail(Errno.EINVAL, 'value size is 0');
      if (ks + vs >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) fail(Errno.E2BIG, 'key and value too large');
      if (percpu && roundUp8(vs) > PCPU_MIN_UNIT_SIZE) fail(Errno.E2BIG, `per-CPU value size ${vs} > ${PCPU_MIN_UNIT_SIZE}`);
      // htab_map_alloc: max_entries ≤ 2^31 and n_buckets × sizeof(struct bucket) within u32
      if (me > 2 ** 31 || 2 ** Math.ceil(Math.log2(me)) > Math.floor(0xffffffff / 16)) fail(Errno.E2BIG, 'max_entries too large');
      if (type === MapType.HASH_OF_MAPS) checkInnerTemplate(spec);
      return;
    }
    case MapType.LPM_TRIE: {
      const mask = F_NO_PREALLOC | F_NUMA_NODE | F_ACCESS_MASK;
      if (me === 0) fail(Errno.EINVAL, 'max_entries is 0');
      if (!(flags & F_NO_PREALLOC)) fail(Errno.EINVAL, 'LPM trie requires BPF_F_NO_PREALLOC');
      if (bad(mask)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for LPM trie`);
      if (ks < 5 || ks > 4 + LPM_DATA_SIZE_MAX) fail(Errno.EINVAL, `key size ${ks} outside 5..${4 + LPM_DATA_SIZE_MAX} (u32 prefixlen + 1..256 data bytes)`);
      if (vs < 1 || vs > KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_NODE_SIZE) fail(Errno.EINVAL, `value size ${vs} out of range`);
      return;
    }
    case MapType.QUEUE:
    case MapType.STACK: {
      if (me === 0) fail(Errno.EINVAL, 'max_entries is 0');
      if (ks !== 0) fail(Errno.EINVAL, 'key size must be 0');
      if (vs === 0) fail(Errno.EINVAL, 'value size is 0');
      if (bad(F_NUMA_NODE | F_ACCESS_MASK)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for queue/stack`);
      if (vs > KMALLOC_MAX_SIZE) fail(Errno.E2BIG, 'value size too large');
      if ((me + 1) * vs > MAX_MAP_BYTES) fail(Errno.ENOMEM, 'queue too large');
      return;
    }
    case MapType.BLOOM_FILTER: {
      if (ks !== 0) fail(Errno.EINVAL, 'key size must be 0');
      if (vs === 0) fail(Errno.EINVAL, 'value size is 0');
      if (me === 0) fail(Errno.EINVAL, 'max_entries is 0');
      if (bad(F_NUMA_NODE | F_ZERO_SEED | F_ACCESS_MASK)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for bloom filter`);
      if (extra & ~0xfn) fail(Errno.EINVAL, 'map_extra: only the low 4 bits (number of hash functions) may be set');
      if (vs > KMALLOC_MAX_SIZE) fail(Errno.E2BIG, 'value size too large');
      return;
    }
    case MapType.RINGBUF: {
      if (flags & ~F_NUMA_NODE) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for ring buffer`);
      if (ks !== 0 || vs !== 0) fail(Errno.EINVAL, 'key and value size must be 0');
      if (me === 0 || (me & (me - 1)) !== 0 || me % PAGE_SIZE !== 0) fail(Errno.EINVAL, `max_entries ${me} is not a power-of-2 multiple of the page size`);
      if (me > MAX_MAP_BYTES) fail(Errno.ENOMEM, 'ring buffer too large');
      return;
    }
    case MapType.STACK_TRACE: {
      if (flags & ~(F_NUMA_NODE | F_RDONLY | F_WRONLY | F_STACK_BUILD_ID)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for stack trace map`);
      if (me === 0 || ks !== 4 || vs < 8 || vs % 8 !== 0) fail(Errno.EINVAL, 'key size must be 4, value size a non-zero multiple of 8');
      if (flags & F_STACK_BUILD_ID) {
        if (vs % 32 !== 0 || vs / 32 > PERF_MAX_STACK) fail(Errno.EINVAL, 'value size must be a multiple of sizeof(struct bpf_stack_build_id) within perf_event_max_stack');
      } else if (vs / 8 > PERF_MAX_STACK) fail(Errno.EINVAL, `value size > ${PERF_MAX_STACK} frames`);
      if (roundUp8(vs) * me > MAX_MAP_BYTES) fail(Errno.ENOMEM, 'stack map too large');
      return;
    }
    case MapType.DEVMAP:
    case MapType.DEVMAP_HASH: {
      if (me === 0 || ks !== 4 || (vs !== 4 && vs !== 8) || bad(F_NUMA_NODE | F_ACCESS_MASK)) fail(Errno.EINVAL, 'devmap: key size 4, value size 4 (ifindex) or 8 (ifindex, prog fd), flags numa/access only');
      if (type === MapType.DEVMAP_HASH && me > 2 ** 31) fail(Errno.EINVAL, 'max_entries too large');
      if (type === MapType.DEVMAP && me * 8 > MAX_MAP_BYTES) fail(Errno.ENOMEM, 'devmap too large');
      return;
    }
    case MapType.CPUMAP: {
      if (me === 0 || ks !== 4 || (vs !== 4 && vs !== 8) || (flags & ~F_NUMA_NODE)) fail(Errno.EINVAL, 'cpumap: key size 4, value size 4 (qsize) or 8 (qsize, prog fd), flags numa only');
      if (me > NR_CPUS) fail(Errno.E2BIG, `max_entries > NR_CPUS (${NR_CPUS})`);
      return;
    }
    case MapType.XSKMAP: {
      if (me === 0 || ks !== 4 || vs !== 4 || (flags & ~(F_NUMA_NODE | F_RDONLY | F_WRONLY))) fail(Errno.EINVAL, 'xskmap: key size 4, value size 4, flags numa/rdonly/wronly only');
      return;
    }
    case MapType.SOCKMAP:
    case MapType.SOCKHASH: {
      const hash = type === MapType.SOCKHASH;
      if (me === 0 || (hash ? ks === 0 : ks !== 4) || (vs !== 4 && vs !== 8) || (flags & ~(F_NUMA_NODE | F_ACCESS_MASK))) fail(Errno.EINVAL, `${hash ? 'sockhash: non-zero key size' : 'sockmap: key size 4'}, value size 4 or 8, flags numa/access only`);
      if (hash && ks > 512) fail(Errno.E2BIG, 'key size > 512');
      if (!hash && me * 8 > MAX_MAP_BYTES) fail(Errno.ENOMEM, 'sockmap too large');
      return;
    }
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE: {
      // cgroup_storage_map_alloc
      const max = type === MapType.PERCPU_CGROUP_STORAGE ? Math.min(LOCAL_STORAGE_MAX_VALUE_SIZE, PCPU_MIN_UNIT_SIZE) : LOCAL_STORAGE_MAX_VALUE_SIZE;
      if (ks !== 16 && ks !== 8) fail(Errno.EINVAL, 'key size must be 16 (struct bpf_cgroup_storage_key) or 8 (cgroup id)');
      if (vs === 0) fail(Errno.EINVAL, 'value size is 0');
      if (vs > max) fail(Errno.E2BIG, `value size > ${max}`);
      if (bad(F_NUMA_NODE | F_ACCESS_MASK)) fail(Errno.EINVAL, `flags 0x${flags.toString(16)} not allowed for cgroup storage`);
      if (me !== 0) fail(Errno.EINVAL, 'max_entries must be 0 (storage is per cgroup)');
      return;
    }
    default:
      if (Object.values(MapType).includes(type as MapType) && type !== MapType.UNSPEC) {
        fail(Errno.EOPNOTSUPP, `map type ${type} has no meaning in this user-space runtime`);
      }
      fail(Errno.EINVAL, `unknown map type ${type}`);
  }
}

/** bpf_map_meta_alloc: the inner-map template of a map-in-map. */
function checkInnerTemplate(spec: MapSpec): void {
  const inner = spec.innerMap;
  if (!inner) fail(Errno.EINVAL, 'map-in-map needs an inner map (inner_map_fd)');
  if (inner.type === MapType.ARRAY_OF_MAPS || inner.type === MapType.HASH_OF_MAPS) fail(Errno.EINVAL, 'inner map cannot itself be a map-in-map');
  validateMapSpec(inner);
}

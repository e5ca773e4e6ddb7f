// Contracts of the maps module: the pure-data MapSpec (what the loader produces and what
// `map create` takes) and the live BpfMap (what helpers and user space operate on).
//
// Two faces of one map:
//  - the program side works on memory offsets in the one linear memory (keys and values
//    are where the program's pointers point; a lookup returns the offset of the value,
//    0 for NULL) and reports errors as negative errno, exactly what helpers return;
//  - the user side (library API, CLI, pin store) works on byte arrays and throws MapError
//    carrying the errno the bpf() syscall would set.
// Values live in the linear memory, so a pointer returned by a lookup is written through
// directly by the program, and user space sees the write.

import { BpfError } from '../errors.js';
import type { MapType } from '../uapi/bpf.js';
import { strerror } from '../uapi/errno.js';

/** Description of a map, before it exists. */
export interface MapSpec {
  /** Name as the kernel keeps it (truncated to BPF_OBJ_NAME_LEN - 1 = 15 characters by the loader). */
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** BPF_F_* map flags. */
  flags: number;
  numaNode?: number;
  /** map_extra (bloom filter: number of hash functions in the low 4 bits). */
  mapExtra?: bigint;
  /** libbpf pinning: LIBBPF_PIN_NONE = 0, LIBBPF_PIN_BY_NAME = 1. */
  pinning?: number;
  /** Template of the inner map, for ARRAY_OF_MAPS / HASH_OF_MAPS. */
  innerMap?: MapSpec;
  /** BTF type ids of key and value (in `btf`), for formatting dumps. */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** The BTF object the type ids refer to (a btf/ Btf instance; typed loosely to keep maps independent). */
  btf?: unknown;
  /** Initial contents: key/value bytes; for prog arrays and map-in-map, the value may name a program or map. */
  contents?: Array<{ key: Uint8Array; value: Uint8Array | { program: string } | { map: string } }>;
  /** Freeze after initialising (.rodata, .kconfig). */
  freeze?: boolean;
  /** Offset of a struct bpf_spin_lock in the value (from BTF), enabling BPF_F_LOCK; absent = none. */
  spinLockOffset?: number;
}

/** A map-operation failure with the errno the kernel returns. */
export class MapError extends BpfError {
  constructor(errno: number, readonly op: string, detail?: string) {
    super(`MAP_${op.toUpperCase()}`, detail ?? `${op}: ${strerror(errno)}`, errno);
  }
}

/** Flags of update operations (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
export type UpdateFlags = number;

/**
 * A live map. Every map type implements the common operations; type-specific ones
 * (push/pop/peek, ring buffer reserve, LPM, redirect targets) live on the concrete classes.
 */
export interface BpfMap {
  /** Kernel-style id, unique in its runtime (also what user space passes where the kernel takes an fd). */
  readonly id: number;
  readonly spec: Readonly<MapSpec>;
  /** Offset of the map's descriptor in the linear memory: the value of a map pointer in a register. */
  readonly addr: number;
  /** Frozen maps refuse user-space writes (and .rodata values are read-only for programs). */
  readonly frozen: boolean;

  // ---- program side: offsets in linear memory; results as helpers return them -----------
  /** Offset of the value for the key at `keyAddr`, or 0. */
  lookupAddr(keyAddr: number): number;
  /** 0 or -errno. */
  updateAddr(keyAddr: number, valueAddr: number, flags: UpdateFlags): number;
  /** 0 or -errno. */
  deleteAddr(keyAddr: number): number;

  // ---- user side: bytes in, bytes out, MapError on failure -------------------------------
  /** The value (for per-CPU maps: every CPU's value, each rounded up to 8 bytes, concatenated). */
  lookup(key: Uint8Array, flags?: number): Uint8Array;
  update(key: Uint8Array, value: Uint8Array, flags?: UpdateFlags): void;
  delete(key: Uint8Array): void;
  /** The key after `key` (the first key when `key` is null); null at the end. */
  nextKey(key: Uint8Array | null): Uint8Array | null;
  freeze(): void;
  /** Release every value and key region (the map is gone). */
  destroy(): void;

  // ---- optional, type-specific (every map created by src/maps has them; unsupported
  // operations return -EINVAL / 0 as the kernel's missing map ops would) ----------------
  /** bpf_map_push_elem (queue, stack, bloom filter): 0 or -errno. */
  pushAddr?(valueAddr: number, flags: number): number;
  /** bpf_map_pop_elem: copies the value to valueAddr; 0 or -errno. */
  popAddr?(valueAddr: number): number;
  /** bpf_map_peek_elem (bloom filter: membership test of the value at valueAddr): 0 or -errno. */
  peekAddr?(valueAddr: number): number;
  /** bpf_map_lookup_percpu_elem: the value of `cpu` for the key at keyAddr, or 0. */
  lookupPercpuAddr?(keyAddr: number, cpu: number): number;
  /** bpf_for_each_map_elem: calls fn(keyAddr, valueAddr) per element until it returns non-zero; the number of elements visited or -errno. */
  forEach?(fn: (keyAddr: number, valueAddr: number) => number): number;
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM. */
  lookupAndDelete?(key: Uint8Array | null, flags?: number): Uint8Array;
}

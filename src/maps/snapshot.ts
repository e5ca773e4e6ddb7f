// Map snapshots for the CLI's pin store: the spec, every entry (or the raw state of maps
// without entries: queue contents, bloom bits, ring buffer data and positions, pending perf
// events), the frozen flag and the id, in a versioned format:
//
//   "TSBPFMAP" (8 bytes) | u32 LE format version (1) | UTF-8 JSON
//     { id, frozen, ncpus (of the runtime; per-CPU values adapt on restore), spec: { name, type, keySize, valueSize, maxEntries, flags, numaNode?,
//       mapExtra? (decimal string), pinning?, innerMap? (same shape), btfKeyTypeId?,
//       btfValueTypeId?, spinLockOffset? }, state: <type-specific> }
//
// restoreMap re-creates the map with the same id (or the one asked for) without the
// checks an update would make, so references (program ids in a prog array, inner map ids)
// are restored even when their targets are restored later or not at all. The BTF object
// of a spec is not part of a snapshot.

import type { Runtime } from '../runtime/runtime.js';
import { Errno } from '../uapi/errno.js';
import { MapBase } from './base.js';
import { createMapInternal } from './create.js';
import { MapError, type BpfMap, type MapSpec } from './types.js';

export const SNAPSHOT_MAGIC = 'TSBPFMAP';
export const SNAPSHOT_VERSION = 1;

interface SpecJson {
  name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number;
  numaNode?: number; mapExtra?: string; pinning?: number; innerMap?: SpecJson;
  btfKeyTypeId?: number; btfValueTypeId?: number; spinLockOffset?: number;
}

function specToJson(s: Readonly<MapSpec>): SpecJson {
  const j: SpecJson = { name: s.name, type: s.type, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, flags: s.flags };
  if (s.numaNode !== undefined) j.numaNode = s.numaNode;
  if (s.mapExtra !== undefined) j.mapExtra = s.mapExtra.toString();
  if (s.pinning !== undefined) j.pinning = s.pinning;
  if (s.innerMap) j.innerMap = specToJson(s.innerMap);
  if (s.btfKeyTypeId !== undefined) j.btfKeyTypeId = s.btfKeyTypeId;
  if (s.btfValueTypeId !== undefined) j.btfValueTypeId = s.btfValueTypeId;
  if (s.spinLockOffset !== undefined) j.spinLockOffset = s.spinLockOffset;
  return j;
}

function bad(detail: string): never {
  throw new MapError(Errno.EINVAL, 'restore', `map restore: ${detail}`);
}

function specFromJson(j: unknown, where = 'spec'): MapSpec {
  if (!j || typeof j !== 'object') bad(`${where} is not an object`);
  const o = j as Record<string, unknown>;
  const num = (k: string, opt = false): number | undefined => {
    const v = o[k];
    if (v === undefined && opt) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) bad(`${where}.${k} is not an integer`);
    return v;
  };
  if (typeof o.name !== 'string') bad(`${where}.name is not a string`);
  const s: MapSpec = {
    name: o.name, type: num('type') as MapSpec['type'], keySize: num('keySize')!, valueSize: num('valueSize')!,
    maxEntries: num('maxEntries')!, flags: num('flags')!,
  };
  const nn = num('numaNode', true); if (nn !== undefined) s.numaNode = nn;
  if (o.mapExtra !== undefined) {
    if (typeof o.mapExtra !== 'string' || !/^\d+$/.test(o.mapExtra)) bad(`${where}.mapExtra is not a decimal string`);
    s.mapExtra = BigInt(o.mapExtra);
  }
  const p = num('pinning', true); if (p !== undefined) s.pinning = p;
  if (o.innerMap !== undefined) s.innerMap = specFromJson(o.innerMap, `${where}.innerMap`);
  const bk = num('btfKeyTypeId', true); if (bk !== undefined) s.btfKeyTypeId = bk;
  const bv = num('btfValueTypeId', true); if (bv !== undefined) s.btfValueTypeId = bv;
  const sl = num('spinLockOffset', true); if (sl !== undefined) s.spinLockOffset = sl;
  return s;
}

/** Serialise a map (spec, contents, frozen flag, id). */
export function snapshotMap(map: BpfMap): Uint8Array {
  if (!(map instanceof MapBase)) throw new MapError(Errno.EINVAL, 'snapshot', 'snapshot: not a map created by src/maps');
  const json = JSON.stringify({ id: map.id, frozen: map.frozen, ncpus: map.rt.ncpus, spec: specToJson(map.spec), state: map.exportState() });
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(12 + body.length);
  out.set(new TextEncoder().encode(SNAPSHOT_MAGIC));
  new DataView(out.buffer).setUint32(8, SNAPSHOT_VERSION, true);
  out.set(body, 12);
  return out;
}

export interface RestoreOptions {
  /** Create the map with this id instead of the snapshot's (0 / undefined: the snapshot's). */
  id?: number;
  /** Allocate a fresh id instead of reusing the snapshot's. */
  freshId?: boolean;
}

/** Parse a snapshot's header without creating anything. */
export function readSnapshot(bytes: Uint8Array): { id: number; frozen: boolean; ncpus?: number; spec: MapSpec; state: unknown } {
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) bad('snapshot too short');
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== SNAPSHOT_MAGIC) bad('not a map snapshot (bad magic)');
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) bad(`unsupported snapshot version ${version}`);
  let j: unknown;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12)));
  } catch (e) {
    bad(`corrupt snapshot body: ${(e as Error).message}`);
  }
  const o = j as { id?: unknown; frozen?: unknown; ncpus?: unknown; spec?: unknown; state?: unknown };
  if (!o || typeof o !== 'object') bad('snapshot body is not an object');
  if (typeof o.id !== 'number' || !Number.isInteger(o.id) || o.id < 1) bad('snapshot id is not a positive integer');
  const ncpus = typeof o.ncpus === 'number' && Number.isInteger(o.ncpus) && o.ncpus > 0 ? o.ncpus : undefined;
  return { id: o.id, frozen: o.frozen === true, ...(ncpus ? { ncpus } : {}), spec: specFromJson(o.spec), state: o.state };
}

/** Re-create a map from a snapshot in `rt` (same id unless told otherwise). */
export function restoreMap(rt: Runtime, bytes: Uint8Array, opts: RestoreOptions = {}): BpfMap {
  const snap = readSnapshot(bytes);
  const id = opts.freshId ? undefined : (opts.id || snap.id);
  const m = createMapInternal(rt, snap.spec, { id }) as MapBase;
  try {
    m.importState(snap.state, snap.ncpus ?? rt.ncpus);
  } catch (e) {
    m.destroy();
    if (e instanceof MapError) throw e;
    bad(`corrupt ${snap.spec.name} state: ${(e as Error).message}`);
  }
  m.setFrozen(snap.frozen);
  return m;
}

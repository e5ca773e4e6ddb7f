// One tsbpf invocation's view of the world: the pin store (objects that outlive the
// process, with their ids), one Runtime in which pinned maps are re-created from their
// records, and the handle grammar (MAP := id ID | pinned FILE | name NAME, PROG := id ID |
// pinned FILE | tag TAG | name NAME) resolved against the store.

import { availableParallelism } from 'node:os';
import { Runtime } from '../runtime/runtime.js';
import { createMap, restoreMap, snapshotMap } from '../maps/index.js';
import { MapError } from '../maps/types.js';
import type { BpfMap, MapSpec } from '../maps/types.js';
import { MapType } from '../uapi/bpf.js';
import { Errno, strerror } from '../uapi/errno.js';
import { PinStore, PinStoreError, newUuid, type PinnedMapRecord, type PinnedProgRecord } from '../pinstore/index.js';
import { Args, fromHex, isPrefix, isQueueStack, parseUlong, roundUp8, toHex, isPerCpuMap } from './args.js';
import { CliError, type CliContext } from './context.js';

export interface MapRef {
  id: number;
  path: string;
  record: PinnedMapRecord;
}

export interface ProgRef {
  id: number;
  path: string;
  record: PinnedProgRecord;
}

/** Number of possible CPUs per-CPU maps hold (TSBPF_NCPUS overrides; default this machine's). */
export function possibleCpus(env: NodeJS.ProcessEnv): number {
  const n = env.TSBPF_NCPUS ? Number(env.TSBPF_NCPUS) : availableParallelism();
  return Number.isInteger(n) && n > 0 && n <= 1024 ? n : 1;
}

/** The store's errors as bpftool words them for `pinned FILE`. */
export function pinnedError(e: unknown, path: string): never {
  if (e instanceof PinStoreError) {
    if (e.code === 'PIN_IO') throw new CliError(`bpf obj get (${path}): ${strerror(e.errno ?? Errno.EIO)}`);
    if (e.code === 'PIN_KIND') throw new CliError(e.message.replace(/^.*?: /, ''));
    throw new CliError(`bpf obj get (${path}): ${e.message}`);
  }
  throw e;
}

export class Session {
  readonly store: PinStore;
  readonly ncpus: number;
  private rt?: Runtime;

  constructor(readonly ctx: CliContext) {
    this.store = PinStore.fromEnv(ctx.env);
    this.ncpus = possibleCpus(ctx.env);
  }

  runtime(): Runtime {
    if (!this.rt) this.rt = new Runtime({ ncpus: this.ncpus });
    return this.rt;
  }

  // ---- maps ------------------------------------------------------------------------------

  mapIdOf(path: string, rec: PinnedMapRecord): number {
    return this.store.idOf('map', path, rec.uuid);
  }

  /** Every live map, id order. */
  listMaps(): MapRef[] {
    return this.store.list<PinnedMapRecord>('map');
  }

  mapByPath(path: string): MapRef {
    let r: { path: string; record: PinnedMapRecord };
    try {
      r = this.store.readMap(path);
    } catch (e) {
      pinnedError(e, path);
    }
    return { id: this.mapIdOf(r.path, r.record), path: r.path, record: r.record };
  }

  /** map_parse_fds: consumes `id ID`, `pinned FILE` or `name NAME`; may match several maps (name). */
  parseMaps(args: Args): MapRef[] {
    const kw = args.peek();
    if (kw === undefined) throw new CliError("expected 'id', 'name' or 'pinned', got: '(null)'?");
    if (isPrefix(kw, 'id')) {
      args.next();
      const text = args.next();
      const id = parseUlong(text, 0);
      if (id === undefined) throw new CliError(`can't parse ${text} as ID`);
      const hit = this.listMaps().find((m) => m.id === id);
      if (!hit) throw new CliError(`get map by id (${id}): No such file or directory`);
      return [hit];
    }
    if (isPrefix(kw, 'name')) {
      args.next();
      const name = args.next();
      if (name.length > 15) throw new CliError("can't parse name");
      return this.listMaps().filter((m) => m.record.spec.name === name);
    }
    if (isPrefix(kw, 'pinned')) {
      args.next();
      return [this.mapByPath(args.next())];
    }
    throw new CliError(`expected 'id', 'name' or 'pinned', got: '${kw}'?`);
  }

  /** map_parse_fd: exactly one map. */
  parseMap(args: Args): MapRef {
    const maps = this.parseMaps(args);
    if (maps.length > 1) throw new CliError('several maps match this handle');
    if (maps.length === 0) throw new CliError('no map found');
    return maps[0]!;
  }

  /** The live map a record describes, in this session's runtime. */
  materialize(rec: PinnedMapRecord): BpfMap {
    const rt = this.runtime();
    if (rec.snapshot !== undefined) {
      try {
        const m = restoreMap(rt, new Uint8Array(Buffer.from(rec.snapshot, 'base64')), { freshId: true });
        return m;
      } catch (e) {
        if (e instanceof MapError) throw new CliError(`pinned map ${rec.spec.name}: ${e.message}`);
        throw e;
      }
    }
    const spec: MapSpec = specOfRecord(rec);
    const m = createMap(rt, spec);
    const t = rec.spec.type;
    const valueLen = isPerCpuMap(t) ? roundUp8(rec.spec.valueSize) * rt.ncpus : rec.spec.valueSize;
    const entries = t === MapType.STACK ? [...rec.entries].reverse() : rec.entries;
    for (const [k, v] of entries) {
      let value = fromHex(v);
      if (value.length !== valueLen) value = resizePerCpu(value, rec.spec.valueSize, valueLen);
      if (isQueueStack(t)) m.update(new Uint8Array(0), value, 0);
      else m.update(fromHex(k), value, 0);
    }
    if (rec.frozen) m.freeze();
    return m;
  }

  /** The record of a live map's current state (same identity as `rec`). */
  snapshot(m: BpfMap, rec: PinnedMapRecord): PinnedMapRecord {
    let snap: Uint8Array | undefined;
    try {
      snap = snapshotMap(m);
    } catch {
      snap = undefined;
    }
    if (snap) {
      return { ...rec, frozen: m.frozen, ncpus: this.runtime().ncpus, entries: [], snapshot: Buffer.from(snap).toString('base64') };
    }
    const entries: Array<[string, string]> = [];
    const t = rec.spec.type;
    if (isQueueStack(t)) {
      if (t !== MapType.BLOOM_FILTER && m.lookupAndDelete) {
        for (;;) {
          let v: Uint8Array;
          try {
            v = m.lookupAndDelete(null);
          } catch {
            break;
          }
          entries.push(['', toHex(v)]);
        }
      }
    } else {
      let k = m.nextKey(null);
      let guard = 0;
      while (k && guard++ <= rec.spec.maxEntries + 1) {
        try {
          entries.push([toHex(k), toHex(m.lookup(k))]);
        } catch {
          /* prog arrays and maps of maps: empty slots are not entries */
        }
        k = m.nextKey(k);
      }
    }
    const { snapshot: _old, ...rest } = rec;
    void _old;
    return { ...rest, frozen: m.frozen, ncpus: this.runtime().ncpus, entries };
  }

  /** A fresh map record for `map create`. */
  newMapRecord(spec: PinnedMapRecord['spec']): PinnedMapRecord {
    return {
      kind: 'map', uuid: newUuid(), spec, frozen: false, ncpus: this.runtime().ncpus, entries: [],
      createdAt: Math.floor(Date.now() / 1000), uid: process.getuid?.() ?? 0,
    };
  }

  // ---- programs --------------------------------------------------------------------------

  listProgs(): ProgRef[] {
    return this.store.list<PinnedProgRecord>('prog');
  }

  progByPath(path: string): ProgRef {
    let r: { path: string; record: PinnedProgRecord };
    try {
      r = this.store.readProg(path);
    } catch (e) {
      pinnedError(e, path);
    }
    return { id: this.store.idOf('prog', r.path, r.record.uuid), path: r.path, record: r.record };
  }

  /** prog_parse_fds. */
  parseProgs(args: Args): ProgRef[] {
    const kw = args.peek();
    if (kw === undefined) throw new CliError("expected 'id', 'tag', 'name' or 'pinned', got: '(null)'?");
    if (isPrefix(kw, 'id')) {
      args.next();
      const text = args.next();
      const id = parseUlong(text, 0);
      if (id === undefined) throw new CliError(`can't parse ${text} as ID`);
      const hit = this.listProgs().find((p) => p.id === id);
      if (!hit) throw new CliError(`get by id (${id}): No such file or directory`);
      return [hit];
    }
    if (isPrefix(kw, 'tag')) {
      args.next();
      const text = args.next();
      const m = /^([0-9a-fA-F]{2}){8}/.exec(text);
      if (!m) throw new CliError("can't parse tag");
      const tag = text.slice(0, 16).toLowerCase();
      return this.listProgs().filter((p) => p.record.tag === tag);
    }
    if (isPrefix(kw, 'name')) {
      args.next();
      const name = args.next();
      if (name.length > 127) throw new CliError("can't parse name");
      return this.listProgs().filter((p) => p.record.symbol === name || p.record.name === name);
    }
    if (isPrefix(kw, 'pinned')) {
      args.next();
      return [this.progByPath(args.next())];
    }
    throw new CliError(`expected 'id', 'tag', 'name' or 'pinned', got: '${kw}'?`);
  }

  parseProg(args: Args): ProgRef {
    const progs = this.parseProgs(args);
    if (progs.length > 1) throw new CliError('several programs match this handle');
    if (progs.length === 0) throw new CliError('no program found');
    return progs[0]!;
  }
}

export function specOfRecord(rec: PinnedMapRecord): MapSpec {
  const s = rec.spec;
  const spec: MapSpec = {
    name: s.name, type: s.type as MapSpec['type'], keySize: s.keySize, valueSize: s.valueSize,
    maxEntries: s.maxEntries, flags: s.flags,
  };
  if (s.mapExtra !== undefined) spec.mapExtra = BigInt(s.mapExtra);
  if (s.innerMap) spec.innerMap = specOfRecord({ ...rec, spec: s.innerMap });
  return spec;
}

export function recordSpecOf(spec: MapSpec): PinnedMapRecord['spec'] {
  const out: PinnedMapRecord['spec'] = {
    name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize,
    maxEntries: spec.maxEntries, flags: spec.flags >>> 0,
  };
  if (spec.mapExtra !== undefined && spec.mapExtra !== 0n) out.mapExtra = spec.mapExtra.toString();
  if (spec.innerMap) out.innerMap = recordSpecOf(spec.innerMap);
  return out;
}

/** Per-CPU values saved with another CPU count: keep the CPUs both have, zero the rest. */
function resizePerCpu(v: Uint8Array, valueSize: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const step = roundUp8(valueSize);
  for (let off = 0; off + step <= Math.min(v.length, len); off += step) out.set(v.subarray(off, off + step), off);
  return out;
}

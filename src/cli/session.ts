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
import type { RegisteredProgram } from '../runtime/runtime.js';
import { PinStore, PinStoreError, newUuid, type PinnedMapRecord, type PinnedProgRecord, type SlotRef } from '../pinstore/index.js';
import { Args, fromHex, isMapOfMaps, isMapOfProgs, isPrefix, isQueueStack, parseUlong, roundUp8, toHex, isPerCpuMap } from './args.js';
import { CliError, QuietError, type CliContext } from './context.js';
import { loadPinnedProgram } from './loaded.js';

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

/** A pinned map re-created in this session's runtime, with the objects its slots hold. */
interface LiveMap {
  path: string;
  record: PinnedMapRecord;
  map: BpfMap;
  /** Slot key (hex) → the pinned object it holds (prog arrays, maps of maps). */
  refs: Map<string, SlotRef>;
  /** Keys whose object exists but could not be re-created in this process (kept recorded). */
  unfilled: Set<string>;
}

const u32le = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};

export const holdsRefs = (type: number): boolean => isMapOfMaps(type) || isMapOfProgs(type);

export class Session {
  readonly store: PinStore;
  readonly ncpus: number;
  private rt?: Runtime;
  /**
   * Whether prog array slots get the real programs (loaded from their records, to be tail
   * called: `prog run`) or stand-ins carrying only id, name and type (every other command:
   * enough for the kernel's update checks and for printing ids).
   */
  runnablePrograms = false;
  private readonly liveByUuid = new Map<string, LiveMap>();
  private readonly liveByMap = new Map<BpfMap, LiveMap>();
  private readonly progsByUuid = new Map<string, RegisteredProgram>();
  private readonly pending: Array<() => void> = [];
  private filling = false;

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
    return this.dropUnheld(this.store.list<PinnedMapRecord>('map'));
  }

  /**
   * Objects living on only in a held copy are gone (removed) once no map's slot refers to
   * them any more: the kernel frees an object when its last reference goes.
   */
  private dropUnheld<R extends { path: string; record: PinnedMapRecord | PinnedProgRecord }>(list: R[]): R[] {
    if (!list.some((o) => this.store.isHeldPath(o.path))) return list;
    const maps = this.store.list<PinnedMapRecord>('map');
    const held = new Set<string>();
    for (const m of maps) for (const r of m.record.refs ?? []) held.add(`${r.kind}:${r.uuid}`);
    return list.filter((o) => {
      if (!this.store.isHeldPath(o.path) || held.has(`${o.record.kind}:${o.record.uuid}`)) return true;
      this.store.remove(o.path);
      return false;
    });
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
    if (maps.length === 0) throw new QuietError('no map found');
    return maps[0]!;
  }

  /**
   * The live map a record (pinned at `path`) describes, in this session's runtime: one live
   * map per pinned map and session, so a map reached twice (by a program and through a map
   * of maps) is the same map. Slots of prog arrays and maps of maps are filled with the
   * objects their refs name (re-created in this runtime too).
   */
  materialize(rec: PinnedMapRecord, path?: string): BpfMap {
    const cached = this.liveByUuid.get(rec.uuid);
    if (cached && (cached.record === rec || sameState(cached.record, rec))) return cached.map;
    const m = this.materializeAlone(rec);
    const live: LiveMap = { path: path ?? '', record: rec, map: m, refs: new Map(), unfilled: new Set() };
    this.liveByUuid.set(rec.uuid, live);
    this.liveByMap.set(m, live);
    if (holdsRefs(rec.spec.type) && rec.refs) {
      for (const ref of rec.refs) {
        live.refs.set(ref.key, ref);
        this.pending.push(() => this.fillSlot(live, ref));
      }
    }
    this.drain();
    return m;
  }

  /** Fill pending slots (breadth first: cycles through prog arrays end). */
  private drain(): void {
    if (this.filling) return;
    this.filling = true;
    try {
      for (let f = this.pending.shift(); f; f = this.pending.shift()) f();
    } finally {
      this.filling = false;
    }
  }

  /**
   * Put the object a ref names into its slot. An object that no longer exists anywhere (no
   * pin, no held copy) empties the slot for good; one that exists but cannot be re-created
   * here (its object no longer loads, a map of it is gone) leaves the slot empty in this
   * process only: the ref stays recorded.
   */
  private fillSlot(live: LiveMap, ref: SlotRef): void {
    const key = fromHex(ref.key);
    const t = this.resolveRef(ref);
    let id: number | undefined;
    if (t) {
      try {
        if (t.record.kind === 'map') id = this.materialize(t.record, t.path).id;
        else id = this.programFor(t.path, t.record).id;
        live.map.update(key, u32le(id), 0);
        return;
      } catch (e) {
        if (!(e instanceof CliError || e instanceof MapError || e instanceof PinStoreError)) throw e;
        if (this.ctx.debug) this.ctx.err(`slot ${ref.key} of map ${live.record.spec.name}: ${(e as Error).message}\n`);
        live.unfilled.add(ref.key);
      }
    } else {
      live.refs.delete(ref.key);
    }
    try { live.map.delete(key); } catch { /* already empty */ }
  }

  /** Where the object a ref names is now: its pin while it holds the same object, else the held copy. */
  resolveRef(ref: SlotRef): { path: string; record: PinnedMapRecord | PinnedProgRecord } | undefined {
    const candidates = [ref.path, this.store.heldPath(ref.kind, ref.uuid)];
    for (const c of candidates) {
      if (!c) continue;
      try {
        const r = this.store.read(c);
        if (r.record.kind === ref.kind && r.record.uuid === ref.uuid) return r;
      } catch (e) {
        if (!(e instanceof PinStoreError)) throw e;
      }
    }
    return undefined;
  }

  /** The program a prog array slot holds, in this runtime (see runnablePrograms). */
  programFor(path: string, rec: PinnedProgRecord): RegisteredProgram {
    const hit = this.progsByUuid.get(rec.uuid);
    if (hit && (!this.runnablePrograms || 'program' in hit)) return hit;
    let p: RegisteredProgram;
    if (this.runnablePrograms) {
      p = loadPinnedProgram(this, path, rec);
    } else {
      const rt = this.runtime();
      const stub = { id: rt.allocProgId(), name: rec.name, type: rec.type, expectedAttachType: rec.expectedAttachType };
      rt.registerProgram(stub);
      p = stub;
    }
    this.progsByUuid.set(rec.uuid, p);
    return p;
  }

  /** Record that a program re-created from its pin is this session's copy of it. */
  noteProgram(rec: PinnedProgRecord, p: RegisteredProgram): void {
    if (!this.progsByUuid.has(rec.uuid) || !('program' in this.progsByUuid.get(rec.uuid)!)) this.progsByUuid.set(rec.uuid, p);
  }

  /** The live map behind a ref target (for an update naming a map). */
  liveOf(m: BpfMap): LiveMap | undefined {
    return this.liveByMap.get(m);
  }

  /** Every map materialised in this session, with where it is pinned. */
  liveMaps(): Array<{ path: string; record: PinnedMapRecord; map: BpfMap }> {
    return [...this.liveByUuid.values()];
  }

  /** Set slot `key` of a live prog array / map of maps to a pinned object (the kernel's checks apply). */
  setSlot(m: BpfMap, key: Uint8Array, flags: number, kind: 'map' | 'prog', target: { path: string; record: PinnedMapRecord | PinnedProgRecord }, lasts = true): void {
    const id = target.record.kind === 'map' ? this.materialize(target.record, target.path).id : this.programFor(target.path, target.record).id;
    m.update(key, u32le(id), flags);
    const live = this.liveByMap.get(m);
    if (live) {
      live.refs.set(toHex(key), { key: toHex(key), kind, uuid: target.record.uuid, path: this.store.canonical(target.path) });
      live.unfilled.delete(toHex(key));
    }
    // The slot holds the object: it outlives its pin (the kernel's reference).
    if (lasts && !this.store.isHeldPath(target.path)) this.store.hold(kind, target.record);
  }

  /** `map delete` of a slot whose object could not be re-created here: drop its ref (true if it was one). */
  forgetUnfilled(m: BpfMap, key: Uint8Array): boolean {
    const live = this.liveByMap.get(m);
    const k = toHex(key);
    if (!live?.unfilled.has(k)) return false;
    live.unfilled.delete(k);
    live.refs.delete(k);
    return true;
  }

  /** The id a slot value shows (bpftool prints the kernel's prog / map id): the ref's pinned id. */
  slotDisplayValue(m: BpfMap, key: Uint8Array, value: Uint8Array): Uint8Array {
    const live = this.liveByMap.get(m);
    const ref = live?.refs.get(toHex(key));
    if (!ref) return value;
    const t = this.resolveRef(ref);
    if (!t) return value;
    const out = new Uint8Array(value);
    out.set(u32le(this.store.idOf(ref.kind, t.path, ref.uuid)).subarray(0, out.length));
    return out;
  }

  /** Write a map's record back (the caller holds its lock), and its held copy if a map of maps holds it. */
  writeMap(path: string, rec: PinnedMapRecord): void {
    this.store.writeLocked(path, rec);
    try {
      this.store.refreshHeld(rec, path);
    } catch (e) {
      if (!(e instanceof PinStoreError)) throw e;
    }
  }

  /**
   * Map files a program's run can touch: its maps, and through prog array and map-of-maps
   * slots the maps of the programs and the inner maps they hold (to lock them all first).
   */
  mapClosure(paths: string[]): string[] {
    const seen = new Set<string>();
    const progsSeen = new Set<string>();
    const queue = [...paths];
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      let r: { path: string; record: PinnedMapRecord };
      try {
        r = this.store.readMap(p);
      } catch {
        continue;
      }
      if (seen.has(r.path)) continue;
      seen.add(r.path);
      for (const ref of r.record.refs ?? []) {
        const t = this.resolveRef(ref);
        if (!t) continue;
        if (t.record.kind === 'map') queue.push(t.path);
        else if (!progsSeen.has(t.record.uuid)) {
          progsSeen.add(t.record.uuid);
          queue.push(...Object.values(t.record.maps));
        }
      }
    }
    return [...seen];
  }

  private materializeAlone(rec: PinnedMapRecord): BpfMap {
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
    const out = this.snapshotState(m, rec);
    const live = this.liveByMap.get(m);
    if (live && holdsRefs(rec.spec.type)) {
      const refs = [...live.refs.values()].filter((r) => {
        if (live.unfilled.has(r.key)) return true;
        try {
          m.lookup(fromHex(r.key));
          return true;
        } catch {
          return false; // deleted since
        }
      });
      if (refs.length) out.refs = refs;
      else delete out.refs;
    }
    return out;
  }

  private snapshotState(m: BpfMap, rec: PinnedMapRecord): PinnedMapRecord {
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
    return this.dropUnheld(this.store.list<PinnedProgRecord>('prog'));
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
    if (progs.length === 0) throw new QuietError('no program found');
    return progs[0]!;
  }
}

/** Whether two records of one map hold the same state. */
function sameState(a: PinnedMapRecord, b: PinnedMapRecord): boolean {
  return a.snapshot === b.snapshot && a.frozen === b.frozen && JSON.stringify(a.entries) === JSON.stringify(b.entries) && JSON.stringify(a.refs ?? []) === JSON.stringify(b.refs ?? []);
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

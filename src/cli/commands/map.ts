// `tsbpf map ...`: bpftool's map commands over the pin store. Every map lives in a pinned
// file; read-only commands read it, writing commands re-create the map in this process,
// apply the operation and write the new state back atomically under the map's lock.

import { createMap, readSnapshot } from '../../maps/index.js';
import { MapError, type BpfMap } from '../../maps/types.js';
import { MapType } from '../../uapi/bpf.js';
import { Errno, strerror } from '../../uapi/errno.js';
import { PinStoreError, type PinnedMapRecord, type PinnedProgRecord } from '../../pinstore/index.js';
import { Args, hexBytes, isMapOfMaps, isMapOfProgs, isPerCpuMap, isPrefix, isQueueStack, mapTypeFromName, parseBytes, parseU32, roundUp8, selectCommand } from '../args.js';
import { CliError, QuietError, UsageError, type CliContext, type CliObject } from '../context.js';
import { entryErrorPlain, entryPlain, mapMemlock, recordBtf, showMapHeaderJson, showMapJson, showMapPlain, writeBtfEntry, writeEntryJson, type MapShowExtra } from '../mapfmt.js';
import { Output, showObjects, withOutput } from '../output.js';
import { btfKeyOf } from '../loaded.js';
import { Session, recordSpecOf, specOfRecord, type MapRef } from '../session.js';

type Handler = (s: Session, o: Output, args: Args, cmd: string) => number | void;

function errnoOf(e: unknown): number {
  if (e instanceof MapError || e instanceof PinStoreError) return e.errno ?? Errno.EINVAL;
  throw e;
}

/** p_err("<what>: %s", strerror(errno)) with exit status -errno. */
function opError(what: string, e: unknown, exitWithErrno = true): never {
  const errno = errnoOf(e);
  throw new CliError(`${what}: ${strerror(errno)}`, exitWithErrno ? errno : undefined);
}

/** A prog array's owner program type (set by its first program: load or update), from its snapshot. */
function ownerProgType(rec: PinnedMapRecord): number | undefined {
  if (rec.spec.type !== MapType.PROG_ARRAY || rec.snapshot === undefined) return undefined;
  try {
    const st = readSnapshot(new Uint8Array(Buffer.from(rec.snapshot, 'base64'))).state as { ownerType?: unknown } | undefined;
    return typeof st?.ownerType === 'number' ? st.ownerType : undefined;
  } catch {
    return undefined;
  }
}

export function mapExtra(s: Session, ref: MapRef): MapShowExtra {
  const x: MapShowExtra = { memlock: mapMemlock(ref.record, s.ncpus) };
  const owner = ownerProgType(ref.record);
  if (owner !== undefined) x.ownerProgType = owner;
  if (ref.record.btf) x.btfId = s.store.btfIdOf(btfKeyOf(ref.record.btf.data));
  if (s.ctx.bpffs) x.pinned = ref.record.owner || s.store.isHeldPath(ref.path) ? [] : [ref.path];
  return x;
}

function valueLen(s: Session, rec: PinnedMapRecord): number {
  return isPerCpuMap(rec.spec.type) ? roundUp8(rec.spec.valueSize) * s.ncpus : rec.spec.valueSize;
}

// ---- show / dump ----------------------------------------------------------------------------

const doShow: Handler = (s, o, args) => {
  showObjects<MapRef>(o, args, { parse: (a) => s.parseMaps(a), list: () => s.listMaps() },
    (r) => showMapJson(o.w, r, mapExtra(s, r)), (r) => showMapPlain(r, mapExtra(s, r)));
};

function dumpOne(s: Session, o: Output, ref: MapRef, showHeader: boolean, btfPlain: Output | undefined): number {
  const rec = ref.record;
  const btf = recordBtf(rec);
  const w = o.json ? o.w : btfPlain?.w;
  if (w) {
    if (showHeader) {
      w.startObject();
      showMapHeaderJson(w, ref);
      w.name('elements');
    }
    w.startArray();
  } else if (showHeader) {
    o.print(showMapPlain(ref, mapExtra(s, ref)).split('\n')[0] + '\n');
  }
  let rc = 0;
  let n = 0;
  const m = s.materialize(rec, ref.path);
  const next = (k: Uint8Array | null): Uint8Array | null => {
    try {
      return m.nextKey(k);
    } catch (e) {
      const errno = errnoOf(e);
      if (errno !== Errno.ENOENT) rc = (256 - errno) & 0xff; // bpftool stops silently
      return null;
    }
  };
  let k = next(null);
  while (k) {
    let v: Uint8Array | undefined;
    let err = 0;
    try {
      v = m.lookup(k);
    } catch (e) {
      err = errnoOf(e);
    }
    if (v) {
      n++;
      v = s.slotDisplayValue(m, k, v);
      if (o.json) writeEntryJson(o.w, rec, k, v, s.ncpus);
      else if (btfPlain && btf) writeBtfEntry(btfPlain.w, rec, btf, k, v, s.ncpus, true);
      else o.print(entryPlain(rec, k, v, s.ncpus));
    } else if (!((isMapOfMaps(rec.spec.type) || isMapOfProgs(rec.spec.type)) && err === Errno.ENOENT)) {
      if (w) {
        w.startObject();
        w.name('key').hexBytes(k);
        w.name('value').startObject().stringField('error', strerror(err)).endObject();
        w.endObject();
      } else {
        o.print(entryErrorPlain(rec, k, err === Errno.ENOENT ? '<no entry>' : strerror(err)));
      }
    }
    k = next(k);
  }
  if (w) {
    w.endArray();
    if (showHeader) w.endObject();
  } else {
    o.print(`Found ${n} element${n !== 1 ? 's' : ''}\n`);
  }
  return rc;
}

const doDump: Handler = (s, o, args) => {
  if (args.count !== 2) throw new UsageError();
  const refs = s.parseMaps(args);
  if (!refs.length) throw new QuietError('no map found'); // nothing printed, 255
  const btfPlain = !o.json && refs.every((r) => recordBtf(r.record)) ? new Output({ ...o.ctx, pretty: true, json: true }) : undefined;
  const w = o.json ? o.w : btfPlain?.w;
  const many = refs.length > 1;
  if (w && many) w.startArray();
  let rc = 0;
  for (let i = 0; i < refs.length; i++) {
    rc = dumpOne(s, o, refs[i]!, many, btfPlain);
    if (!w && i !== refs.length - 1) o.print('\n');
    if (rc) break;
  }
  if (w && many) w.endArray();
  btfPlain?.flush();
  return rc;
};

// ---- element commands -----------------------------------------------------------------------

interface Elem {
  key?: Uint8Array;
  value?: Uint8Array;
  flags: number;
  /** For maps of maps / programs: the referenced object, resolved as the value is parsed. */
  target?: { kind: 'map' | 'prog'; path: string; record: PinnedMapRecord | PinnedProgRecord };
}

/** parse_elem: key/value/flags in any order, each at most once. */
function parseElem(s: Session, rec: PinnedMapRecord, argv: string[], wantKey: boolean, wantValue: boolean, wantFlags: boolean): Elem {
  const ks = rec.spec.keySize;
  const vs = rec.spec.valueSize;
  const e: Elem = { flags: 0 };
  let needKey = wantKey && ks > 0;
  let needValue = wantValue && vs > 0;
  let flagsAllowed = wantFlags;
  let a = argv;
  for (;;) {
    if (!a.length) {
      if (!needKey && !needValue) return e;
      throw new CliError(`did not find ${needKey ? 'key' : 'value'}`);
    }
    const w = a[0]!;
    if (isPrefix(w, 'key')) {
      if (!needKey) throw new CliError(ks && wantKey ? 'duplicate key' : 'unnecessary key');
      const r = parseBytes(a.slice(1), 'key', ks);
      e.key = r.bytes;
      a = r.rest;
      needKey = false;
    } else if (isPrefix(w, 'value')) {
      if (!needValue) throw new CliError(vs && wantValue ? 'duplicate value' : 'unnecessary value');
      a = a.slice(1);
      if (isMapOfMaps(rec.spec.type) || isMapOfProgs(rec.spec.type)) {
        const what = isMapOfMaps(rec.spec.type) ? 'map in map' : 'map of progs';
        if (vs !== 4) throw new CliError(`value smaller than 4B for ${what}?`);
        if (a.length < 2) throw new CliError(`not enough value arguments for ${what}`);
        // bpftool opens the object right here (map_parse_fd / prog_parse_fd on two words),
        // so its errors come before those of the words after it.
        const ra = new Args(a.slice(0, 2));
        if (isMapOfMaps(rec.spec.type)) {
          const t = s.parseMap(ra);
          e.target = { kind: 'map', path: t.path, record: t.record };
        } else {
          if (isPrefix(a[0]!, 'id') && !s.ctx.json) {
            s.ctx.err('Warning: updating program array via MAP_ID, make sure this map is kept open\n' +
              '         by some process or pinned otherwise update will be lost\n');
          }
          const t = s.parseProg(ra);
          e.target = { kind: 'prog', path: t.path, record: t.record };
        }
        a = a.slice(2);
      } else {
        const r = parseBytes(a, 'value', vs);
        e.value = r.bytes;
        a = r.rest;
      }
      needValue = false;
    } else if (isPrefix(w, 'any') || isPrefix(w, 'noexist') || isPrefix(w, 'exist')) {
      if (!flagsAllowed) throw new CliError(`flags specified multiple times: ${w}`);
      e.flags = isPrefix(w, 'any') ? 0 : isPrefix(w, 'noexist') ? 1 : 2;
      flagsAllowed = false;
      a = a.slice(1);
    } else {
      throw new CliError(`expected key or value, got: ${w}`);
    }
  }
}

/** The full value buffer an update needs (per-CPU: the value copied to every CPU). */
function fullValue(s: Session, rec: PinnedMapRecord, v: Uint8Array): Uint8Array {
  if (!isPerCpuMap(rec.spec.type)) return v;
  const step = roundUp8(rec.spec.valueSize);
  const out = new Uint8Array(step * s.ncpus);
  for (let i = 0; i < s.ncpus; i++) out.set(v, i * step);
  return out;
}

/** Run `op` on the live map under the pin's lock and write the new state back (unless `keep` says no). */
function mutate<T>(s: Session, ref: MapRef, op: (m: BpfMap, rec: PinnedMapRecord) => T, keep = true): T {
  return s.store.transact([ref.path], ([cur]) => {
    const rec = cur!.record as PinnedMapRecord;
    const m = s.materialize(rec, cur!.path);
    const result = op(m, rec);
    if (!keep) return { result };
    const out = s.snapshot(m, rec);
    try {
      s.store.refreshHeld(out, cur!.path);
    } catch (e) {
      if (!(e instanceof PinStoreError)) throw e;
    }
    return { result, write: [{ path: cur!.path, record: out }] };
  });
}

const doUpdate: Handler = (s, o, args) => {
  if (args.count < 2) throw new UsageError();
  const ref = s.parseMap(args);
  const e = parseElem(s, ref.record, args.rest(), true, true, true);
  const key = e.key ?? new Uint8Array(0);
  const value = e.value ?? new Uint8Array(0);
  // A program or map as the value: the slot holds that object (recorded by identity, so it
  // is found again in later processes; see Session.setSlot).
  const target = e.target;
  try {
    // An unpinned prog array is emptied when this command exits (the kernel's uref rule):
    // the update is checked and made, and then it is gone.
    const lasts = ref.record.spec.type !== MapType.PROG_ARRAY || userPinned(s, ref);
    mutate(s, ref, (m, rec) => {
      if (target) s.setSlot(m, key, e.flags, target.kind, target, lasts);
      else m.update(key, fullValue(s, rec, value), e.flags);
    }, lasts);
  } catch (err) {
    if (err instanceof MapError) opError('update failed', err);
    throw err;
  }
  if (o.json) o.w.null();
};

/**
 * BPF_MAP_LOOKUP_ELEM on a bloom filter tests membership of the value buffer user space
 * passes in; bpftool passes a fresh (zeroed) buffer, so that is what is tested here.
 */
function bloomPeekZero(s: Session, m: BpfMap, valueSize: number): Uint8Array {
  const mem = s.runtime().mem;
  const addr = mem.alloc(Math.max(valueSize, 1), { kind: 'scratch', name: 'bloom value' });
  try {
    const r = m.peekAddr ? m.peekAddr(addr) : -Errno.EINVAL;
    if (r < 0) throw new MapError(-r, 'lookup');
    return new Uint8Array(valueSize);
  } finally {
    mem.free(addr);
  }
}

function printKeyValue(s: Session, o: Output, rec: PinnedMapRecord, key: Uint8Array, value: Uint8Array): void {
  const btf = recordBtf(rec);
  if (o.json) {
    writeEntryJson(o.w, rec, key, value, s.ncpus);
  } else if (btf) {
    const b = new Output({ ...o.ctx, json: true, pretty: true });
    writeBtfEntry(b.w, rec, btf, key, value, s.ncpus, true);
    b.flush();
  } else {
    o.print(entryPlain(rec, key, value, s.ncpus));
  }
}

const doLookup: Handler = (s, o, args) => {
  if (args.count < 2) throw new UsageError();
  const ref = s.parseMap(args);
  const rec = ref.record;
  const e = parseElem(s, rec, args.rest(), true, false, false);
  const key = e.key ?? new Uint8Array(0);
  const m = s.materialize(rec, ref.path);
  let value: Uint8Array;
  try {
    if (rec.spec.type === MapType.BLOOM_FILTER) value = bloomPeekZero(s, m, rec.spec.valueSize);
    else value = m.lookup(key);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === Errno.ENOENT) {
      if (o.json) o.w.null();
      else o.print(`key:\n${hexBytes(key)}\n\nNot found\n`);
      return (256 - errno) & 0xff;
    }
    throw new CliError(`lookup failed: ${strerror(errno)}`, errno);
  }
  printKeyValue(s, o, rec, key, s.slotDisplayValue(m, key, value.subarray(0, valueLen(s, rec))));
};

const doGetnext: Handler = (s, o, args) => {
  if (args.count < 2) throw new UsageError();
  const ref = s.parseMap(args);
  const rec = ref.record;
  let key: Uint8Array | null = null;
  if (args.count) key = parseElem(s, rec, args.rest(), true, false, false).key ?? new Uint8Array(0);
  const m = s.materialize(rec, ref.path);
  let next: Uint8Array | null;
  try {
    if (isQueueStack(rec.spec.type)) throw new MapError(Errno.EINVAL, 'getnext');
    next = m.nextKey(key);
  } catch (err) {
    const errno = errnoOf(err);
    throw new CliError(`can't get next key: ${strerror(errno)}`, errno);
  }
  if (!next) throw new CliError(`can't get next key: ${strerror(Errno.ENOENT)}`, Errno.ENOENT);
  if (o.json) {
    o.w.startObject();
    if (key) o.w.name('key').hexBytes(key); else o.w.nullField('key');
    o.w.name('next_key').hexBytes(next);
    o.w.endObject();
  } else {
    o.print(key ? `key:\n${hexBytes(key)}\n` : 'key: None\n');
    o.print(`next key:\n${hexBytes(next)}\n`);
  }
};

const doDelete: Handler = (s, o, args) => {
  if (args.count < 2) throw new UsageError();
  const ref = s.parseMap(args);
  const e = parseElem(s, ref.record, args.rest(), true, false, false);
  if (!e.key && ref.record.spec.keySize === 0) throw new CliError('did not find key');
  try {
    mutate(s, ref, (m) => {
      const key = e.key ?? new Uint8Array(0);
      if (s.forgetUnfilled(m, key)) return;
      m.delete(key);
    });
  } catch (err) {
    if (err instanceof MapError) opError('delete failed', err);
    throw err;
  }
  if (o.json) o.w.null();
};

const doPopDequeue: Handler = (s, o, args) => {
  if (args.count < 2) throw new UsageError();
  const ref = s.parseMap(args);
  let value: Uint8Array;
  try {
    value = mutate(s, ref, (m) => {
      if (!m.lookupAndDelete) throw new MapError(Errno.EOPNOTSUPP, 'pop');
      return m.lookupAndDelete(null);
    });
  } catch (err) {
    if (!(err instanceof MapError)) throw err;
    const errno = err.errno ?? Errno.EINVAL;
    if (errno === Errno.ENOENT) {
      if (o.json) o.w.null();
      else o.print('Error: empty map\n');
      return (256 - errno) & 0xff;
    }
    throw new CliError(`pop failed: ${strerror(errno)}`, errno);
  }
  printKeyValue(s, o, ref.record, new Uint8Array(0), value);
};

const doFreeze: Handler = (s, o, args) => {
  args.require(2);
  const ref = s.parseMap(args);
  if (args.count) throw new CliError(`what is '${args.peek()}'?`);
  try {
    mutate(s, ref, (m) => m.freeze());
  } catch (err) {
    if (err instanceof MapError) opError('failed to freeze map', err);
    throw err;
  }
  if (o.json) o.w.null();
};

/** do_pin_any: REQ_ARGS(3) failing is -EINVAL there. */
export function requirePinArgs(args: Args): void {
  try {
    args.require(3);
  } catch (e) {
    if (e instanceof CliError) throw new CliError(e.message, 22);
    throw e;
  }
}

/** Pin an existing object at another path: an alias record naming the first pin. */
export function pinAlias(s: Session, kind: 'map' | 'prog', target: string, file: string): void {
  try {
    s.store.create(file, { kind: 'alias', uuid: `alias-${Date.now()}-${Math.random().toString(16).slice(2)}`, target, targetKind: kind });
  } catch (err) {
    if (err instanceof PinStoreError) throw new CliError(`can't pin the object (${file}): ${strerror(err.errno ?? Errno.EIO)}`, err.errno);
    throw err;
  }
  if (kind !== 'map') return;
  // The map remembers the pin: a pinned map keeps its user reference (see userPinned).
  const alias = s.store.canonical(file);
  s.store.transact([target], ([cur]) => {
    const rec = cur!.record as PinnedMapRecord;
    if (rec.kind !== 'map' || rec.aliases?.includes(alias)) return { result: undefined };
    return { result: undefined, write: [{ path: cur!.path, record: { ...rec, aliases: [...(rec.aliases ?? []), alias] } }] };
  });
}

/**
 * Whether something besides its programs holds the map: a pin of the user (its own file
 * unless the map belongs to a program loaded without `pinmaps`, or a `map pin` alias that
 * still names it). The kernel empties a prog array when the last such reference goes, so
 * an update of an unpinned prog array does not outlive the command that made it.
 */
function userPinned(s: Session, ref: MapRef): boolean {
  if (!ref.record.owner) return true;
  return (ref.record.aliases ?? []).some((a) => {
    try {
      return s.store.resolveAlias(a) === ref.path;
    } catch {
      return false;
    }
  });
}

const doPin: Handler = (s, o, args) => {
  requirePinArgs(args);
  const ref = s.parseMap(args);
  const file = args.next();
  pinAlias(s, 'map', ref.path, file);
  if (o.json) o.w.null();
};

const doCreate: Handler = (s, o, args) => {
  args.require(7);
  const file = args.next();
  let type: number | undefined;
  let name: string | undefined;
  let keySize = 0, valueSize = 0, maxEntries = 0, flags = 0;
  let inner: PinnedMapRecord | undefined;
  const u32 = (cur: number, what: string): number => {
    args.next();
    if (cur) throw new CliError(`${what} already specified`);
    return parseU32(args.next(), what);
  };
  while (args.count) {
    args.require(2);
    const w = args.peek()!;
    if (isPrefix(w, 'type')) {
      args.next();
      if (type !== undefined) throw new CliError('map type already specified');
      const t = args.next();
      type = mapTypeFromName(t);
      if (type === undefined) throw new CliError(`unrecognized map type: ${t}`);
    } else if (isPrefix(w, 'name')) {
      args.next();
      name = args.next();
    } else if (isPrefix(w, 'key')) keySize = u32(keySize, 'key size');
    else if (isPrefix(w, 'value')) valueSize = u32(valueSize, 'value size');
    else if (isPrefix(w, 'entries')) maxEntries = u32(maxEntries, 'max entries');
    else if (isPrefix(w, 'flags')) flags = u32(flags, 'flags');
    else if (isPrefix(w, 'dev')) {
      args.next();
      throw new CliError(`unrecognized netdevice '${args.next()}': No such device`);
    } else if (isPrefix(w, 'inner_map')) {
      args.next();
      args.require(2);
      inner = s.parseMap(args).record;
    } else {
      throw new CliError(`unknown arg ${w}`);
    }
  }
  if (name === undefined) throw new CliError('map name not specified');
  const spec = { name, type: type ?? 0, keySize, valueSize, maxEntries, flags };
  const rec = s.newMapRecord(inner ? { ...spec, innerMap: inner.spec } : spec);
  // Create it for real (the kernel's checks, with its errno), then pin its state.
  let m: BpfMap;
  try {
    m = createMap(s.runtime(), specOfRecord(rec));
  } catch (err) {
    if (err instanceof MapError) throw new CliError(`map create failed: ${strerror(err.errno ?? Errno.EINVAL)}`);
    throw err;
  }
  const snap = s.snapshot(m, { ...rec, spec: { ...recordSpecOf(m.spec), name: spec.name } });
  try {
    s.store.create(file, snap);
  } catch (err) {
    if (err instanceof PinStoreError) throw new CliError(`can't pin the object (${file}): ${strerror(err.errno ?? Errno.EIO)}`, err.errno);
    throw err;
  }
  s.mapIdOf(file, snap);
  if (o.json) o.w.null();
};

const doHelp: Handler = (s, o) => {
  if (o.json) { o.w.null(); return; }
  s.ctx.err(HELP);
};

const HELP = `Usage: tsbpf map { show | list }   [MAP]
       tsbpf map create     FILE type TYPE key KEY_SIZE value VALUE_SIZE \\
                                  entries MAX_ENTRIES name NAME [flags FLAGS] \\
                                  [inner_map MAP] [dev NAME]
       tsbpf map dump       MAP
       tsbpf map update     MAP [key DATA] [value VALUE] [UPDATE_FLAGS]
       tsbpf map lookup     MAP [key DATA]
       tsbpf map getnext    MAP [key DATA]
       tsbpf map delete     MAP  key DATA
       tsbpf map pin        MAP  FILE
       tsbpf map peek       MAP
       tsbpf map push       MAP value VALUE
       tsbpf map pop        MAP
       tsbpf map enqueue    MAP value VALUE
       tsbpf map dequeue    MAP
       tsbpf map freeze     MAP
       tsbpf map help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       DATA := { [hex] BYTES }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       VALUE := { DATA | MAP | PROG }
       UPDATE_FLAGS := { any | exist | noexist }
       TYPE := { hash | array | prog_array | perf_event_array | percpu_hash |
                 percpu_array | stack_trace | cgroup_array | lru_hash |
                 lru_percpu_hash | lpm_trie | array_of_maps | hash_of_maps |
                 devmap | devmap_hash | sockmap | cpumap | xskmap | sockhash |
                 cgroup_storage | reuseport_sockarray | percpu_cgroup_storage |
                 queue | stack | sk_storage | struct_ops | ringbuf | inode_storage |
                 task_storage | bloom_filter | user_ringbuf | cgrp_storage }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }
       Pinned objects live in ordinary files (any writable directory); ids are kept in
       $TSBPF_STATE_DIR (default ~/.local/state/tsbpf).
`;

function usage(ctx: CliContext): number {
  if (ctx.json) ctx.out('null\n');
  else ctx.err(HELP);
  return 255;
}

const COMMANDS: ReadonlyArray<[string, Handler]> = [
  ['show', doShow], ['list', doShow], ['help', doHelp], ['dump', doDump], ['update', doUpdate],
  ['lookup', doLookup], ['getnext', doGetnext], ['delete', doDelete], ['pin', doPin],
  ['create', doCreate], ['peek', doLookup], ['push', doUpdate], ['enqueue', doUpdate],
  ['pop', doPopDequeue], ['dequeue', doPopDequeue], ['freeze', doFreeze],
];

export async function runMap(ctx: CliContext, argv: string[]): Promise<number> {
  const word = argv[0];
  const args = new Args(argv, 1);
  const s = new Session(ctx);
  if (word === undefined) return withOutput(ctx, (o) => doShow(s, o, args, 'show'));
  if (word === 'event_pipe') throw new CliError('event_pipe: perf event arrays are not supported by tsbpf');
  const h = selectCommand(word, COMMANDS);
  if (!h) return usage(ctx);
  try {
    return await withOutput(ctx, (o) => h(s, o, args, word));
  } catch (e) {
    if (e instanceof UsageError) return usage(ctx);
    throw e;
  }
}

export const mapObject: CliObject = {
  name: 'map',
  summary: 'create, show, dump and update maps (bpftool map)',
  run: runMap,
};


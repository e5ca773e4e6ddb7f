// Loading objects for the CLI: parse the ELF object, create (or reuse pinned) maps, load the
// programs through the runtime, and re-instantiate a pinned program in a later process
// with its pinned maps' current state.

import { readFileSync } from 'node:fs';
import { parseObject, objectNameFromPath, type ObjectSpec, type ProgramSpec } from '../loader/index.js';
import type { BpfMap } from '../maps/types.js';
import type { Collection, LoadOptions, LoadedProgram } from '../runtime/types.js';
import { isBpfError } from '../errors.js';
import { loadCollection } from '../runtime/collection.js';
import type { VerifyHook } from '../runtime/program.js';
import { verifyProgram } from '../verifier/index.js';
import { strerror } from '../uapi/errno.js';
import type { PinnedMapRecord, PinnedProgRecord } from '../pinstore/index.js';
import { sha256Hex } from '../pinstore/index.js';
import { CliError } from './context.js';
import type { Session } from './session.js';

type LoadCollectionFn = (spec: ObjectSpec, opts?: LoadOptions) => Collection;

/** The runtime's loadCollection (src/runtime/collection.ts). */
export async function getLoadCollection(): Promise<LoadCollectionFn> {
  return loadCollection;
}

export interface ParsedObject {
  bytes: Uint8Array;
  spec: ObjectSpec;
  file: string;
}

/** Read and parse an object file (bpftool: "failed to open object file" on any failure). */
export function openObject(s: Session, file: string, typeOverride?: { type: number; expectedAttachType: number }, bytes?: Uint8Array): ParsedObject {
  let data = bytes;
  if (!data) {
    try {
      data = new Uint8Array(readFileSync(file));
    } catch (e) {
      const errno = Math.abs((e as NodeJS.ErrnoException).errno ?? 2);
      s.ctx.err(`libbpf: elf: failed to open ${file}: ${strerror(errno)}\n`);
      throw new CliError('failed to open object file');
    }
  }
  try {
    const spec = parseObject(data, {
      name: objectNameFromPath(file),
      ...(typeOverride ? { sectionOverride: () => ({ type: typeOverride.type as ProgramSpec['type'], expectedAttachType: typeOverride.expectedAttachType as ProgramSpec['expectedAttachType'] }) } : {}),
    });
    return { bytes: data, spec, file };
  } catch (e) {
    if (!isBpfError(e)) throw e;
    // libbpf prints the reason, then bpftool its one-line error.
    const isElf = data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
    s.ctx.err(isElf ? `libbpf: ${e.message}\n` : `libbpf: elf: '${file}' is not a proper ELF object\n`);
    throw new CliError('failed to open object file');
  }
}

/** What bpftool 7.1 adds after a failed object load. */
export const STRICT_WARNING = 'Warning: bpftool is now running in libbpf strict mode and has more stringent requirements about BPF programs.\n' +
  "If it used to work for this object file but now doesn't, see --legacy option for more details.\n\n";

/**
 * The verifier over every program of an object, as BPF_PROG_LOAD runs it: a refused program
 * fails the load with libbpf's report of the verifier log; with -d the log of accepted
 * programs is printed too (bpftool -d asks the kernel for log level 1+2+4).
 */
export function verifyObject(s: Session, obj: ParsedObject): boolean {
  if (s.ctx.env.TSBPF_SKIP_VERIFIER === '1') {
    // Asked for explicitly: programs then run with every memory access checked.
    s.ctx.err('Warning: TSBPF_SKIP_VERIFIER=1: programs are loaded unverified and run in checked mode\n');
    return false;
  }
  const maps = new Map(obj.spec.maps.map((m) => [m.name, m]));
  for (const p of obj.spec.programs) {
    let r;
    try {
      r = verifyProgram(p, maps, { logLevel: s.ctx.debug ? 2 : 1 });
    } catch (e) {
      if (!isBpfError(e)) throw e;
      s.ctx.err(`libbpf: prog '${p.name}': BPF program load failed: ${e.message}\n`);
      throw new CliError('failed to load object file');
    }
    const block = (log: string) => `libbpf: prog '${p.name}': -- BEGIN PROG LOAD LOG --\n${log.endsWith('\n') ? log : log + '\n'}-- END PROG LOAD LOG --\n`;
    if (!r.ok) {
      const errno = r.error?.code === 'EINVAL' ? 22 : 13;
      s.ctx.err(`libbpf: prog '${p.name}': BPF program load failed: ${strerror(errno)}\n`);
      s.ctx.err(block(r.log));
      s.ctx.err(`libbpf: prog '${p.name}': failed to load: -${errno}\n`);
      s.ctx.err(`libbpf: failed to load object '${obj.file}'\n`);
      throw new CliError('failed to load object file', undefined, STRICT_WARNING);
    }
    if (s.ctx.debug) s.ctx.err(block(r.log));
  }
  return true;
}

/** The log level-1 verifier log of one program of an object (what BPF_PROG_LOAD returns). */
export function verifierLog(s: Session, obj: ParsedObject, name: string): string | undefined {
  const p = obj.spec.programs.find((x) => x.name === name);
  if (!p || s.ctx.env.TSBPF_SKIP_VERIFIER === '1') return undefined;
  try {
    return verifyProgram(p, new Map(obj.spec.maps.map((m) => [m.name, m])), { logLevel: 1 }).log;
  } catch (e) {
    if (!isBpfError(e)) throw e;
    return undefined;
  }
}

/** The programs were verified just before (verifyObject): loading does not verify them again. */
const ALREADY_VERIFIED: VerifyHook = () => ({ ok: true, log: '' });

/** Load every program of an object; maps named in `replace` are used instead of new ones. */
export async function loadObject(s: Session, obj: ParsedObject, replace: Record<string, BpfMap>): Promise<Collection> {
  const verified = verifyObject(s, obj);
  const load = await getLoadCollection();
  try {
    const coll = load(obj.spec, {
      runtime: s.runtime(), replaceMaps: replace, logLevel: s.ctx.debug ? 1 : 0,
      ...(verified ? { verify: ALREADY_VERIFIED } : { unverified: true }),
    });
    if (s.ctx.debug) {
      for (const p of Object.values(coll.programs)) if (p.log) s.ctx.err(p.log.endsWith('\n') ? p.log : p.log + '\n');
    }
    return coll;
  } catch (e) {
    if (!isBpfError(e)) throw e;
    const log = (e as { log?: unknown }).log;
    if (typeof log === 'string' && log) s.ctx.err(log.endsWith('\n') ? log : log + '\n');
    s.ctx.err(`libbpf: ${e.message}\n`);
    throw new CliError('failed to load object file');
  }
}

/** The map record for a map of a loaded object. */
export function mapRecordFor(s: Session, coll: Collection, name: string, m: BpfMap, owner?: string): PinnedMapRecord {
  const rec = s.newMapRecord({
    name: m.spec.name, type: m.spec.type, keySize: m.spec.keySize, valueSize: m.spec.valueSize,
    maxEntries: m.spec.maxEntries, flags: m.spec.flags >>> 0,
  });
  if (m.spec.innerMap) {
    const i = m.spec.innerMap;
    rec.spec.innerMap = { name: i.name, type: i.type, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, flags: i.flags >>> 0 };
  }
  if (m.spec.mapExtra) rec.spec.mapExtra = m.spec.mapExtra.toString();
  const spec = coll.spec.maps.find((x) => x.name === name) ?? m.spec;
  const btf = coll.spec.btf;
  if (btf && spec.btfValueTypeId) {
    rec.btf = { data: Buffer.from(btf.raw).toString('base64'), keyTypeId: spec.btfKeyTypeId ?? 0, valueTypeId: spec.btfValueTypeId };
  }
  if (owner) rec.owner = owner;
  return s.snapshot(m, rec);
}

/** Key under which the registry numbers an object's BTF (shared by its maps and programs). */
export function btfKeyOf(data: Uint8Array | string): string {
  return sha256Hex(typeof data === 'string' ? data : Buffer.from(data).toString('base64'));
}

export interface Instance {
  coll: Collection;
  prog: LoadedProgram;
  /** object map name → pinned path and live map. */
  maps: Map<string, { path: string; map: BpfMap; record: PinnedMapRecord }>;
}

/** The object bytes of a pinned program, parsed again (with its load-time type override). */
function reopen(s: Session, rec: PinnedProgRecord): ParsedObject {
  const bytes = new Uint8Array(Buffer.from(rec.object.data, 'base64'));
  const override = rec.typeOverride !== undefined ? { type: rec.type, expectedAttachType: rec.expectedAttachType } : undefined;
  return openObject(s, rec.object.file, override, bytes);
}

/** The live maps of a pinned program's object (one per pinned map and session). */
function materializeMaps(s: Session, rec: PinnedProgRecord): { maps: Instance['maps']; replace: Record<string, BpfMap> } {
  const maps: Instance['maps'] = new Map();
  const replace: Record<string, BpfMap> = {};
  for (const [n, p] of Object.entries(rec.maps)) {
    const ref = s.mapByPath(p);
    const m = s.materialize(ref.record, ref.path);
    maps.set(n, { path: ref.path, map: m, record: ref.record });
    replace[n] = m;
  }
  return { maps, replace };
}

/**
 * A pinned program re-created in the session's runtime, runnable (a prog array slot holding
 * it, for tail calls): its object loaded again over its pinned maps, only this program.
 * The caller holds the maps' locks (Session.mapClosure) when it will write them back.
 */
export function loadPinnedProgram(s: Session, path: string, rec: PinnedProgRecord): LoadedProgram {
  const obj = reopen(s, rec);
  const { replace } = materializeMaps(s, rec);
  let coll: Collection;
  try {
    coll = loadCollection(obj.spec, { runtime: s.runtime(), replaceMaps: replace, unverified: true, only: [rec.symbol] });
  } catch (e) {
    if (!isBpfError(e)) throw e;
    throw new CliError(`can't re-create pinned program ${rec.name} (${path}): ${e.message}`);
  }
  const prog = coll.programs[rec.symbol];
  if (!prog) throw new CliError(`pinned program ${rec.symbol} is not in its object`);
  return prog;
}

/**
 * Re-create a pinned program with its pinned maps, call `fn` with it while the maps are
 * locked, then write every map's state back. Returns fn's result. Maps reached through
 * prog array and map-of-maps slots (the programs a tail call reaches and their maps, inner
 * maps) are locked and written back too.
 */
export async function withInstance<T>(s: Session, rec: PinnedProgRecord, fn: (inst: Instance) => T | Promise<T>): Promise<T> {
  const obj = reopen(s, rec);
  const load = await getLoadCollection();
  // Lock the maps for the whole run: concurrent runs and updates serialise, nothing is lost.
  // The closure can grow between reading it and locking it (a slot filled meanwhile): read it
  // again under the locks and start over when it did.
  const roots = Object.values(rec.maps).map((p) => s.store.resolveAlias(p));
  let lockPaths = s.mapClosure(roots);
  let held = await acquireAll(s, lockPaths);
  for (let tries = 0; tries < 8; tries++) {
    const now = s.mapClosure(roots);
    if (now.every((p) => lockPaths.includes(p))) break;
    held();
    lockPaths = [...new Set([...lockPaths, ...now])];
    held = await acquireAll(s, lockPaths);
  }
  try {
    const { maps, replace } = materializeMaps(s, rec);
    let coll: Collection;
    try {
      // A pinned program comes back from a file: it runs with every access checked rather
      // than trusting that the file still holds what was verified.
      coll = load(obj.spec, { runtime: s.runtime(), replaceMaps: replace, unverified: true });
    } catch (e) {
      if (!isBpfError(e)) throw e;
      throw new CliError(`can't re-create pinned program ${rec.name}: ${e.message}`);
    }
    const prog = coll.programs[rec.symbol];
    if (!prog) throw new CliError(`pinned program ${rec.symbol} is not in its object`);
    s.noteProgram(rec, prog);
    const result = await fn({ coll, prog, maps });
    const locked = new Set(lockPaths);
    for (const { path, map, record } of s.liveMaps()) {
      if (locked.has(path)) s.writeMap(path, s.snapshot(map, record));
    }
    return result;
  } finally {
    held();
  }
}

async function acquireAll(s: Session, paths: string[]): Promise<() => void> {
  const { acquireLock } = await import('../pinstore/lock.js');
  const { sidePath } = await import('../pinstore/fsutil.js');
  const sorted = [...new Set(paths)].sort();
  const held: Array<{ release(): void }> = [];
  try {
    for (const p of sorted) held.push(acquireLock(sidePath(p, 'lock'), s.store.lockOptions));
  } catch (e) {
    for (const h of held.reverse()) h.release();
    throw e;
  }
  return () => { for (const h of held.reverse()) h.release(); };
}

// The pin store: a directory-backed stand-in for bpffs. Objects are files at the paths the
// user chooses (any writable directory); a registry in a per-user state directory gives
// them kernel-style ids that stay the same across processes, so `id N` works in a later
// tsbpf invocation as it does with bpftool.
//
// State directory: $TSBPF_STATE_DIR, else $XDG_STATE_HOME/tsbpf, else ~/.local/state/tsbpf.
// It holds `registry` (ids), `objects/` (maps of programs loaded without `pinmaps`) and
// lock files.
//
// Every write is atomic (temp file + fsync + rename); every read-modify-write runs under
// the object's lock file (`.NAME.lock` beside it), so concurrent processes lose no update.

import { existsSync, mkdirSync, readdirSync, realpathSync, unlinkSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { atomicWriteFile, sidePath } from './fsutil.js';
import { acquireLock, withLocks, type LockOptions } from './lock.js';
import { decodeRecord, encodeRecord, readRecordFile, type PinnedMapRecord, type PinnedProgRecord, type PinRecord } from './format.js';
import { PinStoreError } from './errors.js';
import { strerror } from '../uapi/errno.js';

export type ObjectKind = 'map' | 'prog';

interface RegistryEntry {
  id: number;
  kind: ObjectKind;
  path: string;
  uuid: string;
}

interface Registry {
  kind: 'registry';
  uuid: string;
  next: { map: number; prog: number; btf: number };
  objects: RegistryEntry[];
  /** BTF ids by object checksum. */
  btf: Record<string, number>;
}

export interface ListedObject<R> {
  id: number;
  path: string;
  record: R;
}

/** Run a file-system operation, turning Node's errors into PinStoreError (path, errno). */
function io<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PinStoreError) throw e;
    const err = e as NodeJS.ErrnoException;
    const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : 5;
    throw new PinStoreError('PIN_IO', path, strerror(errno), errno);
  }
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TSBPF_STATE_DIR) return resolve(env.TSBPF_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'tsbpf');
  return join(homedir(), '.local', 'state', 'tsbpf');
}

export function newUuid(): string {
  return randomUUID();
}

export class PinStore {
  readonly stateDir: string;
  readonly lockOptions: LockOptions;

  constructor(stateDir: string, lockOptions: LockOptions = {}) {
    this.stateDir = resolve(stateDir);
    this.lockOptions = lockOptions;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): PinStore {
    return new PinStore(defaultStateDir(env));
  }

  private ensureStateDir(): void {
    io(this.stateDir, () => mkdirSync(join(this.stateDir, 'objects'), { recursive: true, mode: 0o700 }));
  }

  /** Absolute path with the directory resolved through symlinks (the file itself may not exist). */
  canonical(path: string): string {
    const abs = resolve(path);
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }

  lockPath(path: string): string {
    return sidePath(this.canonical(path), 'lock');
  }

  /** Directory for maps owned by a program and not pinned by the user. */
  anonMapPath(uuid: string): string {
    this.ensureStateDir();
    return join(this.stateDir, 'objects', `map-${uuid}`);
  }

  /**
   * Where a prog array / map of maps keeps its own copy of an object it holds (the kernel's
   * reference): the object lives on there, with the same id, once its pin is removed.
   * undefined for a uuid that is not a plain token.
   */
  heldPath(kind: ObjectKind, uuid: string): string | undefined {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(uuid)) return undefined;
    return join(this.stateDir, 'objects', `held-${kind}-${uuid}`);
  }

  isHeldPath(path: string): boolean {
    const p = this.canonical(path);
    return dirname(p) === join(this.canonical(this.stateDir), 'objects') && basename(p).startsWith('held-');
  }

  /**
   * Write the held copy of an object unless there is one (programs never change; a map's
   * copy is kept current by refreshHeld). No lock: the caller may hold the holder's lock,
   * and the write is atomic.
   */
  hold(kind: ObjectKind, rec: PinnedMapRecord | PinnedProgRecord): string | undefined {
    const p = this.heldPath(kind, rec.uuid);
    if (!p) return undefined;
    this.ensureStateDir();
    if (!pathExists(p)) io(p, () => atomicWriteFile(p, encodeRecord(rec)));
    return p;
  }

  /** Refresh the held copy of a map if there is one (its pin was written). */
  refreshHeld(rec: PinnedMapRecord, writtenAt: string): void {
    const p = this.heldPath('map', rec.uuid);
    if (!p || this.canonical(writtenAt) === p || !pathExists(p)) return;
    io(p, () => atomicWriteFile(p, encodeRecord(rec)));
  }

  // ---- records ---------------------------------------------------------------------------

  /** Read a pinned object, following an alias pin to the object it names. */
  read(path: string): { path: string; record: PinnedMapRecord | PinnedProgRecord } {
    let p = this.canonical(path);
    for (let hops = 0; hops < 8; hops++) {
      const rec = readRecordFile<PinRecord>(p);
      if (rec.kind !== 'alias') return { path: p, record: rec };
      p = this.canonical(rec.target);
    }
    throw new PinStoreError('PIN_CORRUPT', path, 'too many levels of pin aliases', 40);
  }

  readMap(path: string): { path: string; record: PinnedMapRecord } {
    const r = this.read(path);
    if (r.record.kind !== 'map') throw new PinStoreError('PIN_KIND', path, 'incorrect object type: prog', 22);
    return r as { path: string; record: PinnedMapRecord };
  }

  readProg(path: string): { path: string; record: PinnedProgRecord } {
    const r = this.read(path);
    if (r.record.kind !== 'prog') throw new PinStoreError('PIN_KIND', path, 'incorrect object type: map', 22);
    return r as { path: string; record: PinnedProgRecord };
  }

  /** Write a record (atomically) at a path that must not exist yet; EEXIST otherwise. */
  create(path: string, rec: PinRecord): void {
    const p = this.canonical(path);
    if (!existsSync(dirname(p))) throw new PinStoreError('PIN_IO', p, 'No such file or directory', 2);
    const lock = acquireLock(sidePath(p, 'lock'), this.lockOptions);
    try {
      if (pathExists(p)) throw new PinStoreError('PIN_IO', p, 'File exists', 17);
      io(p, () => atomicWriteFile(p, encodeRecord(rec)));
    } finally {
      lock.release();
    }
  }

  /** Overwrite a record; the caller holds the object's lock. */
  writeLocked(path: string, rec: PinRecord): void {
    const p = this.canonical(path);
    removeStaleTemps(p);
    io(p, () => atomicWriteFile(p, encodeRecord(rec)));
  }

  /**
   * Read-modify-write of pinned objects under their locks. `fn` gets the current records
   * (aliases followed) and returns the records to write back (or undefined to leave a file
   * unchanged). Locks are taken in sorted order, so any set of paths is deadlock-free.
   */
  transact<T>(paths: string[], fn: (recs: Array<{ path: string; record: PinnedMapRecord | PinnedProgRecord }>) => { result: T; write?: Array<{ path: string; record: PinRecord }> }): T {
    // Resolve aliases first (without lock: an alias never changes once written).
    const real = paths.map((p) => this.resolveAlias(p));
    return withLocks(real.map((p) => sidePath(p, 'lock')), () => {
      const recs = real.map((p) => ({ path: p, record: this.read(p).record }));
      const { result, write } = fn(recs);
      for (const w of write ?? []) this.writeLocked(w.path, w.record);
      return result;
    }, this.lockOptions);
  }

  /** Run fn while holding the locks of these pinned paths. */
  withLocked<T>(paths: string[], fn: () => T): T {
    const real = paths.map((p) => this.resolveAlias(p));
    return withLocks(real.map((p) => sidePath(p, 'lock')), fn, this.lockOptions);
  }

  resolveAlias(path: string): string {
    let p = this.canonical(path);
    for (let hops = 0; hops < 8; hops++) {
      let rec: PinRecord;
      try {
        rec = readRecordFile<PinRecord>(p);
      } catch {
        return p; // errors surface when the caller reads
      }
      if (rec.kind !== 'alias') return p;
      p = this.canonical(rec.target);
    }
    return p;
  }

  remove(path: string): void {
    const p = this.canonical(path);
    try { unlinkSync(p); } catch { /* gone */ }
  }

  // ---- registry (ids) --------------------------------------------------------------------

  private registryPath(): string {
    return join(this.stateDir, 'registry');
  }

  private withRegistry<T>(fn: (r: Registry) => T): T {
    this.ensureStateDir();
    const path = this.registryPath();
    const lock = acquireLock(sidePath(path, 'lock'), this.lockOptions);
    try {
      let reg: Registry;
      if (existsSync(path)) {
        reg = readRecordFile<Registry>(path);
      } else {
        reg = { kind: 'registry', uuid: 'registry', next: { map: 1, prog: 1, btf: 1 }, objects: [], btf: {} };
      }
      const before = JSON.stringify(reg);
      const result = fn(reg);
      if (JSON.stringify(reg) !== before) io(path, () => atomicWriteFile(path, encodeRecord(reg)));
      return result;
    } finally {
      lock.release();
    }
  }

  /** The id of the object pinned at `path` (registered on first sight). */
  idOf(kind: ObjectKind, path: string, uuid: string): number {
    const p = this.canonical(path);
    return this.withRegistry((reg) => {
      const hit = reg.objects.find((o) => o.uuid === uuid && o.kind === kind);
      if (hit) {
        hit.path = p;
        return hit.id;
      }
      const id = reg.next[kind]++;
      reg.objects.push({ id, kind, path: p, uuid });
      return id;
    });
  }

  /** The BTF id of an object's BTF (keyed by a checksum of it). */
  btfIdOf(key: string): number {
    return this.withRegistry((reg) => {
      if (reg.btf[key] === undefined) reg.btf[key] = reg.next.btf++;
      return reg.btf[key]!;
    });
  }

  /** Every live object of a kind, in id order; entries whose file is gone or replaced are dropped. */
  list<R extends PinnedMapRecord | PinnedProgRecord>(kind: ObjectKind): Array<ListedObject<R>> {
    if (!existsSync(this.registryPath())) return [];
    return this.withRegistry((reg) => {
      const out: Array<ListedObject<R>> = [];
      reg.objects = reg.objects.filter((o) => {
        if (o.kind !== kind) return true;
        let rec: PinRecord;
        try {
          rec = readRecordFile<PinRecord>(o.path);
        } catch (e) {
          // Gone: drop, unless a prog array / map of maps holds a copy (then it lives on there).
          // Damaged: keep the id (it will be reported when used), do not list.
          const gone = e instanceof PinStoreError && e.code === 'PIN_IO' && e.errno === 2;
          const held = gone ? this.heldPath(kind, o.uuid) : undefined;
          if (!held || !pathExists(held)) return !gone;
          try {
            rec = readRecordFile<PinRecord>(held);
          } catch {
            return false;
          }
          o.path = held;
        }
        if (rec.kind !== kind || rec.uuid !== o.uuid) return false;
        if (rec.kind === 'map' && rec.owner && !reg.objects.some((x) => x.kind === 'prog' && x.uuid === rec.owner && (pathExists(x.path) || pathExists(this.heldPath('prog', x.uuid) ?? '')))) {
          this.remove(o.path);
          return false;
        }
        out.push({ id: o.id, path: o.path, record: rec as R });
        return true;
      });
      out.sort((a, b) => a.id - b.id);
      return out;
    });
  }

  /** Path of the object with this id, if it is still pinned. */
  pathOfId(kind: ObjectKind, id: number): string | undefined {
    return this.list(kind).find((o) => o.id === id)?.path;
  }

  /** Every user-visible pin path of an object (its own path and aliases are not tracked: own path only). */
  pinnedPaths(kind: ObjectKind, uuid: string): string[] {
    if (!existsSync(this.registryPath())) return [];
    return this.withRegistry((reg) => reg.objects.filter((o) => o.kind === kind && o.uuid === uuid).map((o) => o.path));
  }

  /** Decode bytes as a record (for tests and tools). */
  static decode(bytes: Uint8Array, path: string): PinRecord {
    return decodeRecord(bytes, path);
  }
}

/**
 * Temporary files of writers that died before their rename (`.NAME.tmp-PID-RAND`): never
 * read, removed by the next writer holding the lock once their process is gone.
 */
export function removeStaleTemps(path: string): void {
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
      continue; // alive: still writing
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') continue;
    }
    try { unlinkSync(join(dirname(path), n)); } catch { /* raced */ }
  }
}

function pathExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

// Inter-process locks without native code: an O_EXCL lock file holding the owner's pid,
// host and a random token. A lock whose owner process is dead (same host, pid gone) is
// stale and is broken under a second O_EXCL "breaker" file, so two processes never both
// break the same lock and steal a fresh one. Waiting is a bounded sleep/retry loop.

import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sleepSync } from './fsutil.js';
import { PinStoreError } from './errors.js';

const HOST = hostname();

export interface LockOptions {
  /** Give up after this many milliseconds of waiting (default 60 s). */
  timeoutMs?: number;
}

export interface HeldLock {
  readonly path: string;
  release(): void;
}

function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    const errno = (e as NodeJS.ErrnoException).errno;
    throw new PinStoreError('PIN_LOCK', path, `cannot create lock file: ${(e as Error).message}`, typeof errno === 'number' ? Math.abs(errno) : undefined);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): { text: string; mtimeMs: number } | undefined {
  try {
    const st = statSync(path);
    return { text: readFileSync(path, 'utf8'), mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the lock described by `text` held by a process that no longer exists? */
function isStale(text: string, mtimeMs: number): boolean {
  const [pidText, host] = text.split(' ');
  const pid = Number(pidText);
  if (!text || !Number.isInteger(pid) || pid <= 0) {
    // Created but not yet written (or garbage): stale only once clearly abandoned.
    return Date.now() - mtimeMs > 5000;
  }
  if (host !== HOST) return false; // cannot check another machine's processes
  return !processAlive(pid);
}

/** Break a stale lock, unless someone else got there first. */
function breakStale(path: string, staleText: string): void {
  const breaker = `${path}.break`;
  if (!createExclusive(breaker, `${process.pid} ${HOST}`)) {
    const b = readLock(breaker);
    // A breaker left by a process killed mid-break: old and owner dead.
    if (b && isStale(b.text, b.mtimeMs) && Date.now() - b.mtimeMs > 2000) {
      try { unlinkSync(breaker); } catch { /* raced */ }
    }
    return;
  }
  try {
    const now = readLock(path);
    if (now && now.text === staleText) {
      try { unlinkSync(path); } catch { /* raced */ }
    }
  } finally {
    try { unlinkSync(breaker); } catch { /* raced */ }
  }
}

/** Take the lock at `path` (a lock file), waiting while a live process holds it. */
export function acquireLock(path: string, opts: LockOptions = {}): HeldLock {
  const token = randomBytes(8).toString('hex');
  const content = `${process.pid} ${HOST} ${token}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let delay = 1;
  for (;;) {
    if (createExclusive(path, content)) break;
    const cur = readLock(path);
    if (cur && isStale(cur.text, cur.mtimeMs)) {
      breakStale(path, cur.text);
      continue;
    }
    if (Date.now() > deadline) {
      throw new PinStoreError('PIN_LOCK', path, `timed out waiting for lock held by ${cur?.text.split(' ').slice(0, 2).join('@') || 'unknown'}`, 16);
    }
    sleepSync(delay + Math.floor(Math.random() * delay));
    delay = Math.min(delay * 2, 25);
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const cur = readLock(path);
      if (cur && cur.text === content) {
        try { unlinkSync(path); } catch { /* already gone */ }
      }
    },
  };
}

/** Run `fn` holding every lock in `paths` (taken in sorted order, so no deadlock). */
export function withLocks<T>(paths: string[], fn: () => T, opts?: LockOptions): T {
  const sorted = [...new Set(paths)].sort();
  const held: HeldLock[] = [];
  try {
    for (const p of sorted) held.push(acquireLock(p, opts));
    return fn();
  } finally {
    for (const h of held.reverse()) h.release();
  }
}

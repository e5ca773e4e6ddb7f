// File-system primitives of the pin store: atomic durable writes and a synchronous sleep.

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for `ms` milliseconds (the CLI is synchronous by design). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** fsync a directory so a rename in it is durable (ignored where directories cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, C.O_RDONLY);
    fsyncSync(fd);
  } catch {
    /* some file systems refuse fsync on directories: the rename is still atomic */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A hidden sibling of `path` with the given suffix (`dir/.name.suffix`). */
export function sidePath(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

/**
 * Replace `path` with `data` so that a reader (or a crash at any point) sees either the old
 * file or the new one, never a mix: write a temporary sibling, fsync it, rename it over
 * the target, fsync the directory.
 */
export function atomicWriteFile(path: string, data: Uint8Array | string, mode = 0o600): void {
  const tmp = sidePath(path, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL, mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  fsyncDir(dirname(path));
}

// Byte sources and sinks for the streaming readers and writers: a file read in chunks
// (never loaded whole), or bytes already in memory; a file written through a buffer.

import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { PcapError } from './types.js';

/** Sequential reader with exact-length reads and an end-of-file test. */
export class ByteSource {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  private eof = false;
  /** Offset in the stream of buf[start]. */
  private base = 0;

  private constructor(
    private readonly fill: ((into: Uint8Array, at: number) => number) | null,
    initial: Uint8Array,
    readonly name: string,
    private readonly onClose: () => void,
  ) {
    this.buf = initial;
    this.end = initial.length;
    if (!fill) this.eof = true;
  }

  static fromFile(path: string, chunk = 1 << 16): ByteSource {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new PcapError('PCAP_OPEN', `can't open ${path}: ${err.message.replace(/^[A-Z]+: /, '')}`, undefined, errnoOf(err));
    }
    let pos = 0;
    const src = new ByteSource((into, at) => {
      const n = readSync(fd, into, at, into.length - at, pos);
      pos += n;
      return n;
    }, new Uint8Array(chunk), path, () => closeSync(fd));
    src.end = 0;
    return src;
  }

  static fromBytes(bytes: Uint8Array, name = '<memory>'): ByteSource {
    return new ByteSource(null, bytes, name, () => {});
  }

  /** Offset of the next byte to be read. */
  get offset(): number {
    return this.base;
  }

  private available(): number {
    return this.end - this.start;
  }

  /** Make at least n bytes available if the stream has them; returns how many are available. */
  private ensure(n: number): number {
    while (this.available() < n && !this.eof) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (this.buf.length < n) {
        const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
        bigger.set(this.buf.subarray(0, this.end));
        this.buf = bigger;
      }
      const got = this.fill!(this.buf, this.end);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return Math.min(this.available(), n);
  }

  /** True when no byte is left. */
  atEnd(): boolean {
    return this.ensure(1) === 0;
  }

  /**
   * Exactly n bytes (a view valid until the next read), or a PcapError naming what was
   * being read and where when the stream ends first.
   */
  take(n: number, what: string): Uint8Array {
    const have = this.ensure(n);
    if (have < n) {
      throw new PcapError('PCAP_TRUNCATED',
        `${this.name}: truncated ${what} at offset ${this.base}: need ${n} bytes, file ends after ${have}`, this.base);
    }
    const v = this.buf.subarray(this.start, this.start + n);
    this.start += n;
    this.base += n;
    return v;
  }

  /** Up to n bytes without consuming them. */
  peek(n: number): Uint8Array {
    const have = this.ensure(n);
    return this.buf.subarray(this.start, this.start + have);
  }

  close(): void {
    this.onClose();
  }
}

function errnoOf(e: NodeJS.ErrnoException): number {
  switch (e.code) {
    case 'ENOENT': return 2;
    case 'EACCES': return 13;
    case 'EISDIR': return 21;
    default: return 5;
  }
}

/** Buffered writer to a file descriptor or to memory. */
export class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private readonly parts: Uint8Array[] = [];
  written = 0;

  private constructor(private readonly fd: number | null, readonly name: string) {}

  static toFile(path: string): ByteSink {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new PcapError('PCAP_OPEN', `can't create ${path}: ${err.message.replace(/^[A-Z]+: /, '')}`, undefined, errnoOf(err));
    }
    return new ByteSink(fd, path);
  }

  static toMemory(): ByteSink {
    return new ByteSink(null, '<memory>');
  }

  write(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      this.emit(bytes);
    } else {
      this.buf.set(bytes, this.len);
      this.len += bytes.length;
    }
    this.written += bytes.length;
  }

  private emit(bytes: Uint8Array): void {
    if (this.fd === null) {
      this.parts.push(bytes.slice());
      return;
    }
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  flush(): void {
    if (this.len) {
      this.emit(this.buf.subarray(0, this.len));
      this.len = 0;
    }
  }

  /** The bytes written (memory sinks). */
  bytes(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }

  close(sync = false): void {
    this.flush();
    if (this.fd !== null) {
      if (sync) fsyncSync(this.fd);
      closeSync(this.fd);
    }
  }
}

// Captures in and out: open a pcap or pcapng file (detected by its magic), read frames one
// at a time; write pcap or pcapng.

import { ByteSink, ByteSource } from './io.js';
import { PcapReader, PcapWriter, detectPcap, type PcapWriterOptions } from './pcap.js';
import { PcapngReader, PcapngWriter, detectPcapng, type PcapngInterfaceOptions } from './pcapng.js';
import { type CaptureFormat, type CaptureInterface, type CapturedPacket, LinkType, PcapError } from './types.js';

export * from './types.js';
export { ByteSink, ByteSource } from './io.js';
export { PcapReader, PcapWriter } from './pcap.js';
export { PcapngReader, PcapngWriter } from './pcapng.js';

export interface CaptureReader extends Iterable<CapturedPacket> {
  readonly format: CaptureFormat;
  /** Interfaces seen so far (pcap: the one from the file header). */
  readonly interfaces: readonly CaptureInterface[];
  next(): CapturedPacket | null;
  close(): void;
}

/** Open a capture from a file path or from bytes; the format is taken from the magic. */
export function openCapture(source: string | Uint8Array, name?: string): CaptureReader {
  const src = typeof source === 'string' ? ByteSource.fromFile(source) : ByteSource.fromBytes(source, name);
  try {
    const head = src.peek(4);
    if (head.length < 4) {
      throw new PcapError('PCAP_TRUNCATED', `${src.name}: truncated capture file header at offset 0: need 4 bytes, file ends after ${head.length}`, 0);
    }
    if (detectPcapng(head)) return new PcapngReader(src);
    if (detectPcap(head)) return new PcapReader(src);
    const magic = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join('');
    throw new PcapError('PCAP_BAD_MAGIC', `${src.name}: not a pcap or pcapng file (magic 0x${magic} at offset 0)`, 0);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Read every frame of a capture (convenience for small files and tests). */
export function readCapture(source: string | Uint8Array): { format: CaptureFormat; interfaces: CaptureInterface[]; packets: CapturedPacket[] } {
  const r = openCapture(source);
  try {
    const packets = [...r];
    return { format: r.format, interfaces: [...r.interfaces], packets };
  } finally {
    r.close();
  }
}

export interface CaptureWriterOptions extends PcapWriterOptions {
  format?: CaptureFormat;
  /** pcapng: the interfaces to declare (default one, from linkType/snapLen/nanosecond). */
  interfaces?: PcapngInterfaceOptions[];
}

export interface CaptureWriter {
  readonly format: CaptureFormat;
  write(pkt: { timestampNs: bigint; data: Uint8Array; origLen?: number; interfaceId?: number }): void;
  readonly count: number;
  close(sync?: boolean): void;
}

/** The format a file name asks for: `.pcapng`/`.ntar` → pcapng, else pcap. */
export function formatForPath(path: string): CaptureFormat {
  return /\.(pcapng|ntar)$/i.test(path) ? 'pcapng' : 'pcap';
}

/** Create a capture writer on a file (or in memory when `path` is null). */
export function createCaptureWriter(path: string | null, opts: CaptureWriterOptions = {}): CaptureWriter & { bytes(): Uint8Array } {
  const sink = path === null ? ByteSink.toMemory() : ByteSink.toFile(path);
  const format = opts.format ?? (path ? formatForPath(path) : 'pcap');
  if (format === 'pcapng') {
    const w = new PcapngWriter(sink, { bigEndian: opts.bigEndian, userAppl: 'tsbpf' });
    const ifaces = opts.interfaces ?? [{ linkType: opts.linkType ?? LinkType.ETHERNET, snapLen: opts.snapLen, tsresol: opts.nanosecond ? 9 : 6 }];
    for (const i of ifaces) w.addInterface(i);
    return {
      format,
      write: (p) => w.write(p),
      get count() { return w.count; },
      close: (sync) => w.close(sync),
      bytes: () => sink.bytes(),
    };
  }
  const w = new PcapWriter(sink, opts);
  return {
    format,
    write: (p) => w.write(p),
    get count() { return w.count; },
    close: (sync) => w.close(sync),
    bytes: () => sink.bytes(),
  };
}

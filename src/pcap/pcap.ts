// Classic libpcap files: a 24-byte file header, then per frame a 16-byte record header and
// the captured bytes. Both byte orders are read; microsecond (0xa1b2c3d4) and nanosecond
// (0xa1b23c4d) magics. Writes little- or big-endian, µs or ns.

import { ByteSink, ByteSource } from './io.js';
import { type CaptureInterface, type CapturedPacket, LinkType, PcapError, nsToUnits } from './types.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Largest record we accept; bigger means a corrupt length field (libpcap's own bound is far lower). */
const MAX_RECORD = 256 * 1024 * 1024;

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  thiszone: number;
  snapLen: number;
  linkType: number;
  /** FCS length from the upper bits of the link-type field, when flagged. */
  fcsLen?: number;
}

/** Is this the start of a classic pcap file? Returns its byte order, or undefined. */
export function detectPcap(head: Uint8Array): { littleEndian: boolean; nanosecond: boolean } | undefined {
  if (head.length < 4) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, 4);
  for (const le of [true, false]) {
    const m = dv.getUint32(0, le);
    if (m === PCAP_MAGIC_US) return { littleEndian: le, nanosecond: false };
    if (m === PCAP_MAGIC_NS) return { littleEndian: le, nanosecond: true };
  }
  return undefined;
}

export class PcapReader {
  readonly header: PcapHeader;
  readonly interfaces: CaptureInterface[];
  readonly format = 'pcap' as const;
  private index = 0;

  constructor(private readonly src: ByteSource) {
    const h = src.take(24, 'pcap file header');
    const kind = detectPcap(h);
    if (!kind) {
      throw new PcapError('PCAP_BAD_MAGIC', `${src.name}: not a pcap file (magic 0x${hex32(h, 0)} at offset 0)`, 0);
    }
    const dv = new DataView(h.buffer, h.byteOffset, 24);
    const le = kind.littleEndian;
    const major = dv.getUint16(4, le);
    const minor = dv.getUint16(6, le);
    if (major !== 2) {
      throw new PcapError('PCAP_VERSION', `${src.name}: unsupported pcap version ${major}.${minor} at offset 4`, 4);
    }
    const network = dv.getUint32(20, le);
    this.header = {
      littleEndian: le,
      nanosecond: kind.nanosecond,
      versionMajor: major,
      versionMinor: minor,
      thiszone: dv.getInt32(8, le),
      snapLen: dv.getUint32(16, le),
      linkType: network & 0x0fffffff,
      ...(network & 0x10000000 ? { fcsLen: ((network >>> 29) & 7) * 2 } : {}),
    };
    this.interfaces = [{
      linkType: this.header.linkType,
      snapLen: this.header.snapLen,
      tsresol: kind.nanosecond ? 9 : 6,
      ...(this.header.fcsLen !== undefined ? { fcsLen: this.header.fcsLen } : {}),
    }];
  }

  /** The next frame, or null at the end of the file. */
  next(): CapturedPacket | null {
    if (this.src.atEnd()) return null;
    const at = this.src.offset;
    const rh = this.src.take(16, `record header of frame ${this.index + 1}`);
    const dv = new DataView(rh.buffer, rh.byteOffset, 16);
    const le = this.header.littleEndian;
    const sec = dv.getUint32(0, le);
    const frac = dv.getUint32(4, le);
    const incl = dv.getUint32(8, le);
    const orig = dv.getUint32(12, le);
    if (incl > MAX_RECORD) {
      throw new PcapError('PCAP_BAD_RECORD', `${this.src.name}: frame ${this.index + 1} at offset ${at} claims ${incl} captured bytes`, at);
    }
    if (frac >= (this.header.nanosecond ? 1_000_000_000 : 1_000_000)) {
      throw new PcapError('PCAP_BAD_RECORD', `${this.src.name}: frame ${this.index + 1} at offset ${at} has a sub-second field of ${frac}`, at);
    }
    const data = this.src.take(incl, `data of frame ${this.index + 1}`).slice();
    this.index++;
    const ts = BigInt(sec) * 1_000_000_000n + BigInt(frac) * (this.header.nanosecond ? 1n : 1000n);
    return { timestampNs: ts, data, origLen: Math.max(orig, incl), interfaceId: 0, linkType: this.header.linkType };
  }

  *[Symbol.iterator](): IterableIterator<CapturedPacket> {
    for (let p = this.next(); p; p = this.next()) yield p;
  }

  close(): void {
    this.src.close();
  }
}

export interface PcapWriterOptions {
  linkType?: number;
  /** Frames longer than this are cut (the record keeps the original length). Default 262144. */
  snapLen?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d). Default false (microseconds). */
  nanosecond?: boolean;
  /** Big-endian headers. Default false. */
  bigEndian?: boolean;
}

export class PcapWriter {
  readonly linkType: number;
  readonly snapLen: number;
  readonly nanosecond: boolean;
  private readonly le: boolean;
  private readonly rec = new Uint8Array(16);
  private readonly recView = new DataView(this.rec.buffer);
  count = 0;

  constructor(private readonly sink: ByteSink, opts: PcapWriterOptions = {}) {
    this.linkType = opts.linkType ?? LinkType.ETHERNET;
    this.snapLen = opts.snapLen ?? 262144;
    this.nanosecond = opts.nanosecond ?? false;
    this.le = !opts.bigEndian;
    const h = new Uint8Array(24);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    dv.setUint16(4, 2, this.le);
    dv.setUint16(6, 4, this.le);
    dv.setInt32(8, 0, this.le);
    dv.setUint32(12, 0, this.le);
    dv.setUint32(16, this.snapLen, this.le);
    dv.setUint32(20, this.linkType, this.le);
    sink.write(h);
  }

  write(pkt: { timestampNs: bigint; data: Uint8Array; origLen?: number }): void {
    const cap = Math.min(pkt.data.length, this.snapLen);
    const orig = Math.max(pkt.origLen ?? pkt.data.length, pkt.data.length);
    const units = nsToUnits(pkt.timestampNs, this.nanosecond ? 9 : 6);
    const per = this.nanosecond ? 1_000_000_000n : 1_000_000n;
    const dv = this.recView;
    dv.setUint32(0, Number(BigInt.asUintN(32, units / per)), this.le);
    dv.setUint32(4, Number(units % per), this.le);
    dv.setUint32(8, cap, this.le);
    dv.setUint32(12, orig, this.le);
    this.sink.write(this.rec);
    this.sink.write(pkt.data.subarray(0, cap));
    this.count++;
  }

  close(sync = false): void {
    this.sink.close(sync);
  }
}

function hex32(b: Uint8Array, off: number): string {
  return Array.from(b.subarray(off, off + 4), (x) => x.toString(16).padStart(2, '0')).join('');
}

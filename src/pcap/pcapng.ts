// pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks, each `type, total length, body,
// total length`. A Section Header Block sets the byte order of its section (several sections
// may follow each other, each with its own order and interfaces); Interface Description
// Blocks declare link type, snap length and timestamp resolution; frames come in Enhanced
// (and the older Simple and obsolete Packet) blocks. Other blocks are skipped.

import { ByteSink, ByteSource } from './io.js';
import { type CaptureInterface, type CapturedPacket, LinkType, PcapError, nsToUnits, unitsToNs } from './types.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_NRB = 0x00000004;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const MAX_BLOCK = 256 * 1024 * 1024;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;

export function detectPcapng(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  return new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === BLOCK_SHB;
}

interface Option { code: number; value: Uint8Array }

function parseOptions(body: Uint8Array, start: number, le: boolean, where: string, base: number): Option[] {
  const out: Option[] = [];
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  let o = start;
  while (o + 4 <= body.length) {
    const code = dv.getUint16(o, le);
    const len = dv.getUint16(o + 2, le);
    if (code === OPT_ENDOFOPT) break;
    if (o + 4 + len > body.length) {
      throw new PcapError('PCAPNG_BAD_OPTION', `${where}: option ${code} at offset ${base + o} runs past the end of its block`, base + o);
    }
    out.push({ code, value: body.subarray(o + 4, o + 4 + len) });
    o += 4 + ((len + 3) & ~3);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export interface PcapngSection {
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  userAppl?: string;
  /** Interfaces of this section, by index. */
  interfaces: CaptureInterface[];
}

export class PcapngReader {
  readonly format = 'pcapng' as const;
  /** Every section seen so far. */
  readonly sections: PcapngSection[] = [];
  /** Interfaces of every section, numbered across the file (interfaceId of packets). */
  readonly interfaces: CaptureInterface[] = [];
  private section!: PcapngSection;
  private ifBase = 0;
  private index = 0;

  constructor(private readonly src: ByteSource) {
    const head = src.peek(4);
    if (!detectPcapng(head)) {
      throw new PcapError('PCAP_BAD_MAGIC', `${src.name}: not a pcapng file (no Section Header Block at offset 0)`, 0);
    }
    this.readBlock(true);
  }

  private get le(): boolean {
    return this.section.littleEndian;
  }

  /**
   * Read one block; returns a packet for packet blocks, else null (and handles the block).
   * `first` forces a section header.
   */
  private readBlock(first = false): CapturedPacket | null {
    const at = this.src.offset;
    const th = this.src.take(8, 'block header');
    const thv = new DataView(th.buffer, th.byteOffset, 8);
    const typeLE = thv.getUint32(0, true);
    if (typeLE === BLOCK_SHB) return this.readSectionHeader(at, th);
    if (first) throw new PcapError('PCAP_BAD_MAGIC', `${this.src.name}: expected a Section Header Block at offset ${at}`, at);
    const le = this.le;
    const type = thv.getUint32(0, le);
    const total = thv.getUint32(4, le);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) {
      throw new PcapError('PCAPNG_BAD_BLOCK', `${this.src.name}: block of type 0x${type.toString(16)} at offset ${at} has invalid length ${total}`, at);
    }
    const body = this.src.take(total - 8, `block of type 0x${type.toString(16)} at offset ${at}`).slice();
    const bv = new DataView(body.buffer, body.byteOffset, body.length);
    const trailer = bv.getUint32(body.length - 4, le);
    if (trailer !== total) {
      throw new PcapError('PCAPNG_BAD_BLOCK', `${this.src.name}: block at offset ${at}: trailing length ${trailer} differs from leading length ${total}`, at);
    }
    const payload = body.subarray(0, body.length - 4);
    const pv = new DataView(payload.buffer, payload.byteOffset, payload.length);
    const where = `${this.src.name}: block at offset ${at}`;
    const need = (n: number, what: string): void => {
      if (payload.length < n) throw new PcapError('PCAPNG_BAD_BLOCK', `${where}: ${what} block too short (${payload.length} bytes)`, at);
    };
    switch (type) {
      case BLOCK_IDB: {
        need(8, 'interface description');
        const iface: CaptureInterface = { linkType: pv.getUint16(0, le), snapLen: pv.getUint32(4, le), tsresol: 6 };
        for (const opt of parseOptions(payload, 8, le, where, at + 8)) {
          const ov = new DataView(opt.value.buffer, opt.value.byteOffset, opt.value.length);
          if (opt.code === IF_NAME) iface.name = utf8.decode(opt.value);
          else if (opt.code === IF_DESCRIPTION) iface.description = utf8.decode(opt.value);
          else if (opt.code === IF_TSRESOL && opt.value.length >= 1) iface.tsresol = opt.value[0]!;
          else if (opt.code === IF_FCSLEN && opt.value.length >= 1) iface.fcsLen = opt.value[0]!;
          else if (opt.code === IF_TSOFFSET && opt.value.length >= 8) iface.tsOffsetSec = ov.getBigInt64(0, le);
        }
        const v = iface.tsresol & 0x7f;
        if ((iface.tsresol & 0x80 && v > 63) || (!(iface.tsresol & 0x80) && v > 18)) {
          throw new PcapError('PCAPNG_BAD_OPTION', `${where}: unsupported timestamp resolution 0x${iface.tsresol.toString(16)}`, at);
        }
        this.section.interfaces.push(iface);
        this.interfaces.push(iface);
        return null;
      }
      case BLOCK_EPB: {
        need(20, 'enhanced packet');
        const ifid = pv.getUint32(0, le);
        const ts = (BigInt(pv.getUint32(4, le)) << 32n) | BigInt(pv.getUint32(8, le));
        const cap = pv.getUint32(12, le);
        const orig = pv.getUint32(16, le);
        if (20 + cap > payload.length) {
          throw new PcapError('PCAPNG_BAD_BLOCK', `${where}: enhanced packet claims ${cap} captured bytes but the block holds ${payload.length - 20}`, at);
        }
        return this.packet(ifid, ts, payload.slice(20, 20 + cap), orig, where, at);
      }
      case BLOCK_PB: {
        need(20, 'packet');
        const ifid = pv.getUint16(0, le);
        const ts = (BigInt(pv.getUint32(4, le)) << 32n) | BigInt(pv.getUint32(8, le));
        const cap = pv.getUint32(12, le);
        const orig = pv.getUint32(16, le);
        if (20 + cap > payload.length) {
          throw new PcapError('PCAPNG_BAD_BLOCK', `${where}: packet block claims ${cap} captured bytes but holds ${payload.length - 20}`, at);
        }
        return this.packet(ifid, ts, payload.slice(20, 20 + cap), orig, where, at);
      }
      case BLOCK_SPB: {
        need(4, 'simple packet');
        const orig = pv.getUint32(0, le);
        const iface = this.section.interfaces[0];
        if (!iface) throw new PcapError('PCAPNG_NO_INTERFACE', `${where}: simple packet block before any interface description`, at);
        const snap = iface.snapLen || 0xffffffff;
        const cap = Math.min(orig, snap, payload.length - 4);
        return { timestampNs: 0n, data: payload.slice(4, 4 + cap), origLen: orig, interfaceId: this.ifBase, linkType: iface.linkType };
      }
      default:
        return null; // name resolution, statistics, custom and unknown blocks
    }
  }

  private packet(ifid: number, ts: bigint, data: Uint8Array, orig: number, where: string, at: number): CapturedPacket {
    const iface = this.section.interfaces[ifid];
    if (!iface) {
      throw new PcapError('PCAPNG_NO_INTERFACE', `${where}: packet on interface ${ifid}, but the section declares ${this.section.interfaces.length}`, at);
    }
    let ns = unitsToNs(ts, iface.tsresol);
    if (iface.tsOffsetSec) ns += iface.tsOffsetSec * 1_000_000_000n;
    return { timestampNs: ns, data, origLen: Math.max(orig, data.length), interfaceId: this.ifBase + ifid, linkType: iface.linkType };
  }

  private readSectionHeader(at: number, th: Uint8Array): null {
    const bom = this.src.take(4, `section header at offset ${at}`);
    const bv = new DataView(bom.buffer, bom.byteOffset, 4);
    let le: boolean;
    if (bv.getUint32(0, true) === BYTE_ORDER_MAGIC) le = true;
    else if (bv.getUint32(0, false) === BYTE_ORDER_MAGIC) le = false;
    else throw new PcapError('PCAP_BAD_MAGIC', `${this.src.name}: section header at offset ${at} has no byte-order magic`, at + 8);
    const total = new DataView(th.buffer, th.byteOffset, 8).getUint32(4, le);
    if (total < 28 || total % 4 !== 0 || total > MAX_BLOCK) {
      throw new PcapError('PCAPNG_BAD_BLOCK', `${this.src.name}: section header at offset ${at} has invalid length ${total}`, at);
    }
    const rest = this.src.take(total - 12, `section header at offset ${at}`).slice();
    const rv = new DataView(rest.buffer, rest.byteOffset, rest.length);
    if (rv.getUint32(rest.length - 4, le) !== total) {
      throw new PcapError('PCAPNG_BAD_BLOCK', `${this.src.name}: section header at offset ${at}: trailing length differs from leading length ${total}`, at);
    }
    const major = rv.getUint16(0, le);
    const minor = rv.getUint16(2, le);
    if (major !== 1) {
      throw new PcapError('PCAPNG_VERSION', `${this.src.name}: unsupported pcapng version ${major}.${minor} at offset ${at + 12}`, at + 12);
    }
    const section: PcapngSection = { littleEndian: le, versionMajor: major, versionMinor: minor, interfaces: [] };
    for (const opt of parseOptions(rest.subarray(0, rest.length - 4), 12, le, `${this.src.name}: section header at offset ${at}`, at + 12)) {
      if (opt.code === SHB_USERAPPL) section.userAppl = utf8.decode(opt.value);
    }
    if (this.sections.length) this.ifBase = this.interfaces.length;
    this.sections.push(section);
    this.section = section;
    return null;
  }

  next(): CapturedPacket | null {
    while (!this.src.atEnd()) {
      const p = this.readBlock();
      if (p) {
        this.index++;
        return p;
      }
    }
    return null;
  }

  *[Symbol.iterator](): IterableIterator<CapturedPacket> {
    for (let p = this.next(); p; p = this.next()) yield p;
  }

  close(): void {
    this.src.close();
  }
}

export interface PcapngInterfaceOptions {
  linkType?: number;
  snapLen?: number;
  /** 6 (µs, the default) or 9 (ns), or any if_tsresol value. */
  tsresol?: number;
  name?: string;
  description?: string;
}

export interface PcapngWriterOptions {
  bigEndian?: boolean;
  userAppl?: string;
}

export class PcapngWriter {
  private readonly le: boolean;
  private readonly ifaces: Required<Pick<PcapngInterfaceOptions, 'linkType' | 'snapLen' | 'tsresol'>>[] = [];
  count = 0;

  constructor(private readonly sink: ByteSink, opts: PcapngWriterOptions = {}) {
    this.le = !opts.bigEndian;
    const options: Option[] = [];
    if (opts.userAppl) options.push({ code: SHB_USERAPPL, value: new TextEncoder().encode(opts.userAppl) });
    const body = new Uint8Array(16 + optionsSize(options));
    const dv = new DataView(body.buffer);
    dv.setUint32(0, BYTE_ORDER_MAGIC, this.le);
    dv.setUint16(4, 1, this.le);
    dv.setUint16(6, 0, this.le);
    dv.setBigInt64(8, -1n, this.le); // section length unknown
    writeOptions(body, 16, options, this.le);
    this.block(BLOCK_SHB, body);
  }

  /** Declare an interface; returns its index for `write`. */
  addInterface(opts: PcapngInterfaceOptions = {}): number {
    const iface = { linkType: opts.linkType ?? LinkType.ETHERNET, snapLen: opts.snapLen ?? 262144, tsresol: opts.tsresol ?? 6 };
    const options: Option[] = [];
    const enc = new TextEncoder();
    if (opts.name) options.push({ code: IF_NAME, value: enc.encode(opts.name) });
    if (opts.description) options.push({ code: IF_DESCRIPTION, value: enc.encode(opts.description) });
    if (iface.tsresol !== 6) options.push({ code: IF_TSRESOL, value: Uint8Array.of(iface.tsresol) });
    const body = new Uint8Array(8 + optionsSize(options));
    const dv = new DataView(body.buffer);
    dv.setUint16(0, iface.linkType, this.le);
    dv.setUint32(4, iface.snapLen, this.le);
    writeOptions(body, 8, options, this.le);
    this.block(BLOCK_IDB, body);
    this.ifaces.push(iface);
    return this.ifaces.length - 1;
  }

  write(pkt: { timestampNs: bigint; data: Uint8Array; origLen?: number; interfaceId?: number; comment?: string }): void {
    const ifid = pkt.interfaceId ?? 0;
    if (this.ifaces.length === 0 && ifid === 0) this.addInterface();
    const iface = this.ifaces[ifid];
    if (!iface) throw new PcapError('PCAPNG_NO_INTERFACE', `pcapng writer: no interface ${ifid}`);
    const cap = Math.min(pkt.data.length, iface.snapLen || pkt.data.length);
    const orig = Math.max(pkt.origLen ?? pkt.data.length, pkt.data.length);
    const options: Option[] = pkt.comment ? [{ code: OPT_COMMENT, value: new TextEncoder().encode(pkt.comment) }] : [];
    const padded = (cap + 3) & ~3;
    const body = new Uint8Array(20 + padded + optionsSize(options));
    const dv = new DataView(body.buffer);
    const units = nsToUnits(pkt.timestampNs, iface.tsresol);
    dv.setUint32(0, ifid, this.le);
    dv.setUint32(4, Number(BigInt.asUintN(32, units >> 32n)), this.le);
    dv.setUint32(8, Number(BigInt.asUintN(32, units)), this.le);
    dv.setUint32(12, cap, this.le);
    dv.setUint32(16, orig, this.le);
    body.set(pkt.data.subarray(0, cap), 20);
    writeOptions(body, 20 + padded, options, this.le);
    this.block(BLOCK_EPB, body);
    this.count++;
  }

  private block(type: number, body: Uint8Array): void {
    const total = body.length + 12;
    const head = new Uint8Array(8);
    const hv = new DataView(head.buffer);
    hv.setUint32(0, type, this.le);
    hv.setUint32(4, total, this.le);
    const tail = new Uint8Array(4);
    new DataView(tail.buffer).setUint32(0, total, this.le);
    this.sink.write(head);
    this.sink.write(body);
    this.sink.write(tail);
  }

  close(sync = false): void {
    this.sink.close(sync);
  }
}

function optionsSize(opts: Option[]): number {
  if (!opts.length) return 0;
  return opts.reduce((n, o) => n + 4 + ((o.value.length + 3) & ~3), 0) + 4;
}

function writeOptions(body: Uint8Array, at: number, opts: Option[], le: boolean): void {
  if (!opts.length) return;
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  let o = at;
  for (const opt of opts) {
    dv.setUint16(o, opt.code, le);
    dv.setUint16(o + 2, opt.value.length, le);
    body.set(opt.value, o + 4);
    o += 4 + ((opt.value.length + 3) & ~3);
  }
  dv.setUint16(o, OPT_ENDOFOPT, le);
  dv.setUint16(o + 2, 0, le);
}

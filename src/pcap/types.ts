// Shared types of the capture readers and writers (pcap and pcapng).

import { BpfError } from '../errors.js';

/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) the tools care about. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

const LINK_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 101: 'RAW', 113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

/** The DLT name tcpdump prints for a link type (EN10MB, RAW, ...). */
export function linkTypeName(t: number): string {
  return LINK_NAMES[t] ?? `LINKTYPE_${t}`;
}

/** One captured frame. */
export interface CapturedPacket {
  /** Capture time, nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** The captured bytes (the capture length is data.length). */
  data: Uint8Array;
  /** Length of the frame on the wire (>= data.length when the capture was cut at the snap length). */
  origLen: number;
  /** Interface the frame was captured on (pcapng interface index; 0 in pcap files). */
  interfaceId: number;
  /** Link type of that interface. */
  linkType: number;
}

/** An interface description (the pcap file header, or a pcapng Interface Description Block). */
export interface CaptureInterface {
  linkType: number;
  /** Snap length (0 = unlimited in pcapng). */
  snapLen: number;
  /** Timestamp resolution as pcapng's if_tsresol byte: 6 = µs, 9 = ns; high bit set = power of two. */
  tsresol: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffsetSec?: bigint;
  name?: string;
  description?: string;
  /** FCS bytes at the end of each frame, when known. */
  fcsLen?: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** A malformed, truncated or unsupported capture file. `offset` is the byte offset of the problem. */
export class PcapError extends BpfError {
  constructor(code: string, message: string, readonly offset?: number, errno = 22) {
    super(code, message, errno);
  }
}

/** Units per second of an if_tsresol value, as a bigint. */
export function tsUnitsPerSecond(tsresol: number): bigint {
  const v = tsresol & 0x7f;
  return tsresol & 0x80 ? 1n << BigInt(v) : 10n ** BigInt(v);
}

/** Timestamp in `tsresol` units → nanoseconds. */
export function unitsToNs(units: bigint, tsresol: number): bigint {
  const per = tsUnitsPerSecond(tsresol);
  if (per === 1_000_000_000n) return units;
  if (1_000_000_000n % per === 0n) return units * (1_000_000_000n / per);
  return (units * 1_000_000_000n) / per;
}

/** Nanoseconds → timestamp in `tsresol` units (truncating). */
export function nsToUnits(ns: bigint, tsresol: number): bigint {
  const per = tsUnitsPerSecond(tsresol);
  if (per === 1_000_000_000n) return ns;
  if (1_000_000_000n % per === 0n) return ns / (1_000_000_000n / per);
  return (ns * per) / 1_000_000_000n;
}

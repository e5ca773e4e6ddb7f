// Frame construction for tests, examples and the sample capture: Ethernet, ARP, IPv4, IPv6,
// TCP, UDP, ICMP and ICMPv6 with correct lengths and checksums.

export type Mac = string; // "02:00:00:00:00:01"

export function macBytes(mac: Mac): Uint8Array {
  const parts = mac.split(':').map((h) => parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad MAC ${mac}`);
  return Uint8Array.from(parts);
}

export function ipv4Bytes(a: string): Uint8Array {
  const parts = a.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(Number.isInteger(p) && p >= 0 && p <= 255))) throw new Error(`bad IPv4 ${a}`);
  return Uint8Array.from(parts);
}

export function ipv6Bytes(a: string): Uint8Array {
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) throw new Error(`bad IPv6 ${a}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Internet checksum (RFC 1071) over the given byte arrays. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else { sum += (odd << 8) | p[i]!; odd = -1; }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export const EtherType = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, IPV6: 0x86dd } as const;
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

export function ethernet(dst: Mac, src: Mac, etherType: number, payload: Uint8Array, vlan?: number): Uint8Array {
  const h = new Uint8Array(vlan === undefined ? 14 : 18);
  h.set(macBytes(dst), 0);
  h.set(macBytes(src), 6);
  const dv = new DataView(h.buffer);
  if (vlan !== undefined) {
    dv.setUint16(12, EtherType.VLAN);
    dv.setUint16(14, vlan & 0xfff);
    dv.setUint16(16, etherType);
  } else {
    dv.setUint16(12, etherType);
  }
  return concat(h, payload);
}

export function arp(op: 1 | 2, senderMac: Mac, senderIp: string, targetMac: Mac, targetIp: string): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 1); // Ethernet
  dv.setUint16(2, EtherType.IPV4);
  b[4] = 6; b[5] = 4;
  dv.setUint16(6, op);
  b.set(macBytes(senderMac), 8);
  b.set(ipv4Bytes(senderIp), 14);
  b.set(macBytes(targetMac), 18);
  b.set(ipv4Bytes(targetIp), 24);
  return b;
}

export interface Ipv4Options { ttl?: number; id?: number; tos?: number; df?: boolean }

export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const h = new Uint8Array(20);
  const dv = new DataView(h.buffer);
  h[0] = 0x45;
  h[1] = o.tos ?? 0;
  dv.setUint16(2, 20 + payload.length);
  dv.setUint16(4, o.id ?? 0);
  dv.setUint16(6, o.df === false ? 0 : 0x4000);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  h.set(ipv4Bytes(src), 12);
  h.set(ipv4Bytes(dst), 16);
  dv.setUint16(10, inetChecksum(h));
  return concat(h, transportChecksum(proto, payload, (len) => {
    const ph = new Uint8Array(12);
    ph.set(ipv4Bytes(src), 0);
    ph.set(ipv4Bytes(dst), 4);
    ph[9] = proto;
    new DataView(ph.buffer).setUint16(10, len);
    return ph;
  }));
}

export function ipv6(src: string, dst: string, nextHeader: number, payload: Uint8Array, hopLimit = 64): Uint8Array {
  const h = new Uint8Array(40);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, payload.length);
  h[6] = nextHeader;
  h[7] = hopLimit;
  h.set(ipv6Bytes(src), 8);
  h.set(ipv6Bytes(dst), 24);
  return concat(h, transportChecksum(nextHeader, payload, (len) => {
    const ph = new Uint8Array(40);
    ph.set(ipv6Bytes(src), 0);
    ph.set(ipv6Bytes(dst), 16);
    new DataView(ph.buffer).setUint32(32, len);
    ph[39] = nextHeader;
    return ph;
  }));
}

/** Fill in the checksum of a TCP/UDP/ICMPv6 payload (ICMPv4 has no pseudo-header). */
function transportChecksum(proto: number, seg: Uint8Array, pseudo: (len: number) => Uint8Array): Uint8Array {
  const s = seg.slice();
  const dv = new DataView(s.buffer);
  let at = -1;
  if (proto === IpProto.TCP && s.length >= 20) at = 16;
  else if (proto === IpProto.UDP && s.length >= 8) at = 6;
  else if (proto === IpProto.ICMPV6 && s.length >= 4) at = 2;
  else if (proto === IpProto.ICMP && s.length >= 4) {
    dv.setUint16(2, 0);
    dv.setUint16(2, inetChecksum(s));
    return s;
  }
  if (at < 0) return s;
  dv.setUint16(at, 0);
  let c = inetChecksum(pseudo(s.length), s);
  if (proto === IpProto.UDP && c === 0) c = 0xffff;
  dv.setUint16(at, c);
  return s;
}

export const TcpFlags = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export function tcp(sport: number, dport: number, flags: number, payload: Uint8Array = new Uint8Array(0), seq = 1, ack = 0, window = 65535): Uint8Array {
  const h = new Uint8Array(20);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint32(4, seq >>> 0);
  dv.setUint32(8, ack >>> 0);
  h[12] = 5 << 4;
  h[13] = flags;
  dv.setUint16(14, window);
  return concat(h, payload);
}

export function udp(sport: number, dport: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint16(4, 8 + payload.length);
  return concat(h, payload);
}

/** ICMP (v4) echo request (type 8) / reply (type 0), or any type/code with a body. */
export function icmp(type: number, code: number, id: number, seq: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  h[0] = type;
  h[1] = code;
  dv.setUint16(4, id);
  dv.setUint16(6, seq);
  return concat(h, body);
}

/** ICMPv6 message (echo request 128, reply 129, neighbour solicitation 135, ...). */
export function icmp6(type: number, code: number, body: Uint8Array = new Uint8Array(4)): Uint8Array {
  const h = new Uint8Array(4);
  h[0] = type;
  h[1] = code;
  return concat(h, body);
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

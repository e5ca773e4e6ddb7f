// The sample capture of examples/ (examples/sample.pcap): a few hundred mixed frames —
// TCP (web, ssh), UDP (DNS, NTP), ICMP, ARP, IPv6 TCP/UDP/ICMPv6 — built deterministically
// with the pcap crafting helpers, so the committed file can be regenerated bit for bit:
//   node dist/cli/sample.js examples/sample.pcap

import { arp, ethernet, EtherType, icmp, icmp6, ipv4, ipv6, IpProto, tcp, TcpFlags, udp } from '../pcap/craft.js';
import { createCaptureWriter } from '../pcap/index.js';

export const SAMPLE_FRAMES = 320;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const GW = '02:00:00:00:00:01';
const hostMac = (n: number): string => `02:00:00:00:01:${n.toString(16).padStart(2, '0')}`;

function payload(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = 0x20 + (r() % 95);
  return b;
}

/** The sample frames, in order, with their timestamps. */
export function sampleFrames(): Array<{ timestampNs: bigint; data: Uint8Array }> {
  const r = rng(0x5eed1234);
  const out: Array<{ timestampNs: bigint; data: Uint8Array }> = [];
  let ts = 1_700_000_000_000_000_000n;
  const remotes = ['93.184.216.34', '151.101.1.69', '10.66.1.5', '10.66.7.9', '172.16.5.5', '203.0.113.7'];
  for (let i = 0; i < SAMPLE_FRAMES; i++) {
    ts += BigInt(1 + (r() % 20)) * 1_000_000n + BigInt(r() % 1000) * 1000n;
    const h = 10 + (r() % 8);
    const local = `192.168.1.${h}`;
    const mac = hostMac(h);
    const remote = remotes[r() % remotes.length]!;
    const ttl = [64, 128, 255, 57, 1][r() % 5]!;
    const tos = [0, 0, 0, 0x10, 0xb8][r() % 5]!;
    const inbound = (r() & 1) === 1;
    const [src, dst, smac, dmac] = inbound ? [remote, local, GW, mac] : [local, remote, mac, GW];
    const eport = 32768 + (r() % 4096);
    const kind = r() % 100;
    let frame: Uint8Array;
    if (kind < 30) {
      const port = [80, 443, 443][r() % 3]!;
      const seg = tcp(inbound ? port : eport, inbound ? eport : port, TcpFlags.ACK | TcpFlags.PSH, payload(r, r() % 600), r(), r());
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(src, dst, IpProto.TCP, seg, { ttl, tos, id: i }));
    } else if (kind < 38) {
      const seg = tcp(inbound ? 22 : eport, inbound ? eport : 22, TcpFlags.ACK, payload(r, r() % 120), r(), r());
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(src, dst, IpProto.TCP, seg, { ttl, tos, id: i }));
    } else if (kind < 42) {
      const seg = tcp(eport, [80, 443, 8080][r() % 3]!, TcpFlags.SYN, new Uint8Array(0), r());
      frame = ethernet(GW, mac, EtherType.IPV4, ipv4(local, remote, IpProto.TCP, seg, { ttl: 64, id: i }));
    } else if (kind < 55) {
      const dns = udp(inbound ? 53 : eport, inbound ? eport : 53, payload(r, 20 + (r() % 80)));
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(inbound ? '8.8.8.8' : local, inbound ? local : '8.8.8.8', IpProto.UDP, dns, { ttl, tos, id: i }));
    } else if (kind < 60) {
      const ntp = udp(123, 123, payload(r, 48));
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(src, dst, IpProto.UDP, ntp, { ttl, id: i }));
    } else if (kind < 70) {
      const echo = icmp(inbound ? 0 : 8, 0, 0x4242, i, payload(r, 56));
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(src, dst, IpProto.ICMP, echo, { ttl, id: i }));
    } else if (kind < 78) {
      const reply = (r() & 1) === 1;
      const body = reply
        ? arp(2, GW, '192.168.1.1', mac, local)
        : arp(1, mac, local, '00:00:00:00:00:00', '192.168.1.1');
      frame = ethernet(reply ? mac : 'ff:ff:ff:ff:ff:ff', reply ? GW : mac, EtherType.ARP, body);
    } else if (kind < 86) {
      const seg = tcp(inbound ? 443 : eport, inbound ? eport : 443, TcpFlags.ACK, payload(r, r() % 400), r(), r());
      const l6 = `fd00::${h.toString(16)}`;
      frame = ethernet(dmac, smac, EtherType.IPV6, ipv6(inbound ? '2001:db8::80' : l6, inbound ? l6 : '2001:db8::80', IpProto.TCP, seg, ttl));
    } else if (kind < 92) {
      const dns = udp(eport, 53, payload(r, 30));
      frame = ethernet(GW, mac, EtherType.IPV6, ipv6(`fd00::${h.toString(16)}`, '2001:db8::53', IpProto.UDP, dns));
    } else if (kind < 97) {
      frame = ethernet(dmac, smac, EtherType.IPV6, ipv6(`fd00::${h.toString(16)}`, 'fd00::1', IpProto.ICMPV6, icmp6(128, 0, payload(r, 12))));
    } else {
      // An IPv4 protocol none of the examples knows (GRE).
      frame = ethernet(dmac, smac, EtherType.IPV4, ipv4(src, dst, 47, payload(r, 24), { ttl, id: i }));
    }
    out.push({ timestampNs: ts, data: frame });
  }
  return out;
}

/** The sample capture as pcap bytes (microsecond timestamps, Ethernet). */
export function sampleCapture(): Uint8Array {
  const w = createCaptureWriter(null, { format: 'pcap' });
  for (const f of sampleFrames()) w.write(f);
  w.close();
  return w.bytes();
}

const invokedAs = process.argv[1] ?? '';
if (/(?:^|[\\/])sample\.js$/.test(invokedAs)) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: node dist/cli/sample.js OUT.pcap\n');
    process.exitCode = 2;
  } else {
    const w = createCaptureWriter(path, { format: 'pcap' });
    for (const f of sampleFrames()) w.write(f);
    w.close(true);
  }
}

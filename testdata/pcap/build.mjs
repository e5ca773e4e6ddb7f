// Seed frames for build.sh (the same frames as src/pcap/pcap.test.ts).
const dist = process.env.TSBPF_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { ByteSink, PcapngWriter, createCaptureWriter, LinkType } = await import(`${dist}/pcap/index.js`);
const { ethernet, ipv4, ipv6, tcp, udp, icmp, arp, EtherType, IpProto, TcpFlags, text } = await import(`${dist}/pcap/craft.js`);
import { writeFileSync } from 'node:fs';

const a = '02:00:00:00:00:01', b = '02:00:00:00:00:02';
const frames = [
  ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.TCP, tcp(1234, 80, TcpFlags.SYN))),
  ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(5353, 53, text('hello')))),
  ethernet(b, a, EtherType.IPV6, ipv6('2001:db8::1', '2001:db8::2', IpProto.UDP, udp(1000, 2000, text('v6')))),
  ethernet('ff:ff:ff:ff:ff:ff', a, EtherType.ARP, arp(1, a, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')),
  ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.ICMP, icmp(8, 0, 7, 1, text('ping')))),
].map((data, i) => ({ timestampNs: 1_700_000_000_123_456_789n + BigInt(i) * 1_000_001n, data }));

const w = createCaptureWriter('seed.pcapng', { format: 'pcapng', nanosecond: true });
for (const f of frames) w.write(f);
w.close();
const cut = createCaptureWriter('seed-snap.pcap', { snapLen: 32 });
for (const f of frames) cut.write(f);
cut.close();

const sink = ByteSink.toMemory();
const ng = new PcapngWriter(sink, { bigEndian: true, userAppl: 'tsbpf fixture' });
ng.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0', description: 'first' });
ng.addInterface({ linkType: LinkType.RAW, tsresol: 9, name: 'tun0' });
ng.write({ timestampNs: 1_000_000_000n, data: frames[0].data, interfaceId: 0 });
ng.write({ timestampNs: 2_000_000_001n, data: frames[1].data.subarray(14), interfaceId: 1 });
ng.write({ timestampNs: 3_000_000_000n, data: frames[2].data, interfaceId: 0, comment: 'third' });
writeFileSync('two-ifaces-be.pcapng', sink.bytes());

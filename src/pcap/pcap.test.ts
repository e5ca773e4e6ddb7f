import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapError, createCaptureWriter, openCapture, readCapture, LinkType, ByteSink, PcapngWriter } from './index.js';
import { ethernet, ipv4, ipv6, tcp, udp, icmp, arp, EtherType, IpProto, TcpFlags, text } from './craft.js';

const TD = join(import.meta.dirname, '../../testdata/pcap');
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

function frames(): { timestampNs: bigint; data: Uint8Array }[] {
  const a = '02:00:00:00:00:01', b = '02:00:00:00:00:02';
  return [
    ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.TCP, tcp(1234, 80, TcpFlags.SYN))),
    ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(5353, 53, text('hello')))),
    ethernet(b, a, EtherType.IPV6, ipv6('2001:db8::1', '2001:db8::2', IpProto.UDP, udp(1000, 2000, text('v6')))),
    ethernet('ff:ff:ff:ff:ff:ff', a, EtherType.ARP, arp(1, a, '10.0.0.1', '00:00:00:00:00:00', '10.0.0.2')),
    ethernet(b, a, EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', IpProto.ICMP, icmp(8, 0, 7, 1, text('ping')))),
  ].map((data, i) => ({ timestampNs: 1_700_000_000_123_456_789n + BigInt(i) * 1_000_001n, data }));
}

function tmp(): string { return mkdtempSync(join(tmpdir(), 'tsbpf-pcap-')); }

describe('pcap round trips', () => {
  const cases = [
    { format: 'pcap' as const, nanosecond: false, bigEndian: false },
    { format: 'pcap' as const, nanosecond: true, bigEndian: false },
    { format: 'pcap' as const, nanosecond: false, bigEndian: true },
    { format: 'pcap' as const, nanosecond: true, bigEndian: true },
    { format: 'pcapng' as const, nanosecond: false, bigEndian: false },
    { format: 'pcapng' as const, nanosecond: true, bigEndian: true },
  ];
  for (const c of cases) {
    it(`${c.format} ${c.nanosecond ? 'ns' : 'us'} ${c.bigEndian ? 'BE' : 'LE'}`, () => {
      const w = createCaptureWriter(null, c);
      for (const f of frames()) w.write(f);
      const r = readCapture(w.bytes());
      expect(r.format).toBe(c.format);
      expect(r.packets.length).toBe(5);
      r.packets.forEach((p, i) => {
        const f = frames()[i]!;
        expect(p.data).toEqual(f.data);
        expect(p.linkType).toBe(LinkType.ETHERNET);
        expect(p.timestampNs).toBe(c.nanosecond ? f.timestampNs : (f.timestampNs / 1000n) * 1000n);
      });
    });
  }

  it('cuts frames at the snap length and keeps the original length', () => {
    for (const format of ['pcap', 'pcapng'] as const) {
      const w = createCaptureWriter(null, { format, snapLen: 20 });
      for (const f of frames()) w.write(f);
      const r = readCapture(w.bytes());
      expect(r.interfaces[0]!.snapLen).toBe(20);
      for (const [i, p] of r.packets.entries()) {
        expect(p.data.length).toBe(20);
        expect(p.origLen).toBe(frames()[i]!.data.length);
      }
    }
  });

  it('raw-IP and LINUX_SLL link types', () => {
    const w = createCaptureWriter(null, { linkType: LinkType.RAW });
    w.write({ timestampNs: 0n, data: ipv4('1.1.1.1', '2.2.2.2', IpProto.UDP, udp(1, 2)) });
    const r = readCapture(w.bytes());
    expect(r.packets[0]!.linkType).toBe(LinkType.RAW);
    expect(r.packets[0]!.data[0]).toBe(0x45);
  });

  it('pcapng: several interfaces and sections with different byte orders', () => {
    const parts: Uint8Array[] = [];
    for (const bigEndian of [false, true]) {
      const sink = ByteSink.toMemory();
      const w = new PcapngWriter(sink, { bigEndian });
      w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0' });
      w.addInterface({ linkType: LinkType.RAW, tsresol: 9, name: 'tun0' });
      w.write({ timestampNs: 5_000_000_123n, data: frames()[0]!.data, interfaceId: 0 });
      w.write({ timestampNs: 6_000_000_123n, data: ipv4('1.1.1.1', '2.2.2.2', IpProto.UDP, udp(1, 2)), interfaceId: 1 });
      parts.push(sink.bytes());
    }
    const all = new Uint8Array(parts[0]!.length + parts[1]!.length);
    all.set(parts[0]!); all.set(parts[1]!, parts[0]!.length);
    const r = readCapture(all);
    expect(r.interfaces.map((i) => [i.linkType, i.name, i.tsresol])).toEqual([
      [1, 'eth0', 6], [101, 'tun0', 9], [1, 'eth0', 6], [101, 'tun0', 9],
    ]);
    expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.timestampNs])).toEqual([
      [0, 1, 5_000_000_000n], [1, 101, 6_000_000_123n], [2, 1, 5_000_000_000n], [3, 101, 6_000_000_123n],
    ]);
  });
});

describe('bad captures', () => {
  const good = (() => { const w = createCaptureWriter(null, {}); for (const f of frames()) w.write(f); return w.bytes(); })();
  const goodNg = (() => { const w = createCaptureWriter(null, { format: 'pcapng' }); for (const f of frames()) w.write(f); return w.bytes(); })();

  it('every truncation of a pcap file is a PcapError naming the offset', () => {
    for (let n = 0; n < good.length; n++) {
      let err: unknown;
      let count = 0;
      try { const r = openCapture(good.subarray(0, n)); for (const _ of r) count++; } catch (e) { err = e; }
      const boundary = [24, 24 + 16 + frames()[0]!.data.length];
      if (boundary.includes(n)) continue; // a whole number of records is a valid (shorter) file
      if (!err) { expect(count).toBeLessThan(5); continue; }
      expect(err).toBeInstanceOf(PcapError);
      expect((err as Error).message).toMatch(/offset \d+/);
    }
  });

  it('every truncation of a pcapng file is a PcapError or a shorter valid file', () => {
    for (let n = 0; n < goodNg.length; n++) {
      try { const r = openCapture(goodNg.subarray(0, n)); for (const _ of r); } catch (e) {
        expect(e).toBeInstanceOf(PcapError);
        expect((e as Error).message).toMatch(/offset \d+/);
      }
    }
  });

  it('garbage and corrupt lengths', () => {
    expect(() => openCapture(text('GIF89a not a capture'))).toThrow(/not a pcap or pcapng file \(magic 0x47494638 at offset 0\)/);
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(24 + 8, 0x7fffffff, true);
    expect(() => [...openCapture(bad)]).toThrow(/frame 1 at offset 24 claims 2147483647 captured bytes/);
    const badNg = goodNg.slice();
    new DataView(badNg.buffer).setUint32(badNg.length - 4, 12345, true);
    expect(() => [...openCapture(badNg)]).toThrow(/trailing length 12345/);
  });

  it('missing file', () => {
    expect(() => openCapture('/nonexistent/x.pcap')).toThrow(/can't open \/nonexistent\/x.pcap/);
  });
});

describe.skipIf(!hasTcpdump)('tcpdump interoperability', () => {
  function tcpdumpRead(file: string, extra: string[] = []): string[] {
    const r = spawnSync('tcpdump', ['-n', '-r', file, ...extra], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim().split('\n');
  }
  for (const c of [
    { format: 'pcap' as const, nanosecond: false, bigEndian: false },
    { format: 'pcap' as const, nanosecond: true, bigEndian: true },
    { format: 'pcapng' as const, nanosecond: false, bigEndian: false },
    { format: 'pcapng' as const, nanosecond: true, bigEndian: true },
  ]) {
    it(`tcpdump reads our ${c.format} (${c.nanosecond ? 'ns' : 'us'}, ${c.bigEndian ? 'BE' : 'LE'})`, () => {
      const file = join(tmp(), `out.${c.format}`);
      const w = createCaptureWriter(file, c);
      for (const f of frames()) w.write(f);
      w.close();
      const lines = tcpdumpRead(file, ['--time-stamp-precision=nano', '-tt']);
      expect(lines.length).toBe(5);
      expect(lines[0]).toMatch(c.nanosecond ? /^1700000000\.123456789 IP 10\.0\.0\.1\.1234 > 10\.0\.0\.2\.80: Flags \[S\]/ : /^1700000000\.123456000 IP 10\.0\.0\.1\.1234 > 10\.0\.0\.2\.80: Flags \[S\]/);
      expect(lines[1]).toMatch(/IP 10\.0\.0\.1\.5353 > 10\.0\.0\.2\.53: /);
      expect(lines[2]).toMatch(/IP6 2001:db8::1\.1000 > 2001:db8::2\.2000: UDP, length 2/);
      expect(lines[3]).toMatch(/ARP, Request who-has 10\.0\.0\.2 tell 10\.0\.0\.1/);
      expect(lines[4]).toMatch(/IP 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request, id 7, seq 1, length 12/);
      // checksums we compute are the ones tcpdump verifies
      const v = tcpdumpRead(file, ['-v']);
      expect(v.join('\n')).not.toMatch(/incorrect|bad cksum/);
    });
  }

  it('we read what tcpdump writes (µs and ns), identical frames', () => {
    const dir = tmp();
    const ours = join(dir, 'ours.pcapng');
    const w = createCaptureWriter(ours, { format: 'pcapng', nanosecond: true });
    for (const f of frames()) w.write(f);
    w.close();
    for (const prec of ['micro', 'nano']) {
      const theirs = join(dir, `tcpdump-${prec}.pcap`);
      const r = spawnSync('tcpdump', ['-r', ours, '-w', theirs, `--time-stamp-precision=${prec}`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const got = readCapture(theirs);
      expect(got.format).toBe('pcap');
      expect(got.interfaces[0]!.tsresol).toBe(prec === 'nano' ? 9 : 6);
      expect(got.packets.map((p) => p.data)).toEqual(frames().map((f) => f.data));
      expect(got.packets[0]!.timestampNs).toBe(prec === 'nano' ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
    }
  });
});

describe('committed fixtures written by tcpdump', () => {
  it('tcpdump-us.pcap and tcpdump-ns.pcap', () => {
    const us = readCapture(join(TD, 'tcpdump-us.pcap'));
    const ns = readCapture(join(TD, 'tcpdump-ns.pcap'));
    expect(us.packets.length).toBe(5);
    expect(ns.packets.map((p) => p.data)).toEqual(us.packets.map((p) => p.data));
    expect(ns.packets[0]!.timestampNs).toBe(1_700_000_000_123_456_789n);
    expect(us.packets[0]!.timestampNs).toBe(1_700_000_000_123_456_000n);
    expect(us.packets.map((p) => p.data)).toEqual(frames().map((f) => f.data));
  });
  it('tcpdump-snap.pcap (tcpdump -s 32)', () => {
    const r = readCapture(join(TD, 'tcpdump-snap.pcap'));
    expect(r.interfaces[0]!.snapLen).toBe(32);
    expect(r.packets.every((p) => p.data.length <= 32)).toBe(true);
    expect(r.packets.map((p) => p.origLen)).toEqual(frames().map((f) => f.data.length));
  });
  it('big-endian pcapng with two interfaces (crafted per the pcapng spec)', () => {
    const r = readCapture(join(TD, 'two-ifaces-be.pcapng'));
    expect(r.interfaces.length).toBe(2);
    expect(r.packets.map((p) => p.interfaceId)).toEqual([0, 1, 0]);
  });
});


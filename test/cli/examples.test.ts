// Every example loads and runs over the sample capture, and leaves the counts that an
// independent reading of the capture predicts.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/pcap/index.js';
import { inetChecksum } from '../../src/pcap/craft.js';
import { sampleCapture, SAMPLE_FRAMES } from '../../src/cli/sample.js';
import { tempEnv, tsbpf } from './helpers.js';

const SAMPLE = 'examples/sample.pcap';
const frames = readCapture(SAMPLE).packets.map((p) => p.data);

interface Parsed { etherType: number; ipv4?: { ihl: number; proto: number; src: number[]; dst: number[]; ttl: number; tos: number }; ipv6Next?: number; l4?: { sport: number; dport: number } }

function parse(f: Uint8Array): Parsed {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const p: Parsed = { etherType: f.length >= 14 ? dv.getUint16(12) : -1 };
  if (p.etherType === 0x0800 && f.length >= 34) {
    const ihl = f[14]! & 15;
    p.ipv4 = { ihl, proto: f[23]!, src: [...f.subarray(26, 30)], dst: [...f.subarray(30, 34)], ttl: f[22]!, tos: f[15]! };
    const l4 = 14 + ihl * 4;
    if ((p.ipv4.proto === 6 && f.length >= l4 + 20) || (p.ipv4.proto === 17 && f.length >= l4 + 8)) {
      p.l4 = { sport: dv.getUint16(l4), dport: dv.getUint16(l4 + 2) };
    }
  } else if (p.etherType === 0x86dd && f.length >= 54) {
    p.ipv6Next = f[20]!;
  }
  return p;
}

function classOf(f: Uint8Array): number {
  const p = parse(f);
  const l4 = (proto: number) => (proto === 1 ? 2 : proto === 6 ? 3 : proto === 17 ? 4 : proto === 58 ? 5 : 6);
  if (p.etherType === 0x0806) return 1;
  if (p.ipv4) return l4(p.ipv4.proto);
  if (p.ipv6Next !== undefined) return l4(p.ipv6Next);
  return 0;
}

let env: NodeJS.ProcessEnv;
let dir: string;
beforeAll(() => {
  ({ env, dir } = tempEnv('examples'));
  return () => rmSync(dir, { recursive: true, force: true });
});

async function ok(args: string): Promise<string> {
  const r = await tsbpf(env, args.split(' '));
  if (r.rc !== 0) throw new Error(`tsbpf ${args}: rc ${r.rc}: ${r.out}${r.err}`);
  return r.out;
}

async function dumpJson(path: string): Promise<Array<{ key: string[]; value: string[]; formatted?: { key: unknown; value: unknown } }>> {
  return JSON.parse(await ok(`-j map dump pinned ${path}`));
}

function summary(out: string): { frames: number; passed: number; actions: Record<string, number> } {
  return JSON.parse(out);
}

describe('examples over the sample capture', () => {
  it('the committed capture is the deterministic sample', () => {
    expect(frames.length).toBe(SAMPLE_FRAMES);
    expect(Buffer.compare(readFileSync(SAMPLE), Buffer.from(sampleCapture()))).toBe(0);
  });

  it('protocol counter: packets and bytes per class', async () => {
    await ok(`prog load examples/proto_count.o ${dir}/pc pinmaps ${dir}/pcm`);
    const s = summary(await ok(`-j prog run pinned ${dir}/pc pcap_in ${SAMPLE} pcap_out ${dir}/pc.pcap`));
    expect(s).toMatchObject({ frames: frames.length, passed: frames.length, actions: { XDP_PASS: frames.length } });
    const want = Array.from({ length: 8 }, () => ({ packets: 0, bytes: 0 }));
    for (const f of frames) { const c = want[classOf(f)]!; c.packets++; c.bytes += f.length; }
    const got = (await dumpJson(`${dir}/pcm/proto_cnt`)).map((e) => e.formatted!.value);
    expect(got).toEqual(want);
    // Every frame passed unchanged.
    const out = readCapture(`${dir}/pc.pcap`).packets.map((p) => Buffer.from(p.data));
    expect(out).toEqual(frames.map((f) => Buffer.from(f)));
  });

  it('flow table: one entry per IPv4 5-tuple with its packets and bytes', async () => {
    await ok(`prog load examples/flow_table.o ${dir}/ft pinmaps ${dir}/ftm`);
    await ok(`prog run pinned ${dir}/ft pcap_in ${SAMPLE}`);
    const want = new Map<string, { packets: number; bytes: number }>();
    for (const f of frames) {
      const p = parse(f);
      if (!p.ipv4 || p.ipv4.ihl !== 5) continue;
      const k = [p.ipv4.src.join('.'), p.ipv4.dst.join('.'), p.l4?.sport ?? 0, p.l4?.dport ?? 0, p.ipv4.proto].join('|');
      const e = want.get(k) ?? { packets: 0, bytes: 0 };
      e.packets++; e.bytes += f.length;
      want.set(k, e);
    }
    const got = new Map<string, { packets: number; bytes: number }>();
    for (const e of await dumpJson(`${dir}/ftm/flows`)) {
      const k = e.key.map((b) => parseInt(b, 16));
      const ip = (o: number) => k.slice(o, o + 4).join('.');
      const u16 = (o: number) => k[o]! | (k[o + 1]! << 8);
      got.set([ip(0), ip(4), u16(8), u16(10), k[12]].join('|'), e.formatted!.value as { packets: number; bytes: number });
    }
    expect(got).toEqual(want);
  });

  it('LPM firewall: drops exactly the sources inside the denied prefix', async () => {
    await ok(`prog load examples/lpm_firewall.o ${dir}/fw pinmaps ${dir}/fwm`);
    await ok(`map update pinned ${dir}/fwm/deny_v4 key 16 0 0 0 10 66 0 0 value 1 0 0 0`);
    // A more specific prefix inside it that passes again: longest match wins.
    await ok(`map update pinned ${dir}/fwm/deny_v4 key 32 0 0 0 10 66 7 9 value 0 0 0 0`);
    const s = summary(await ok(`-j prog run pinned ${dir}/fw pcap_in ${SAMPLE} pcap_out ${dir}/fw.pcap`));
    const dropped = frames.filter((f) => { const p = parse(f); return p.ipv4 && p.ipv4.src[0] === 10 && p.ipv4.src[1] === 66 && p.ipv4.src.join('.') !== '10.66.7.9'; });
    expect(dropped.length).toBeGreaterThan(0);
    expect(s.actions).toEqual({ XDP_DROP: dropped.length, XDP_PASS: frames.length - dropped.length });
    const stats = (await dumpJson(`${dir}/fwm/fw_stats`)).map((e) => e.formatted!.value);
    expect(stats).toEqual([frames.length - dropped.length, dropped.length]);
    expect(readCapture(`${dir}/fw.pcap`).packets.length).toBe(frames.length - dropped.length);
  });

  it('socket filter: keeps only web TCP, truncated to 96 bytes', async () => {
    await ok(`prog load examples/sock_filter.o ${dir}/sf`);
    const s = summary(await ok(`-j prog run pinned ${dir}/sf pcap_in ${SAMPLE} pcap_out ${dir}/sf.pcap`));
    const web = frames.filter((f) => { const p = parse(f); return p.ipv4?.proto === 6 && p.l4 && [80, 443].some((x) => x === p.l4!.sport || x === p.l4!.dport); });
    expect(s.actions).toEqual({ KEEP: web.length, DROP: frames.length - web.length });
    const out = readCapture(`${dir}/sf.pcap`).packets;
    expect(out.length).toBe(web.length);
    out.forEach((p, i) => {
      expect(p.data.length).toBeLessThanOrEqual(96);
      expect(Buffer.from(p.data)).toEqual(Buffer.from(web[i]!.subarray(0, p.data.length)));
    });
  });

  it('tc rewriter: IPv4 TTL 64 and DSCP 18 with a valid header checksum', async () => {
    await ok(`prog load examples/tc_rewrite.o ${dir}/tc pinmaps ${dir}/tcm`);
    const s = summary(await ok(`-j prog run pinned ${dir}/tc pcap_in ${SAMPLE} pcap_out ${dir}/tc.pcap`));
    expect(s.actions).toEqual({ TC_ACT_OK: frames.length });
    const v4 = frames.filter((f) => parse(f).ipv4).length;
    expect((await dumpJson(`${dir}/tcm/rewritten`)).map((e) => e.formatted!.value)).toEqual([v4]);
    const out = readCapture(`${dir}/tc.pcap`).packets.map((p) => p.data);
    expect(out.length).toBe(frames.length);
    out.forEach((f, i) => {
      const p = parse(f);
      if (!p.ipv4) { expect(Buffer.from(f)).toEqual(Buffer.from(frames[i]!)); return; }
      expect(p.ipv4.ttl).toBe(64);
      expect(p.ipv4.tos >> 2).toBe(18);
      expect(p.ipv4.tos & 3).toBe(frames[i]![15]! & 3);
      expect(inetChecksum(f.subarray(14, 34))).toBe(0);
      expect(Buffer.from(f.subarray(34))).toEqual(Buffer.from(frames[i]!.subarray(34)));
    });
  });

  it('state carries over between processes: a second run doubles the counters', async () => {
    await ok(`prog load examples/proto_count.o ${dir}/pc2 pinmaps ${dir}/pc2m`);
    await ok(`prog run pinned ${dir}/pc2 pcap_in ${SAMPLE}`);
    await ok(`prog run pinned ${dir}/pc2 pcap_in ${SAMPLE}`);
    const got = (await dumpJson(`${dir}/pc2m/proto_cnt`)).map((e) => (e.formatted!.value as { packets: number }).packets);
    expect(got.reduce((a, b) => a + b, 0)).toBe(2 * frames.length);
  });
});
void join;

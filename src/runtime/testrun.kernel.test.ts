// Differential tests against the running kernel: the same object loaded by bpftool and by
// tsbpf, the same test runs (bpftool prog run ... data_in / ctx_in / repeat), then retval,
// data_out, ctx_out and the final map contents compared. Skips cleanly without a kernel.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bpftool, bpftoolJson, describeKernel, pinDir } from '../../test/support/kernel.js';
import { parseObject } from '../loader/index.js';
import { ethernet, ipv4, udp, tcp, ipv6, text, EtherType, IpProto } from '../pcap/craft.js';
import { loadCollection } from './collection.js';
import type { Collection } from './types.js';

const dir = new URL('../../testdata/runtime/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-h4-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const udpFrame = ethernet('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', EtherType.IPV4,
  ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(1234, 53, text('hello world'))));
const tcpFrame = ethernet('00:00:00:00:00:00', '02:00:00:00:00:02', EtherType.IPV4,
  ipv4('192.168.1.10', '192.168.1.20', IpProto.TCP, tcp(40000, 80, 2, text('GET /'))));
const v6Frame = ethernet('33:33:00:00:00:01', '02:00:00:00:00:03', EtherType.IPV6,
  ipv6('fe80::1', 'ff02::1', IpProto.UDP, udp(546, 547, text('dhcp'))));
const shortFrame = new Uint8Array(10);
const arpish = ethernet('02:00:00:00:00:09', '02:00:00:00:00:01', 0x0806, new Uint8Array(28).fill(7));

interface Run { prog: string; data?: Uint8Array; ctx?: Uint8Array; repeat?: number }
interface KResult { retval?: number; data?: Uint8Array; ctx?: Uint8Array; error?: string }

function kernelRun(pin: string, r: Run): KResult {
  const args = ['prog', 'run', 'pinned', pin];
  const din = join(tmp, 'din'), dout = join(tmp, 'dout'), cin = join(tmp, 'cin'), cout = join(tmp, 'cout');
  for (const f of [dout, cout]) if (existsSync(f)) rmSync(f);
  if (r.data) { writeFileSync(din, r.data); args.push('data_in', din, 'data_out', dout); }
  if (r.ctx) { writeFileSync(cin, r.ctx); args.push('ctx_in', cin, 'ctx_out', cout); }
  args.push('repeat', String(r.repeat ?? 1));
  const p = bpftool(args);
  if (p.status !== 0) return { error: (p.stderr || p.stdout).trim() };
  const m = /Return value: (\d+)/.exec(p.stdout);
  const out: KResult = { retval: Number(m?.[1]) };
  if (r.data && existsSync(dout)) out.data = new Uint8Array(readFileSync(dout));
  if (r.ctx && existsSync(cout)) out.ctx = new Uint8Array(readFileSync(cout));
  return out;
}

function oursRun(c: Collection, r: Run): KResult {
  try {
    const res = c.programs[r.prog]!.run({ ...(r.data ? { data: r.data } : {}), ...(r.ctx ? { ctx: r.ctx } : {}), repeat: r.repeat ?? 1, view: 'kernel' } as never);
    return { retval: res.retval, data: r.data ? res.data : undefined, ...(r.ctx ? { ctx: res.ctx } : {}) } as KResult;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const hex = (b?: Uint8Array): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

function ourMapDump(c: Collection, name: string): string[] {
  const m = c.maps[name]!;
  const out: string[] = [];
  for (let k = m.nextKey(null); k; k = m.nextKey(k)) out.push(`${hex(k)}=${hex(m.lookup(k))}`);
  return out.sort();
}

function kernelMapDump(path: string): string[] {
  const d = bpftoolJson<Array<{ key: string[]; value: string[] }>>(['map', 'dump', 'pinned', path]);
  return d.map((e) => `${e.key.map((x) => x.slice(2)).join('')}=${e.value.map((x) => x.slice(2)).join('')}`).sort();
}

function differential(obj: string, runs: Run[], maps: string[], opts: { skipData?: string[]; skipRetval?: string[]; skipCtx?: string[] } = {}): void {
  it(`${obj}: ${runs.length} runs agree with the kernel`, () => {
    const pins = pinDir(`h4-${obj}`);
    const mapPins = pinDir(`h4-${obj}-maps`);
    try {
      const l = bpftool(['prog', 'loadall', join(dir, `${obj}.o`), pins.path, 'pinmaps', mapPins.path]);
      expect(l.status, l.stderr).toBe(0);
      const coll = loadCollection(parseObject(new Uint8Array(readFileSync(join(dir, `${obj}.o`))), { name: obj } as never), {});
      const mismatches: string[] = [];
      for (const r of runs) {
        const k = kernelRun(join(pins.path, r.prog), r);
        const o = oursRun(coll, r);
        const label = `${r.prog}(${r.data?.length ?? 0}b${r.ctx ? ', ctx' : ''}${r.repeat ? `, x${r.repeat}` : ''})`;
        if (!!k.error !== !!o.error) { mismatches.push(`${label}: kernel ${k.error ?? 'ok'} / ours ${o.error ?? 'ok'}`); continue; }
        if (k.error) continue;
        if (!opts.skipRetval?.includes(r.prog) && k.retval !== o.retval) mismatches.push(`${label}: retval kernel ${k.retval} ours ${o.retval}`);
        if (!opts.skipData?.includes(r.prog) && hex(k.data) !== hex(o.data)) mismatches.push(`${label}: data_out\n kernel ${hex(k.data)}\n ours   ${hex(o.data)}`);
        if (r.ctx && !opts.skipCtx?.includes(r.prog) && hex(k.ctx) !== hex(o.ctx)) mismatches.push(`${label}: ctx_out\n kernel ${hex(k.ctx)}\n ours   ${hex(o.ctx)}`);
      }
      for (const m of maps) {
        const km = kernelMapDump(join(mapPins.path, m));
        const om = ourMapDump(coll, m);
        if (km.join() !== om.join()) mismatches.push(`map ${m}: kernel ${km.join(' ')} / ours ${om.join(' ')}`);
      }
      // program tags as bpftool shows them
      for (const r of new Set(runs.map((x) => x.prog))) {
        const info = bpftoolJson<{ tag: string }>(['prog', 'show', 'pinned', join(pins.path, r)]);
        if (info.tag !== coll.programs[r]!.tag) mismatches.push(`${r}: tag kernel ${info.tag} ours ${coll.programs[r]!.tag}`);
      }
      coll.close();
      expect(mismatches).toEqual([]);
    } finally {
      pins.remove();
      mapPins.remove();
    }
  });
}

function xdpCtx(data: number, dataEnd: number, ingress = 0, rxq = 0): Uint8Array {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, data, true); dv.setUint32(4, dataEnd, true); dv.setUint32(12, ingress, true); dv.setUint32(16, rxq, true);
  return b;
}

function skbCtx(fields: Record<number, number>): Uint8Array {
  const b = new Uint8Array(192);
  const dv = new DataView(b.buffer);
  for (const [off, v] of Object.entries(fields)) dv.setUint32(Number(off), v, true);
  return b;
}

describeKernel('test-run: XDP against the kernel', () => {
  const withMeta = new Uint8Array(8 + udpFrame.length);
  withMeta.set([1, 2, 3, 4, 5, 6, 7, 8]);
  withMeta.set(udpFrame, 8);
  differential('xdp_rt', [
    ...['xdp_pass', 'xdp_swap', 'xdp_head', 'xdp_pop', 'xdp_tail', 'xdp_meta', 'xdp_redir', 'xdp_fields', 'xdp_bytes']
      .flatMap((prog) => [udpFrame, tcpFrame, v6Frame, arpish].map((data) => ({ prog, data }))),
    { prog: 'xdp_count', data: udpFrame, repeat: 5 },
    { prog: 'xdp_count', data: tcpFrame, repeat: 3 },
    { prog: 'xdp_count', data: arpish },
    { prog: 'xdp_pass', data: shortFrame },
    { prog: 'xdp_head', data: udpFrame, repeat: 4 },
    { prog: 'xdp_pop', data: udpFrame, repeat: 3 },
    { prog: 'xdp_tail', data: tcpFrame, repeat: 2 },
    { prog: 'xdp_meta', data: withMeta, ctx: xdpCtx(8, withMeta.length, 1, 0) },
    { prog: 'xdp_fields', data: udpFrame, ctx: xdpCtx(0, udpFrame.length, 1, 0) },
    { prog: 'xdp_fields', data: udpFrame, ctx: xdpCtx(0, udpFrame.length, 0, 1) },
    { prog: 'xdp_fields', data: udpFrame, ctx: xdpCtx(0, udpFrame.length, 999, 0) },
    { prog: 'xdp_fields', data: udpFrame, ctx: xdpCtx(0, 20, 1, 0) },
    { prog: 'xdp_fields', data: udpFrame, ctx: xdpCtx(4, udpFrame.length, 1, 0) },
    { prog: 'xdp_pass', data: udpFrame, ctx: xdpCtx(2, udpFrame.length) },
    { prog: 'xdp_pass', data: new Uint8Array(4000).fill(0xab) },
    { prog: 'xdp_fields', data: new Uint8Array(5000).fill(0xcd) },
    { prog: 'xdp_tail', data: new Uint8Array(5000).fill(0xcd) },
    { prog: 'xdp_head', data: new Uint8Array(5000).fill(0xcd) },
    { prog: 'xdp_bytes', data: new Uint8Array(5000).fill(0xcd) },
    { prog: 'xdp_tail', data: new Uint8Array(3520).fill(0xcd) },
    { prog: 'xdp_tail', data: new Uint8Array(3530).fill(0xcd) },
  ], ['proto_cnt']);
});

describeKernel('test-run: tc against the kernel', () => {
  differential('tc_rt', [
    ...['tc_fields', 'tc_ttl', 'tc_port', 'tc_vlan', 'tc_tail', 'tc_head', 'tc_room', 'tc_csum_diff', 'tc_redirect', 'tc_hash']
      .flatMap((prog) => [udpFrame, tcpFrame, v6Frame, arpish].map((data) => ({ prog, data, ctx: skbCtx({}) }))),
    { prog: 'tc_fields', data: udpFrame, ctx: skbCtx({ 8: 41, 32: 5, 48: 1, 52: 2, 56: 3, 60: 4, 64: 5 }) },
    { prog: 'tc_fields', data: udpFrame, ctx: skbCtx({ 0: 1 }) },
    { prog: 'tc_fields', data: udpFrame, ctx: skbCtx({ 40: 77 }) },
    { prog: 'tc_fields', data: udpFrame, ctx: skbCtx({ 160: 4000 }) },
    { prog: 'tc_fields', data: udpFrame, ctx: skbCtx({ 160: 10 }) },
    { prog: 'tc_fields', data: udpFrame, repeat: 3, ctx: skbCtx({ 8: 1 }) },
    { prog: 'tc_vlan', data: udpFrame, repeat: 2, ctx: skbCtx({}) },
    { prog: 'tc_ttl', data: udpFrame, repeat: 3 },
    { prog: 'tc_tail', data: udpFrame, repeat: 3 },
    { prog: 'tc_head', data: udpFrame, repeat: 3 },
    { prog: 'tc_room', data: tcpFrame, repeat: 2 },
    { prog: 'tc_port', data: udpFrame, repeat: 2 },
    ...[udpFrame, arpish].map((data) => ({ prog: 'act_mark', data, ctx: skbCtx({}) })),
    { prog: 'tc_fields', data: shortFrame },
  ], [], { skipCtx: ['tc_hash'] }); // the kernel's flow hash is keyed with a boot-time random key
});

describeKernel('test-run: socket filter and cgroup_skb against the kernel', () => {
  differential('sock_rt', [
    ...['sf_udp', 'sf_ldabs', 'sf_account', 'cg_in'].flatMap((prog) => [udpFrame, tcpFrame, v6Frame, arpish].map((data) => ({ prog, data }))),
    { prog: 'sf_account', data: udpFrame, repeat: 4 },
    { prog: 'cg_in', data: udpFrame, ctx: skbCtx({ 8: 3, 48: 9 }) },
    ...[udpFrame, arpish].map((data) => ({ prog: 'cg_out', data, ctx: skbCtx({ 32: 1 }) })),
  ], ['bytes_by_proto']);
});

describeKernel('helpers against the kernel', () => {
  differential('helpers_rt', [
    { prog: 'h_tail', data: udpFrame },
    { prog: 'h_tail', data: udpFrame, repeat: 3 },
    { prog: 'h_tail_miss', data: udpFrame },
    { prog: 'h_chain', data: udpFrame },
    { prog: 'h_loop', data: udpFrame },
    { prog: 'h_foreach', data: udpFrame, repeat: 2 },
    { prog: 'h_str', data: udpFrame },
    { prog: 'h_snprintf', data: udpFrame },
    { prog: 'h_queue', data: udpFrame },
    { prog: 'h_ringbuf', data: udpFrame },
    { prog: 'h_lock', data: udpFrame, repeat: 5 },
  ], ['results', 'strbuf', 'arr', 'locks']);
});

describeKernel('more skb / xdp helpers and error paths against the kernel', () => {
  const vlanFrame = ethernet('02:00:00:00:00:02', '02:00:00:00:00:01', EtherType.IPV4,
    ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(1234, 53, text('tagged'))), 42);
  differential('skb2_rt', [
    ...['t_relative', 't_load_err', 't_csum_err', 't_vlan_pop', 't_shrink', 't_room_mac', 't_hash']
      .flatMap((prog) => [udpFrame, tcpFrame, v6Frame, arpish, vlanFrame].map((data) => ({ prog, data, ctx: skbCtx({}) }))),
    ...[udpFrame, tcpFrame, arpish].map((data) => ({ prog: 'x_bounds', data })),
    ...['t_vlan_pop', 't_shrink', 't_room_mac'].map((prog) => ({ prog, data: vlanFrame, ctx: skbCtx({}), repeat: 3 })),
    ...[udpFrame, tcpFrame, v6Frame, arpish].map((data) => ({ prog: 't_nat', data, ctx: skbCtx({}) })),
    ...[udpFrame, v6Frame, arpish].flatMap((data) => ['t_proto', 't_proto_back'].map((prog) => ({ prog, data, ctx: skbCtx({}) }))),
    { prog: 'x_head_max', data: udpFrame },
  ], [], { skipCtx: ['t_hash'] });
});

describeKernel('snprintf / printk formats against the kernel', () => {
  differential('fmt_rt', [{ prog: 'fmt', data: udpFrame }], ['rets', 'texts']);
});

describeKernel('machine-dependent helpers (as properties) against the kernel', () => {
  differential('misc_rt', [{ prog: 'misc', data: udpFrame }, { prog: 'misc', data: tcpFrame, repeat: 3 }], ['props']);
});

describeKernel('ctx through subprograms and spills against the kernel', () => {
  differential('sub_rt', [
    ...[udpFrame, tcpFrame, arpish].map((data) => ({ prog: 'sub_len', data })),
    ...[udpFrame, v6Frame].map((data) => ({ prog: 'sub_tc', data, ctx: skbCtx({}) })),
  ], []);
});

describeKernel('check_mtu against the kernel', () => {
  differential('fib_rt', [
    { prog: 'xdp_mtu', data: udpFrame }, { prog: 'xdp_mtu', data: new Uint8Array(3000) },
    { prog: 'tc_mtu', data: udpFrame }, { prog: 'tc_mtu', data: tcpFrame },
  ], []);
});

describeKernel('strtol / strtoul / strncmp edge cases against the kernel', () => {
  differential('str_rt', [{ prog: 'strs', data: udpFrame }], ['sres']);
});

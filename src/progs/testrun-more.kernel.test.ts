// Differential tests of the program types added in src/progs/{sock,cgroup,skb}.ts against the
// running kernel, with testdata/runtime/more_rt.o: every program loads under both (the
// kernel's verifier through bpftool, tsbpf's through loadCollection); lwt and flow_dissector
// programs test-run under both with the same data_in / ctx_in / repeat (retval, data_out,
// ctx_out compared; a flow dissector's data_out is its struct bpf_flow_keys; sk_lookup runs
// on ctx_in alone, what it saw compared through .bss); the cgroup
// socket hooks and sock_ops refuse to test-run under both (ENOTSUPP, 524). Skips cleanly
// without a kernel.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bpftool, bpftoolJson, describeKernel, pinDir } from '../../test/support/kernel.js';
import { parseObject } from '../loader/index.js';
import { ethernet, ipv4, ipv6, tcp, text, udp, EtherType, IpProto } from '../pcap/craft.js';
import { loadCollection } from '../runtime/collection.js';
import { TestRunError } from '../runtime/errors.js';
import { verifyProgram } from '../verifier/index.js';

const obj = new URL('../../testdata/runtime/more_rt.o', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-h3-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const udpFrame = ethernet('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', EtherType.IPV4,
  ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(1234, 53, text('hello world'))));
const tcpFrame = ethernet('00:00:00:00:00:00', '02:00:00:00:00:02', EtherType.IPV4,
  ipv4('192.168.1.10', '192.168.1.20', IpProto.TCP, tcp(40000, 80, 2, text('GET /'))));
const v6Frame = ethernet('33:33:00:00:00:01', '02:00:00:00:00:03', EtherType.IPV6,
  ipv6('fe80::1', 'ff02::1', IpProto.UDP, udp(546, 547, text('dhcp'))));
const short = new Uint8Array(10);

function skbCtx(fields: Record<number, number>): Uint8Array {
  const b = new Uint8Array(192);
  const dv = new DataView(b.buffer);
  for (const [off, v] of Object.entries(fields)) dv.setUint32(Number(off), v, true);
  return b;
}

interface Out { retval?: number; data?: string; ctx?: string; error?: string }
const hex = (b?: Uint8Array): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

function kernelRun(pin: string, data: Uint8Array | undefined, ctx?: Uint8Array, repeat = 1): Out {
  const din = join(tmp, 'din'), dout = join(tmp, 'dout'), cin = join(tmp, 'cin'), cout = join(tmp, 'cout');
  for (const f of [dout, cout]) if (existsSync(f)) rmSync(f);
  const args = ['prog', 'run', 'pinned', pin];
  if (data) { writeFileSync(din, data); args.push('data_in', din, 'data_out', dout); }
  if (ctx) { writeFileSync(cin, ctx); args.push('ctx_in', cin, 'ctx_out', cout); }
  args.push('repeat', String(repeat));
  const p = bpftool(args);
  if (p.status !== 0) return { error: (p.stderr || p.stdout).trim() };
  return {
    retval: Number(/Return value: (\d+)/.exec(p.stdout)?.[1]), ...(data ? { data: hex(new Uint8Array(readFileSync(dout))) } : {}),
    ...(ctx ? { ctx: hex(new Uint8Array(readFileSync(cout))) } : {}),
  };
}

describeKernel('more program types against the kernel (more_rt.o)', () => {
  const LWT = ['lwt_fields', 'lwt_proto', 'lwt_tos'];
  const FLOW = ['flow_ipv4', 'flow_bytes'];
  const LOOKUP = ['lookup_fields'];
  const REFUSED = ['sock_create', 'post_bind4', 'connect4', 'recvmsg6', 'sock_ops_timeout', 'msg_verdict', 'skb_parser',
    'skb_verdict', 'sock_ops_tcp', 'getsockopt_prog', 'setsockopt_prog', 'sysctl_prog', 'dev_prog', 'reuseport_prog',
    'sendmsg6', 'bind4', 'seg6_prog'];
  it('every program loads under both; lwt runs agree; socket hooks refuse to test-run under both', () => {
    const pins = pinDir('h3-more');
    const mapPins = pinDir('h3-more-maps');
    try {
      const l = bpftool(['prog', 'loadall', obj, pins.path, 'pinmaps', mapPins.path]);
      expect(l.status, l.stderr).toBe(0);
      const coll = loadCollection(parseObject(new Uint8Array(readFileSync(obj)), { name: 'more_rt' }), {});
      expect(Object.keys(coll.programs).sort()).toEqual([...LWT, ...FLOW, ...LOOKUP, ...REFUSED].sort());
      const diffs: string[] = [];
      let runs = 0;
      const lwtRuns = [[udpFrame], [tcpFrame], [v6Frame], [short], [udpFrame, skbCtx({ 8: 5, 48: 9 })],
        [tcpFrame, skbCtx({ 32: 4, 64: 1 })], [udpFrame, skbCtx({ 16: 1 })]] as Array<[Uint8Array, Uint8Array?, number?]>;
      const flags = (v: number, at = 48): Uint8Array => { const b = new Uint8Array(56); new DataView(b.buffer).setUint32(at, v, true); return b; };
      const flowRuns = [[udpFrame], [tcpFrame], [v6Frame], [short], [udpFrame, flags(3)], [tcpFrame, flags(1), 3],
        [udpFrame, flags(1, 0)], [udpFrame, new Uint8Array(60).fill(1)], [new Uint8Array(4097)]] as Array<[Uint8Array, Uint8Array?, number?]>;
      for (const [prog, list] of [...LWT.map((p) => [p, lwtRuns] as const), ...FLOW.map((p) => [p, flowRuns] as const)]) {
        for (const [data, ctx, repeat] of list) {
          runs++;
          const k = kernelRun(join(pins.path, prog), data, ctx, repeat);
          let o: Out;
          try {
            const r = coll.programs[prog]!.run({ data, ...(ctx ? { ctx } : {}), repeat: repeat ?? 1 });
            o = { retval: r.retval, data: hex(r.data), ...(ctx ? { ctx: hex(r.ctx) } : {}) };
          } catch (e) {
            o = { error: (e as Error).message };
          }
          const label = `${prog}(${data.length}b${ctx ? ', ctx' : ''})`;
          if (!!k.error !== !!o.error) diffs.push(`${label}: kernel ${k.error ?? 'ok'} / ours ${o.error ?? 'ok'}`);
          else if (!k.error && JSON.stringify(k) !== JSON.stringify(o)) diffs.push(`${label}:\n kernel ${JSON.stringify(k)}\n ours   ${JSON.stringify(o)}`);
        }
      }
      // sk_lookup: ctx_in only; what the program saw is compared through .bss after each run
      const skl = (f: { family?: number; proto?: number; rip4?: number[]; rip6?: number[]; rport?: number; lip4?: number[]; lip6?: number[]; lport?: number; at?: [number, number] }): Uint8Array => {
        const b = new Uint8Array(72);
        const dv = new DataView(b.buffer);
        dv.setUint32(8, f.family ?? 2, true); dv.setUint32(12, f.proto ?? 6, true);
        b.set(f.rip4 ?? [10, 0, 0, 1], 16); b.set(f.rip6 ?? [], 20); dv.setUint16(36, f.rport ?? 1234, false);
        b.set(f.lip4 ?? [10, 0, 0, 2], 40); b.set(f.lip6 ?? [], 44); dv.setUint32(60, f.lport ?? 80, true);
        if (f.at) b[f.at[0]] = f.at[1];
        return b;
      };
      const v6 = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
      const bss = (): string => {
        const d = bpftoolJson<Array<{ value: string[] }>>(['map', 'dump', 'pinned', join(mapPins.path, 'more_rt_bss')]);
        return d[0]!.value.map((x) => x.slice(2)).join('');
      };
      const ourBss = Object.values(coll.maps).find((m) => m.spec.name.endsWith('.bss'))!;
      for (const [ctx, repeat] of [[skl({})], [skl({ lport: 443, proto: 17 })], [skl({ family: 10, rip6: v6, lip6: [...v6].reverse(), rport: 53 })],
        [skl({ family: 10, rip6: v6, rip4: [1, 2, 3, 4], at: [38, 0xff] })], [skl({ family: 1 })], [skl({ lport: 70000 })],
        [skl({ at: [0, 1] })], [skl({ at: [64, 1] })], [skl({}), 3], [undefined]] as Array<[Uint8Array | undefined, number?]>) {
        runs++;
        const k = kernelRun(join(pins.path, 'lookup_fields'), undefined, ctx, repeat);
        let o: Out;
        try {
          const r = coll.programs.lookup_fields!.run({ ...(ctx ? { ctx } : {}), repeat: repeat ?? 1 });
          o = { retval: r.retval, ...(ctx ? { ctx: hex(r.ctx) } : {}) };
        } catch (e) {
          o = { error: (e as Error).message };
        }
        const label = `lookup_fields(${ctx ? hex(ctx.subarray(8, 16)) : 'no ctx'}${repeat ? ` x${repeat}` : ''})`;
        if (!!k.error !== !!o.error) diffs.push(`${label}: kernel ${k.error ?? 'ok'} / ours ${o.error ?? 'ok'}`);
        else if (!k.error && JSON.stringify(k) !== JSON.stringify(o)) diffs.push(`${label}:\n kernel ${JSON.stringify(k)}\n ours   ${JSON.stringify(o)}`);
        const ob = hex(ourBss.lookup(new Uint8Array(4)) ?? undefined);
        if (bss() !== ob) diffs.push(`${label}: .bss\n kernel ${bss()}\n ours   ${ob}`);
      }
      for (const prog of REFUSED) {
        const k = kernelRun(join(pins.path, prog), udpFrame);
        if (!/524|Unknown error|not supported/i.test(k.error ?? '')) diffs.push(`${prog}: kernel ${JSON.stringify(k)}`);
        let errno: number | undefined;
        try { coll.programs[prog]!.run({ data: udpFrame }); } catch (e) { if (e instanceof TestRunError) errno = e.errno; }
        if (errno !== 524) diffs.push(`${prog}: ours errno ${errno}`);
      }
      coll.close();
      expect(diffs).toEqual([]);
      expect(runs).toBe(49);
    } finally {
      pins.remove();
      mapPins.remove();
    }
  });
});

describeKernel('socket helpers: both verifiers accept sockverify_rt.o', () => {
  it('every program of sockverify_rt.o is accepted by the kernel (bpftool) and by tsbpf', () => {
    const file = new URL('../../testdata/runtime/sockverify_rt.o', import.meta.url).pathname;
    const pins = pinDir('h3-sockverify');
    try {
      const l = bpftool(['prog', 'loadall', file, pins.path]);
      expect(l.status, l.stderr.slice(-2000)).toBe(0);
      const spec = parseObject(new Uint8Array(readFileSync(file)), { name: 'sockverify_rt' });
      const maps = new Map(spec.maps.map((m) => [m.name, m]));
      const refused = spec.programs.map((p) => ({ p: p.name, r: verifyProgram(p, maps, { logLevel: 1 }) }))
        .filter((x) => !x.r.ok).map((x) => `${x.p}: ${x.r.log.slice(-400)}`);
      expect(refused).toEqual([]);
      expect(spec.programs.length).toBe(12);
    } finally {
      pins.remove();
    }
  });
});

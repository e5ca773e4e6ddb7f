// Differential tests of the program types added in src/progs/{sock,cgroup,skb}.ts against the
// running kernel, with testdata/runtime/more_rt.o: every program loads under both (the
// kernel's verifier through bpftool, tsbpf's through loadCollection); lwt and flow_dissector
// programs test-run under both with the same data_in / ctx_in / repeat (retval, data_out,
// ctx_out compared; a flow dissector's data_out is its struct bpf_flow_keys); the cgroup
// socket hooks and sock_ops refuse to test-run under both (ENOTSUPP, 524). Skips cleanly
// without a kernel.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bpftool, describeKernel, pinDir } from '../../test/support/kernel.js';
import { parseObject } from '../loader/index.js';
import { ethernet, ipv4, ipv6, tcp, text, udp, EtherType, IpProto } from '../pcap/craft.js';
import { loadCollection } from '../runtime/collection.js';
import { TestRunError } from '../runtime/errors.js';

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

function kernelRun(pin: string, data: Uint8Array, ctx?: Uint8Array, repeat = 1): Out {
  const din = join(tmp, 'din'), dout = join(tmp, 'dout'), cin = join(tmp, 'cin'), cout = join(tmp, 'cout');
  for (const f of [dout, cout]) if (existsSync(f)) rmSync(f);
  writeFileSync(din, data);
  const args = ['prog', 'run', 'pinned', pin, 'data_in', din, 'data_out', dout];
  if (ctx) { writeFileSync(cin, ctx); args.push('ctx_in', cin, 'ctx_out', cout); }
  args.push('repeat', String(repeat));
  const p = bpftool(args);
  if (p.status !== 0) return { error: (p.stderr || p.stdout).trim() };
  return {
    retval: Number(/Return value: (\d+)/.exec(p.stdout)?.[1]), data: hex(new Uint8Array(readFileSync(dout))),
    ...(ctx ? { ctx: hex(new Uint8Array(readFileSync(cout))) } : {}),
  };
}

describeKernel('more program types against the kernel (more_rt.o)', () => {
  const LWT = ['lwt_fields', 'lwt_proto', 'lwt_tos'];
  const FLOW = ['flow_ipv4', 'flow_bytes'];
  const REFUSED = ['sock_create', 'post_bind4', 'connect4', 'recvmsg6', 'sock_ops_timeout'];
  it('every program loads under both; lwt runs agree; socket hooks refuse to test-run under both', () => {
    const pins = pinDir('h3-more');
    try {
      const l = bpftool(['prog', 'loadall', obj, pins.path]);
      expect(l.status, l.stderr).toBe(0);
      const coll = loadCollection(parseObject(new Uint8Array(readFileSync(obj)), { name: 'more_rt' }), {});
      expect(Object.keys(coll.programs).sort()).toEqual([...LWT, ...FLOW, ...REFUSED].sort());
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
      for (const prog of REFUSED) {
        const k = kernelRun(join(pins.path, prog), udpFrame);
        if (!/524|Unknown error|not supported/i.test(k.error ?? '')) diffs.push(`${prog}: kernel ${JSON.stringify(k)}`);
        let errno: number | undefined;
        try { coll.programs[prog]!.run({ data: udpFrame }); } catch (e) { if (e instanceof TestRunError) errno = e.errno; }
        if (errno !== 524) diffs.push(`${prog}: ours errno ${errno}`);
      }
      coll.close();
      expect(diffs).toEqual([]);
      expect(runs).toBe(39);
    } finally {
      pins.remove();
    }
  });
});

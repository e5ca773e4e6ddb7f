// The runtime without a kernel: loading (refusals with the kernel's messages), test runs of
// every program type, helper results. Expected values are those the kernel produced for the
// same objects (see testrun.kernel.test.ts, which checks them against the live kernel).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeInsn, type Insn } from '../isa/insn.js';
import { Op } from '../isa/opcodes.js';
import { parseObject } from '../loader/index.js';
import type { ProgramSpec } from '../loader/types.js';
import { ethernet, ipv4, udp, tcp, text, EtherType, IpProto } from '../pcap/craft.js';
import { MapType, ProgType } from '../uapi/bpf.js';
import { loadCollection, loadProgram } from './collection.js';
import { ProgLoadError, TestRunError } from './errors.js';
import { Runtime } from './runtime.js';
import { progTag } from './tag.js';
import type { Collection } from './types.js';
import { BpfError } from '../errors.js';

/**
 * Objects the kernel accepts but src/verifier does not prove yet (docs/verifier.md): loaded as
 * an explicit unverified run, so these runtime tests check the runtime, in checked mode.
 * Empty now: helpers_rt (spin locks, for_each callbacks) verifies.
 */
export const VERIFIER_GAPS: ReadonlySet<string> = new Set<string>([]);

const obj = (name: string, rt?: Runtime): Collection =>
  loadCollection(parseObject(new Uint8Array(readFileSync(new URL(`../../testdata/runtime/${name}.o`, import.meta.url))), { name } as never),
    { ...(rt ? { runtime: rt } : {}), ...(VERIFIER_GAPS.has(name) ? { unverified: true } : {}) });

const frame = ethernet('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', EtherType.IPV4,
  ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(1234, 53, text('hello world'))));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function spec(type: number, insns: Insn[], license = 'GPL', expectedAttachType = 0): ProgramSpec {
  let pc = 0;
  for (const i of insns) { i.pc = pc; pc += i.opcode === Op.LDDW ? 2 : 1; }
  return {
    name: 'hand', section: 'x', type: type as ProgramSpec['type'], expectedAttachType: expectedAttachType as ProgramSpec['expectedAttachType'], attachTo: '', flags: 0,
    license, kernelVersion: 0, insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
  };
}
const I = makeInsn;
const EXIT = (): Insn => I(Op.EXIT, 0, 0, 0, 0);
const MOV0 = (v: number): Insn => I(Op.MOV64_K, 0, 0, 0, v);

describe('XDP test runs', () => {
  const c = obj('xdp_rt');
  const P = c.programs;
  it('actions and rewritten frames', () => {
    expect(P.xdp_pass!.run({ data: frame })).toMatchObject({ retval: 2, data: frame });
    const swapped = frame.slice(); swapped.set(frame.subarray(6, 12), 0); swapped.set(frame.subarray(0, 6), 6);
    expect(hex(P.xdp_swap!.run({ data: frame }).data)).toBe(hex(swapped));
    expect(hex(P.xdp_head!.run({ data: frame }).data)).toBe('deadbeef' + hex(frame));
    expect(hex(P.xdp_pop!.run({ data: frame }).data)).toBe(hex(frame.subarray(14)));
    expect(hex(P.xdp_tail!.run({ data: frame }).data)).toBe(hex(frame.subarray(0, frame.length - 4)) + '00'.repeat(8));
    expect(hex(P.xdp_meta!.run({ data: frame }).data)).toBe('8877665544332211' + hex(frame));
    const r = P.xdp_redir!.run({ data: frame });
    expect(r.retval).toBe(4);
    expect(r.redirect).toEqual({ ifindex: 7, flags: 0 });
  });
  it('head adjustments accumulate over repeats, as the kernel reuses the buffer', () => {
    expect(hex(P.xdp_head!.run({ data: frame, repeat: 3 }).data)).toBe('deadbeef'.repeat(3) + hex(frame));
    // the third pop leaves less than an Ethernet header: -EINVAL → XDP_ABORTED
    expect(P.xdp_pop!.run({ data: frame, repeat: 4 }).retval).toBe(0);
  });
  it('ctx_in / ctx_out: metadata, ingress device, rx queue', () => {
    const ctx = new Uint8Array(24);
    const dv = new DataView(ctx.buffer);
    dv.setUint32(4, frame.length, true); dv.setUint32(12, 1, true);
    const r = P.xdp_fields!.run({ data: frame, ctx });
    expect(hex(r.data.subarray(0, 16))).toBe('01000000' + '00000000' + '35000000' + '35000000');
    expect(hex(r.ctx!)).toBe(hex(new Uint8Array([0, 0, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
    dv.setUint32(12, 5, true);
    expect(() => P.xdp_fields!.run({ data: frame, ctx })).toThrow(TestRunError);
    dv.setUint32(12, 0, true); dv.setUint32(16, 1, true);
    expect(() => P.xdp_fields!.run({ data: frame, ctx })).toThrow(/rx_queue_index needs ingress_ifindex/);
    expect(() => P.xdp_pass!.run({ data: new Uint8Array(10) })).toThrow(/less than an Ethernet header/);
  });
  it('fragments: data beyond 3520 bytes is kept and counted by xdp_get_buff_len', () => {
    const big = new Uint8Array(5000).fill(0xcd);
    const r = P.xdp_fields!.run({ data: big });
    expect(r.data.length).toBe(5000);
    expect(new DataView(r.data.buffer, r.data.byteOffset).getUint32(8, true)).toBe(3520);
    expect(new DataView(r.data.buffer, r.data.byteOffset).getUint32(12, true)).toBe(5000);
  });
  it('maps carry state across repeats', () => {
    P.xdp_count!.run({ data: frame, repeat: 5 });
    const v = c.maps.proto_cnt!.lookup(new Uint8Array([17, 0, 0, 0]));
    expect(new DataView(v.buffer).getBigUint64(0, true)).toBe(5n);
  });
  it('tags as the kernel computes them (sha256 of the insns, map fds zeroed)', () => {
    expect(P.xdp_pass!.tag).toBe('614b434cd8324ecc');
    expect(P.xdp_count!.tag).toBe('463761d9f8a01d73');
    expect(P.xdp_count!.mapIds).toEqual([c.maps.proto_cnt!.id]);
    expect(progTag([I(Op.MOV64_K, 0, 0, 0, 2), EXIT()], 'sha1')).toBe('3b185187f1855c4c');
  });
  it('ctx loads of data / data_end are rewritten into 64-bit loads', () => {
    const x = P.xdp_swap!.xlated;
    expect(x.some((i) => i.opcode === Op.LDX_DW && i.src === 1)).toBe(true);
    expect(x.some((i) => i.opcode === Op.LDX_W && i.src === 1 && i.off <= 8)).toBe(false);
  });
});

describe('skb test runs', () => {
  const c = obj('tc_rt');
  it('tc: fields in and out', () => {
    const ctx = new Uint8Array(192);
    new DataView(ctx.buffer).setUint32(8, 41, true);
    const r = c.programs.tc_fields!.run({ data: frame, ctx });
    const o = new DataView(r.ctx!.buffer);
    expect(o.getUint32(8, true)).toBe(42); // mark + 1
    expect(o.getUint32(32, true)).toBe(frame.length); // priority = len
    expect(o.getUint32(48, true)).toBe(8); // protocol 0x0800 as the be16 it is
    expect(o.getUint32(52, true)).toBe(2); // ff:.. on lo is multicast
    expect(o.getUint32(56, true)).toBe(1);
    expect(o.getUint32(64, true)).toBe(frame.length);
    expect(r.retval).toBe(0);
  });
  it('tc: checksum helpers produce a valid IPv4 header', () => {
    const r = c.programs.tc_ttl!.run({ data: frame });
    expect(r.data[14 + 8]).toBe(frame[14 + 8]! - 1);
    let s = 0;
    for (let i = 14; i < 34; i += 2) s += (r.data[i]! << 8) | r.data[i + 1]!;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    expect(s).toBe(0xffff);
  });
  it('tc: vlan push keeps the tag out of band, a second push moves it in', () => {
    expect(c.programs.tc_vlan!.run({ data: frame }).retval).toBe(42);
    const r = c.programs.tc_vlan!.run({ data: frame, repeat: 2 });
    expect(hex(r.data.subarray(12, 16))).toBe('8100002a');
  });
  it('tc: tail, head, room', () => {
    expect(c.programs.tc_tail!.run({ data: frame }).data.length).toBe(frame.length + 6);
    expect(hex(c.programs.tc_head!.run({ data: frame }).data)).toBe('00000000' + hex(frame));
    const r = c.programs.tc_room!.run({ data: frame });
    expect(hex(r.data)).toBe(hex(frame.subarray(0, 34)) + '00'.repeat(8) + hex(frame.subarray(34)));
  });
  it('socket filter: packet-socket view by default, kernel view on request', () => {
    const s = obj('sock_rt');
    expect(s.programs.sf_udp!.run({ data: frame, view: 'kernel' }).retval).toBe(64);
    // in the packet-socket view, offset 9 is inside the source MAC
    expect(s.programs.sf_udp!.run({ data: frame }).retval).toBe(0);
    const k = s.programs.sf_account!.run({ data: frame, view: 'kernel' });
    expect(k.retval).toBe(frame.length - 14);
    expect(hex(k.data)).toBe('00'.repeat(14) + hex(frame.subarray(14)));
    expect(s.programs.cg_in!.run({ data: frame }).retval).toBe(1);
  });
  it('refuses bad ctx_in as the kernel does', () => {
    const ctx = new Uint8Array(192); ctx[0] = 1;
    expect(() => c.programs.tc_fields!.run({ data: frame, ctx })).toThrow(/byte 0 may not be set/);
    const big = new Uint8Array(200); big[196] = 1;
    expect(() => c.programs.tc_fields!.run({ data: frame, ctx: big })).toThrow(expect.objectContaining({ errno: 7 }));
    expect(() => c.programs.tc_fields!.run({ data: new Uint8Array(4000) })).toThrow(TestRunError);
  });
});

describe('helpers (results the kernel produced for helpers_rt.o)', () => {
  const c = obj('helpers_rt');
  const res = (): Record<number, bigint> => {
    const m = c.maps.results!;
    const out: Record<number, bigint> = {};
    for (let k = m.nextKey(null); k; k = m.nextKey(k)) out[k[0]!] = new DataView(m.lookup(k).buffer).getBigInt64(0, true);
    return out;
  };
  it('tail calls: hit, miss, 33 deep', () => {
    expect(c.programs.h_tail!.run({ data: frame }).retval).toBe(3);
    expect(c.programs.h_tail_miss!.run({ data: frame }).retval).toBe(2);
    c.programs.h_chain!.run({ data: frame });
    expect(res()[1]).toBe(34n);
  });
  it('bpf_loop, for_each_map_elem, strtol, strncmp, snprintf, queue, ringbuf', () => {
    for (const p of ['h_loop', 'h_foreach', 'h_str', 'h_snprintf', 'h_queue', 'h_ringbuf']) c.programs[p]!.run({ data: frame });
    const r = res();
    expect([r[2], r[3], r[4], r[5], r[6]]).toEqual([285n, 10n, 30n, 5n, -22n]);
    expect([r[7], r[8]]).toEqual([700n, 6n]);
    expect([r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18]]).toEqual([6n, -123n, 4n, 31n, 3n, 511n, -22n, -22n, 0n, -1n]);
    expect([r[19], r[20]]).toEqual([40n, 40n]);
    expect(Buffer.from(c.maps.strbuf!.lookup(new Uint8Array(4))).toString().replace(/\0+$/, '')).toBe('-42-hi-beef|    7|3   |1122334455667788');
    expect(Buffer.from(c.maps.strbuf!.lookup(new Uint8Array([1, 0, 0, 0]))).toString().replace(/\0+$/, '')).toBe('-42-hi-');
    expect([r[21], r[24], r[25], r[26], r[27], r[28], r[29]]).toEqual([0n, 0n, -7n, 0n, 100n, 0n, 200n]);
    expect([r[30], r[31]]).toEqual([0n, 40n]);
  });
  it('spin lock around a map value', () => {
    c.programs.h_lock!.run({ data: frame, repeat: 5 });
    const v = c.maps.locks!.lookup(new Uint8Array(4));
    expect(new DataView(v.buffer).getBigUint64(8, true)).toBe(15n);
  });
});

describe('tracing programs on caller contexts', () => {
  it('kprobe: pt_regs args, printk to the trace log, probe_read over caller memory, task', () => {
    const rt = new Runtime({
      task: { pid: 4242, tgid: 4242, uid: 1000, gid: 100, comm: 'sleeper' },
      addressSpace: [{ start: 0xffff888000001000n, bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0x6f, 0x6b, 0]) }],
    });
    const c = obj('tracing_rt', rt);
    const regs = new Uint8Array(168);
    const dv = new DataView(regs.buffer);
    dv.setBigUint64(112, 0xffff888000001000n, true); // di
    dv.setBigUint64(104, 0xffff888000001008n, true); // si
    const r = c.programs.kp!.run({ ctx: regs });
    expect(r.retval).toBe(0x00);
    expect(rt.trace).toHaveLength(1);
    expect(rt.trace[0]).toMatch(/sleeper-4242 +\[000\] \.\.\.\.\. +\d+\.\d{6}: bpf_trace_printk: arg 18446612682070036480 pid 4242$/);
    const out = (k: number): bigint => new DataView(c.maps.out!.lookup(new Uint8Array([k, 0, 0, 0])).buffer).getBigUint64(0, true);
    expect(out(0)).toBe(0n);
    expect(out(1)).toBe(0x0807060504030201n);
    expect(out(2)).toBe(3n);
    expect(out(3)).toBe((100n << 32n) | 1000n);
    const names = Buffer.from(c.maps.names!.lookup(new Uint8Array(4))).toString();
    expect(names.slice(0, 7)).toBe('sleeper');
    expect(names.slice(16, 18)).toBe('ok');
  });
  it('tracepoint, perf_event, raw_tracepoint', () => {
    const c = obj('tracing_rt');
    const tp = new Uint8Array(64);
    const dv = new DataView(tp.buffer);
    dv.setBigInt64(8, 257n, true); dv.setBigUint64(16, 5n, true); dv.setBigUint64(24, 6n, true);
    expect(c.programs.tp!.run({ ctx: tp }).retval).toBe(11);
    const pe = new Uint8Array(184);
    new DataView(pe.buffer).setBigUint64(128, 0x12345n, true);
    new DataView(pe.buffer).setBigUint64(168, 4000n, true);
    expect(c.programs.pe!.run({ ctx: pe }).retval).toBe(0x2345);
    const raw = new Uint8Array(16); raw[0] = 5; raw[8] = 7;
    expect(c.programs.rtp!.run({ ctx: raw }).retval).toBe(19);
    expect(() => c.programs.rtp!.run({ ctx: raw, repeat: 2 })).toThrow(TestRunError);
    expect(() => c.programs.rtp!.run({ ctx: raw, data: frame })).toThrow(TestRunError);
    // a context shorter than what the program reads faults cleanly
    expect(() => c.programs.tp!.run({ ctx: new Uint8Array(12) })).toThrow(BpfError);
  });
});

describe('load-time refusals (the kernel verifier messages)', () => {
  const rt = new Runtime();
  const load = (s: ProgramSpec): unknown => loadProgram(rt, s);
  it('a helper the type may not call', () => {
    expect(() => load(spec(ProgType.XDP, [I(Op.CALL, 0, 0, 0, 9), EXIT()])))
      .toThrow('program of this type cannot use helper bpf_skb_store_bytes#9 (program type xdp)');
  });
  it('an unknown helper', () => {
    expect(() => load(spec(ProgType.XDP, [I(Op.CALL, 0, 0, 0, 999), EXIT()]))).toThrow('invalid func unknown#999');
  });
  it('a GPL-only helper from a non-GPL program', () => {
    expect(() => load(spec(ProgType.KPROBE, [I(Op.CALL, 0, 0, 0, 6), EXIT()], 'MIT')))
      .toThrow('cannot call GPL-restricted function from non-GPL compatible program');
  });
  it('ctx accesses outside the rules', () => {
    expect(() => load(spec(ProgType.XDP, [I(Op.STX_W, 1, 0, 0, 0), MOV0(0), EXIT()]))).toThrow('invalid bpf_context access off=0 size=4');
    expect(() => load(spec(ProgType.XDP, [I(Op.LDX_H, 0, 1, 0, 0), EXIT()]))).toThrow('invalid bpf_context access off=0 size=2');
    expect(() => load(spec(ProgType.SOCKET_FILTER, [I(Op.MOV64_X, 6, 1, 0, 0), I(Op.LDX_W, 0, 6, 76, 0), EXIT()])))
      .toThrow('invalid bpf_context access off=76 size=4');
    expect(() => load(spec(ProgType.SCHED_CLS, [I(Op.ST_W, 1, 0, 16, 0), MOV0(0), EXIT()]))).toThrow(ProgLoadError);
    expect(() => load(spec(ProgType.XDP, [I(Op.LDX_W, 0, 1, 20, 0), EXIT()]))).toThrow('off=20');
    expect(() => load(spec(ProgType.XDP, [I(Op.LDX_W, 0, 1, 20, 0), EXIT()], 'GPL', 33))).not.toThrow();
  });
  it('ctx pointers spilled to the stack are followed', () => {
    const p = loadProgram(rt, spec(ProgType.XDP, [
      I(Op.STX_DW, 10, 1, -8, 0), I(Op.LDX_DW, 2, 10, -8, 0), I(Op.LDX_W, 3, 2, 4, 0), I(Op.LDX_W, 4, 2, 0, 0),
      I(Op.MOV64_X, 0, 3, 0, 0), I(Op.SUB64_X, 0, 4, 0, 0), EXIT(),
    ]));
    expect(p.run({ data: frame }).retval).toBe(frame.length);
  });
  it('a program type tsbpf does not run', () => {
    expect(() => load(spec(ProgType.LSM, [MOV0(0), EXIT()]))).toThrow(/not supported/);
  });
  it('faults are typed errors naming pc and address', () => {
    const p = loadProgram(rt, spec(ProgType.XDP, [I(Op.LDX_W, 0, 1, 0, 0), I(Op.LDX_DW, 0, 0, 4096, 0), EXIT()]));
    expect(() => p.run({ data: frame })).toThrow(/pc 1: invalid read of 8 bytes/);
  });
});

describe('bpf_fib_lookup over the caller\'s routes', () => {
  const rt = new Runtime({
    devices: [
      { ifindex: 1, name: 'lo', mtu: 65536, mac: new Uint8Array(6), rxQueues: 1 },
      { ifindex: 2, name: 'eth0', mtu: 1500, mac: Uint8Array.from([2, 0, 0, 0, 0, 0xaa]), rxQueues: 4 },
      { ifindex: 3, name: 'eth1', mtu: 20, mac: Uint8Array.from([2, 0, 0, 0, 0, 0xbb]), rxQueues: 1 },
    ],
    routes: [
      { family: 'inet', dst: '10.0.0.0', prefixLen: 8, ifindex: 2, gateway: '10.9.9.9', dmac: Uint8Array.from([2, 0, 0, 0, 0, 0xcc]) },
      { family: 'inet', dst: '10.0.0.0', prefixLen: 24, ifindex: 2, dmac: Uint8Array.from([2, 0, 0, 0, 0, 0xdd]) },
      { family: 'inet', dst: '192.168.0.0', prefixLen: 16, ifindex: 2 },
      { family: 'inet', dst: '172.16.0.0', prefixLen: 12, ifindex: 2, type: 'blackhole' },
      { family: 'inet', dst: '100.64.0.0', prefixLen: 10, ifindex: 3, dmac: Uint8Array.from([2, 0, 0, 0, 0, 0xee]) },
    ],
  });
  const c = obj('fib_rt', rt);
  const ctx = new Uint8Array(24);
  new DataView(ctx.buffer).setUint32(12, 2, true);
  const run = (dst: string): { retval: number; data: Uint8Array; rc: bigint; ifindex: bigint; dst: bigint } => {
    const f = ethernet('02:00:00:00:00:aa', '02:00:00:00:00:01', EtherType.IPV4, ipv4('10.1.1.1', dst, IpProto.UDP, udp(1, 2, text('x'))));
    const cc = ctx.slice(); new DataView(cc.buffer).setUint32(4, f.length, true);
    const r = c.programs.xdp_fwd!.run({ data: f, ctx: cc });
    const m = (k: number): bigint => new DataView(c.maps.fib_out!.lookup(new Uint8Array([k, 0, 0, 0])).buffer).getBigUint64(0, true);
    return { retval: r.retval, data: r.data, rc: m(0), ifindex: m(1), dst: m(2) };
  };
  it('longest prefix wins; MACs rewritten; redirected', () => {
    const r = run('10.0.0.7');
    expect(r.rc).toBe(0n);
    expect(r.retval).toBe(4);
    expect(hex(r.data.subarray(0, 12))).toBe('0200000000dd' + '0200000000aa');
    expect(r.dst).toBe(0x0700000an); // no gateway: destination unchanged
  });
  it('gateway replaces the destination', () => {
    const r = run('10.2.0.1');
    expect([r.rc, r.ifindex, r.dst]).toEqual([0n, 2n, 0x0909090an]);
  });
  it('no neighbour, blackhole, no route, fragmentation needed', () => {
    expect(run('192.168.1.1').rc).toBe(7n);
    expect(run('172.16.5.5').rc).toBe(1n);
    expect(run('8.8.8.8').rc).toBe(4n);
    expect(run('100.64.0.1').rc).toBe(8n);
  });
});

describe('verifier hook', () => {
  it('a refusal fails the load with the log; an acceptance runs unchecked', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../testdata/runtime/xdp_rt.o', import.meta.url)));
    const spec = parseObject(bytes, { name: 'xdp_rt' } as never);
    const seen: string[] = [];
    expect(() => loadCollection(spec, { verify: (p) => { seen.push(p.name); return { ok: false, log: '0: (b7) r0 = 2\nR0 !read_ok' }; } }))
      .toThrow(/verifier refused the program:\n0: \(b7\) r0 = 2/);
    expect(seen).toEqual(['xdp_pass']);
    const c = loadCollection(spec, {
      verify: (p, maps) => ({ ok: true, log: `ok ${p.name} ${maps.length} ${p.insns.some((i) => i.src === 1 && i.opcode === Op.LDDW)}` }),
    });
    expect(c.programs.xdp_count!.log).toBe('ok xdp_count 1 true');
    expect((c.programs.xdp_count as unknown as { checked: boolean }).checked).toBe(false);
    expect(c.programs.xdp_count!.run({ data: frame }).retval).toBe(2);
  });
});

describe('printk / snprintf format engine', async () => {
  const { bprintf } = await import('../helpers/impl/format.js');
  const io = { readString: () => 'str', readBytes: (_a: bigint, n: number) => new Uint8Array(n).fill(1) };
  const f = (s: string, args: bigint[] = [], max = 3): string | number => bprintf(new TextEncoder().encode(s + '\0'), args, max, io);
  it('formats as the kernel', () => {
    expect(f('%d|%u|%x|%lld', [-1n, -1n, 255n, -1n], 4)).toBe('-1|4294967295|ff|-1');
    expect(f('%pI4 %s %c', [0n, 0n, 65n])).toBe('1.1.1.1 str A');
    expect(f('100%%')).toBe('100%');
  });
  it('refuses what the kernel refuses', () => {
    expect(f('%q', [1n])).toBe(-22);
    expect(f('%d %d', [1n, 2n], 1)).toBe(-22);
    expect(f('%sx', [1n])).toBe(-22);
    expect(f('%hd', [1n])).toBe(-22);
    expect(f('\x01')).toBe(-22);
    expect(bprintf(new TextEncoder().encode('no nul'), [], 3, io)).toBe(-22);
  });
});

describe('bad test-run arguments are typed errors', () => {
  const c = obj('xdp_rt');
  it.each([
    [{ data: 'abc' }], [{ data: [1, 2, 3] }], [{ ctx: {} }], [{ data: frame, repeat: -1 }], [{ data: frame, repeat: 1.5 }],
    [{ data: frame, repeat: Number.NaN }], [{ data: frame, flags: 4 }], [{ data: frame, view: 'x' }], [{ data: frame, dataSizeOut: 3 }],
  ])('%j', (o) => {
    expect(() => c.programs.xdp_pass!.run(o as never)).toThrow(TestRunError);
  });
});

describe('the verifier as the load hook', async () => {
  const { kernelVerifier } = await import('./verify.js');
  it('accepts what it proves (runs unchecked) and refuses the rest with its log', () => {
    const c = loadCollection(parseObject(new Uint8Array(readFileSync(new URL('../../testdata/runtime/xdp_rt.o', import.meta.url))), { name: 'xdp_rt' } as never), { verify: kernelVerifier });
    expect(c.programs.xdp_swap!.run({ data: frame }).retval).toBe(3);
    expect((c.programs.xdp_swap as unknown as { checked: boolean }).checked).toBe(false);
    const rt = new Runtime();
    // r0 = *(u32 *)(r2 + 0): r2 was never written
    expect(() => loadProgram(rt, spec(ProgType.XDP, [I(Op.LDX_W, 0, 2, 0, 0), EXIT()]), { verify: kernelVerifier }))
      .toThrow(expect.objectContaining({ errno: 13 }));
  });
  it('proves map loads by raw map id against the map the runtime resolved', async () => {
    const { createMap } = await import('../maps/create.js');
    const rt = new Runtime();
    // two maps, so that an index-based reading (the old behaviour) would pick the wrong one
    createMap(rt, { name: 'small', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 });
    const big = createMap(rt, { name: 'big', type: MapType.ARRAY, keySize: 4, valueSize: 64, maxEntries: 1, flags: 0 });
    // r1 = &big[0] + 0 (map value by id); r0 = *(u32 *)(r1 + 60); exit
    const lddw = (src: number, imm: number): Insn => ({ ...I(Op.LDDW, 1, src, 0, imm, 0), second: { opcode: 0, dst: 0, src: 0, off: 0 } });
    const prog = () => spec(ProgType.XDP, [lddw(2, big.id), I(Op.LDX_W, 0, 1, 60, 0), EXIT()]);
    expect(loadProgram(rt, prog(), { verify: kernelVerifier }).run({ data: frame }).retval).toBe(0);
    // the same load by an id that names no map: refused as the kernel refuses a bad fd
    const bad = spec(ProgType.XDP, [lddw(1, 999), MOV0(0), EXIT()]);
    expect(() => loadProgram(rt, bad, { verify: kernelVerifier })).toThrow(/fd 999 is not pointing to valid bpf_map/);
  });
});

describe('redirect targets', () => {
  it('bpf_redirect_map through a devmap records the map, key and device', () => {
    const c = obj('misc_rt');
    c.maps.devs!.update(new Uint8Array(4), new Uint8Array([1, 0, 0, 0]));
    const r = c.programs.misc!.run({ data: frame });
    expect(r.redirect).toEqual({ map: c.maps.devs!.id, key: 0, flags: 2, ifindex: 1 });
    const props = (k: number): bigint => new DataView(c.maps.props!.lookup(new Uint8Array([k, 0, 0, 0])).buffer).getBigInt64(0, true);
    expect([props(9), props(10), props(11)]).toEqual([4n, 1n, 0n]);
    expect(r.retval).toBe(0); // bpf_redirect with flags: XDP_ABORTED
  });
});

describe('events reach user space', () => {
  it('ring buffer records and perf event samples', () => {
    const h = obj('helpers_rt');
    h.programs.h_ringbuf!.run({ data: frame });
    const recs = (h.maps.rb as unknown as { consume(): Array<{ data: Uint8Array }> }).consume();
    expect(recs.map((r) => hex(r.data))).toEqual(['efcdab0000000000', '01000000000000000200000000000000']);
    const rt = new Runtime({ ncpus: 4 });
    rt.currentCpu = 0;
    const m = obj('misc_rt', rt);
    m.maps.events!.update(new Uint8Array(4), new Uint8Array([9, 0, 0, 0])); // a perf event fd stand-in on CPU 0
    m.programs.misc!.run({ data: frame });
    const props = (k: number): bigint => new DataView(m.maps.props!.lookup(new Uint8Array([k, 0, 0, 0])).buffer).getBigInt64(0, true);
    expect([props(6), props(7), props(8)]).toEqual([0n, -7n, -22n]);
    const ev = (m.maps.events as unknown as { readEvents(): Array<{ index: number; cpu: number; data: Uint8Array }> }).readEvents();
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ index: 0, cpu: 0 });
    expect(hex(ev[0]!.data)).toBe('0700000000000000');
  });
  it('runs on the CPU asked for with BPF_F_TEST_RUN_ON_CPU', () => {
    const rt = new Runtime({ ncpus: 4 });
    const m = obj('misc_rt', rt);
    m.maps.events!.update(new Uint8Array([2, 0, 0, 0]), new Uint8Array([9, 0, 0, 0]));
    expect(() => m.programs.misc!.run({ data: frame, cpu: 2, flags: 1 })).toThrow(TestRunError); // XDP takes no flags
    const t = obj('tracing_rt', rt);
    expect(t.programs.rtp!.run({ ctx: new Uint8Array(16), cpu: 3, flags: 1 }).retval).toBe(0);
    expect(() => t.programs.rtp!.run({ ctx: new Uint8Array(16), cpu: 9, flags: 1 })).toThrow(expect.objectContaining({ errno: 6 }));
    expect(() => t.programs.rtp!.run({ ctx: new Uint8Array(16), cpu: 1 })).toThrow(expect.objectContaining({ errno: 22 }));
  });
});

describe('loading accepts exactly the ctx accesses the kernel accepts (kernel-ctx.json)', () => {
  interface Case { type: number; attach: number; reads: Record<string, string>; writes: Record<string, string> }
  const k = JSON.parse(readFileSync(new URL('../../testdata/runtime/kernel-ctx.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };
  const LDX: Record<number, number> = { 1: Op.LDX_B, 2: Op.LDX_H, 4: Op.LDX_W, 8: Op.LDX_DW };
  const STX: Record<number, number> = { 1: Op.STX_B, 2: Op.STX_H, 4: Op.STX_W, 8: Op.STX_DW };
  for (const name of ['xdp', 'socket_filter', 'sched_cls', 'cgroup_skb_egress', 'kprobe', 'raw_tracepoint']) {
    it(name, () => {
      const c = k.cases[name]!;
      const rt = new Runtime();
      const diffs: string[] = [];
      const ok = (insns: Insn[]): boolean => {
        try { loadProgram(rt, spec(c.type, insns, 'GPL', c.attach)).close(); return true; } catch (e) {
          if (!(e instanceof ProgLoadError)) throw e;
          return false;
        }
      };
      for (const size of [1, 2, 4, 8]) {
        for (let off = 0; off < 200; off++) {
          const key = `${off}:${size}`;
          if (ok([I(LDX[size]!, 0, 1, off, 0), MOV0(0), EXIT()]) !== key in c.reads) diffs.push(`read ${key}`);
          if (ok([MOV0(0), I(STX[size]!, 1, 0, off, 0), EXIT()]) !== key in c.writes) diffs.push(`write ${key}`);
        }
      }
      expect(diffs).toEqual([]);
    });
  }
});

describe('sched_act and cgroup_skb egress', () => {
  it('run with their own types and verdicts', () => {
    const t = obj('tc_rt');
    expect(t.programs.act_mark!.spec.type).toBe(ProgType.SCHED_ACT);
    const r = t.programs.act_mark!.run({ data: frame, ctx: new Uint8Array(192) });
    expect(r.retval).toBe(2); // TC_ACT_SHOT: the frame is longer than 50 bytes
    expect(new DataView(r.ctx!.buffer).getUint32(8, true)).toBe(0xace);
    const s = obj('sock_rt');
    const p = s.programs.cg_out!;
    expect(p.spec.expectedAttachType).toBe(1);
    expect((p as unknown as { info: { retRange(a: number): unknown } }).info.retRange(1)).toEqual([0, 3]);
    expect(p.run({ data: frame }).retval).toBe(1); // len (from the network header) is 39
    expect(p.run({ data: new Uint8Array(80) }).retval).toBe(3);
  });
});

describe('ifindex / rxQueue shortcuts', () => {
  it('set the ingress device and queue', () => {
    const rt = new Runtime({ devices: [{ ifindex: 1, name: 'lo', mtu: 65536, mac: new Uint8Array(6), rxQueues: 1 }, { ifindex: 4, name: 'eth0', mtu: 1500, mac: new Uint8Array(6), rxQueues: 8 }] });
    const c = obj('xdp_rt', rt);
    const r = c.programs.xdp_fields!.run({ data: frame, ifindex: 4, rxQueue: 5 });
    expect(hex(r.data.subarray(0, 8))).toBe('04000000' + '05000000');
    expect(() => c.programs.xdp_fields!.run({ data: frame, ifindex: 4, rxQueue: 8 })).toThrow(TestRunError);
    expect(() => c.programs.xdp_fields!.run({ data: frame, ifindex: 9 })).toThrow(expect.objectContaining({ errno: 19 }));
    const t = obj('tc_rt', rt);
    expect(new DataView(t.programs.tc_fields!.run({ data: frame, ifindex: 4 }).ctx!.buffer).getUint32(56, true)).toBe(4);
  });
});

describe('raw_tracepoint ctx size', () => {
  it('must cover what the program reads (max_ctx_offset)', () => {
    const c = obj('tracing_rt');
    expect((c.programs.rtp as unknown as { maxCtxOffset: number }).maxCtxOffset).toBe(16);
    expect(() => c.programs.rtp!.run({ ctx: new Uint8Array(8) })).toThrow(/reads 16/);
    expect(c.programs.rtp!.run({ ctx: new Uint8Array(16) }).retval).toBe(0);
  });
});

describe('NAT with l3 / l4 checksum replacement', () => {
  const sum16 = (parts: Uint8Array[]): number => {
    let s = 0;
    for (const p of parts) for (let i = 0; i < p.length; i += 2) s += (p[i]! << 8) | (p[i + 1] ?? 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return s;
  };
  it.each([[IpProto.UDP, udp(1234, 53, text('hello world'))], [IpProto.TCP, tcp(40000, 80, 2, text('GET /'))]])(
    'protocol %i: both checksums stay valid', (proto, l4) => {
      const c = obj('skb2_rt');
      const f = ethernet('02:00:00:00:00:02', '02:00:00:00:00:01', EtherType.IPV4, ipv4('10.0.0.1', '10.0.0.2', proto, l4));
      const r = c.programs.t_nat!.run({ data: f });
      const ip = r.data.subarray(14, 34);
      expect(hex(ip.subarray(16, 20))).toBe('c0a80063');
      expect(sum16([ip])).toBe(0xffff);
      const seg = r.data.subarray(34);
      const pseudo = new Uint8Array(12);
      pseudo.set(ip.subarray(12, 20)); pseudo[9] = proto; pseudo[10] = seg.length >> 8; pseudo[11] = seg.length & 0xff;
      expect(sum16([pseudo, seg])).toBe(0xffff);
    });
});

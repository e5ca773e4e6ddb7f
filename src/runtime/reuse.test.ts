// Test runs reuse per-program state (ctx region, packet page, env) between calls, as the
// kernel reuses its buffers. Nothing of one run may leak into the next: bytes of an earlier
// (longer) frame, access bits made readable by an earlier run, a buffer a helper replaced.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryFault } from '../errors.js';
import { makeInsn, type Insn } from '../isa/insn.js';
import { Op } from '../isa/opcodes.js';
import { parseObject } from '../loader/index.js';
import type { ProgramSpec } from '../loader/types.js';
import { ethernet, ipv4, udp, text, EtherType, IpProto } from '../pcap/craft.js';
import { BpfFunc, ProgType } from '../uapi/bpf.js';
import { loadCollection, loadProgram } from './collection.js';
import { Runtime } from './runtime.js';
import type { Collection } from './types.js';

const obj = (name: string, rt?: Runtime): Collection =>
  loadCollection(parseObject(new Uint8Array(readFileSync(new URL(`../../testdata/runtime/${name}.o`, import.meta.url))), { name } as never), rt ? { runtime: rt } : {});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const frameOf = (payload: string) => ethernet('ff:ff:ff:ff:ff:ff', '02:00:00:00:00:01', EtherType.IPV4,
  ipv4('10.0.0.1', '10.0.0.2', IpProto.UDP, udp(1234, 53, text(payload))));

function spec(type: number, insns: Insn[]): ProgramSpec {
  let pc = 0;
  for (const i of insns) { i.pc = pc; pc += i.opcode === Op.LDDW ? 2 : 1; }
  return {
    name: 'hand', section: 'x', type: type as ProgramSpec['type'], expectedAttachType: 0 as ProgramSpec['expectedAttachType'], attachTo: '', flags: 0,
    license: 'GPL', kernelVersion: 0, insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
  };
}
const I = makeInsn;

describe('test runs reuse their buffers without leaking state', () => {
  it('a shorter frame after a longer one: grown tail bytes are zero, data_out is exact', () => {
    const c = obj('xdp_rt');
    const long = new Uint8Array(1500).fill(0xcd);
    long.set(frameOf('x').subarray(0, 14));
    const short = frameOf('hi');
    c.programs.xdp_tail!.run({ data: long });
    const r = c.programs.xdp_tail!.run({ data: short });
    // xdp_tail: -4 then +8 bytes, the new ones zero (the kernel's page is zeroed)
    expect(hex(r.data)).toBe(hex(short.subarray(0, short.length - 4)) + '00'.repeat(8));
    expect(hex(c.programs.xdp_pass!.run({ data: short }).data)).toBe(hex(short));
  });

  it('head adjustments accumulate over repeats of one call, not across calls', () => {
    const c = obj('xdp_rt');
    const f = frameOf('abc');
    for (let i = 0; i < 3; i++) expect(hex(c.programs.xdp_head!.run({ data: f }).data)).toBe('deadbeef' + hex(f));
    expect(hex(c.programs.xdp_head!.run({ data: f, repeat: 2 }).data)).toBe('deadbeef'.repeat(2) + hex(f));
    expect(hex(c.programs.xdp_head!.run({ data: f }).data)).toBe('deadbeef' + hex(f));
  });

  it('checked mode: headroom made readable by an earlier run faults again, naming pc and address', () => {
    const rt = new Runtime();
    // r0 = adjust_head(ctx, -8); then read data - 1 (in the headroom): a fault every time
    const p = loadProgram(rt, spec(ProgType.XDP, [
      I(Op.MOV64_X, 6, 1, 0, 0),
      I(Op.LDX_W, 2, 1, 0, 0), // data
      I(Op.LDX_B, 0, 2, -1, 0),
      I(Op.EXIT, 0, 0, 0, 0),
    ]));
    const grow = loadProgram(rt, spec(ProgType.XDP, [
      I(Op.MOV64_K, 2, 0, 0, -8),
      I(Op.CALL, 0, 0, 0, BpfFunc.xdp_adjust_head),
      I(Op.MOV64_K, 0, 0, 0, 2),
      I(Op.EXIT, 0, 0, 0, 0),
    ]));
    const f = frameOf('abc');
    for (let i = 0; i < 3; i++) {
      let err: unknown;
      try { p.run({ data: f }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(MemoryFault);
      expect((err as MemoryFault).pc).toBe(2);
      expect((err as MemoryFault).size).toBe(1);
      expect(grow.run({ data: f }).data.length).toBe(f.length + 8);
    }
  });

  it('a helper that moves the skb to a larger buffer: later runs get a fresh page', () => {
    const rt = new Runtime();
    // bpf_skb_change_head(skb, 200, 0): more than the 64 bytes of headroom, the buffer moves
    const p = loadProgram(rt, spec(ProgType.SCHED_CLS, [
      I(Op.MOV64_K, 2, 0, 0, 200),
      I(Op.MOV64_K, 3, 0, 0, 0),
      I(Op.CALL, 0, 0, 0, BpfFunc.skb_change_head),
      I(Op.EXIT, 0, 0, 0, 0),
    ]));
    const pass = loadProgram(rt, spec(ProgType.SCHED_CLS, [I(Op.MOV64_K, 0, 0, 0, 0), I(Op.EXIT, 0, 0, 0, 0)]));
    const f = frameOf('moved');
    for (let i = 0; i < 3; i++) {
      const r = p.run({ data: f });
      expect(r.retval).toBe(0);
      expect(hex(r.data)).toBe('00'.repeat(200) + hex(f));
      expect(hex(pass.run({ data: f }).data)).toBe(hex(f));
    }
    p.close();
    pass.close();
  });

  it('a closed program frees its run state; runs of other programs go on', () => {
    const c = obj('xdp_rt');
    const f = frameOf('abc');
    c.programs.xdp_pass!.run({ data: f });
    (c.programs.xdp_pass as unknown as { close(): void }).close();
    expect(() => c.programs.xdp_pass!.run({ data: f })).toThrow(/unloaded/);
    expect(hex(c.programs.xdp_swap!.run({ data: f }).data).length).toBe(f.length * 2);
  });
});

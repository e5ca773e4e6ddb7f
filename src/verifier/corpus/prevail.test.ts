// The PREVAIL translator on hand-written snippets (no corpus needed).

import { describe, expect, test } from 'vitest';
import { formatInsnLlvm } from '../../asm/disasm.js';
import { assemble } from '../../asm/assemble.js';
import { ProgType } from '../../uapi/bpf.js';
import { verifyProgram } from '../index.js';
import { buildPrevailProgram, liveIn, parsePre, type PrevailTest, prevailTestFromYaml, translatePrevailCode } from './prevail.js';

const T = (pre: string[], code: Record<string, string>, messages: string[] = []): PrevailTest => ({
  file: 'x.yaml', name: 'x', pre, post: [], messages, options: [],
  code: Object.entries(code).map(([k, v]) => [k, v.split('\n').filter((l) => l.trim())]),
});

function text(t: PrevailTest): string {
  const b = buildPrevailProgram(t);
  if (!b.expressible) throw new Error(b.reason);
  return b.prog.insns.map((i) => formatInsnLlvm(i)).join('\n');
}

describe('translatePrevailCode', () => {
  test('PREVAIL spellings become llvm-dialect lines', () => {
    const { lines } = translatePrevailCode([['<start>', [
      'r3 = r1;', 'r5=r5', 'lock *(u64 *)(r2 + 4) += r1 fetch', 'lock *(u32 *)(r2 + 4) x= r1', 'lock *(u64 *)(r2 + 0) cx= r1',
      'r1 s32= r2', 'w1 s8= r2', 'w1 = r2', 'r1 = swap16 r1', 'r1 = 0xffffffffffffffffll', 'r1 = map_fd 3', 'call 1; bpf_map_lookup_elem',
      'W = - W'.replace(/W/g, 'w4'), 'assume w1 < 5', 'if r1 &== 4 goto <out>', 'goto <out>',
    ]], ['<out>', ['exit']]]);
    expect(lines.map((l) => l.text)).toEqual([
      'r3 = r1', 'goto +0', 'r1 = atomic_fetch_add((u64 *)(r2 + 4), r1)', 'w1 = xchg32_32(r2 + 4, w1)', 'r0 = cmpxchg_64(r2 + 0, r0, r1)',
      'r1 = (s32)r2', 'w1 = (s8)w2', 'w1 = w2', 'r1 = bswap16 r1', 'r1 = 0xffffffffffffffff ll', 'r1 = map[map3] ll', 'call 1',
      'w4 = -w4', 'if w1 >= 5 goto %OFF%', 'if r1 & 4 goto %OFF%', 'goto %OFF%', 'exit',
    ]);
    expect(lines.filter((l) => l.target).map((l) => l.target)).toEqual(['__prevail_assume_failed', 'out', 'out']);
  });

  test('a jump with no BPF form is refused', () => {
    expect(() => translatePrevailCode([['<start>', ['if r1 &!= 4 goto <out>']]])).toThrow(/no BPF jump/);
  });
});

describe('parsePre', () => {
  test('registers, stack contents and the packet size', () => {
    const p = parsePre(['r1.type=number', 'r1.svalue=[0, 10]', 'r1.uvalue=r1.svalue', 'r2.type=stack', 'r2.stack_offset=504',
      's[504...511].type=number', 's[504...511].svalue=7', 'packet_size=[20, 65534]', 'meta_offset=0']);
    expect(p.regs.get(1)).toEqual({ t: 'number', sv: [0n, 10n], nonneg: true });
    expect(p.regs.get(2)).toEqual({ t: 'stack', off: 504 });
    expect(p.stack).toEqual([{ lo: 504, hi: 511, sv: 7n }]);
    expect(p.packetSize).toBe(20n);
  });
  test('relations and type unions are not expressible', () => {
    expect(() => parsePre(['r1.type=number', 'r1.svalue=r2.svalue'])).toThrow();
    expect(() => parsePre(['r1.type=[-1, 0]'])).toThrow();
  });
});

describe('liveIn', () => {
  test('registers read before written', () => {
    const { insns } = assemble('r0 = r2\nif r0 > 3 goto +1\nr3 = r4\nexit');
    expect([...liveIn(insns)].sort()).toEqual([2, 4]);
  });
  test('a helper call reads its arguments only', () => {
    const { insns } = assemble('r1 = 0\ncall 7\nexit');
    expect([...liveIn(insns)]).toEqual([]);
  });
});

describe('buildPrevailProgram', () => {
  test('constants and a stack pointer (the ctx register last); a fall-through end gets a clean exit', () => {
    expect(text(T(['r1.type=number', 'r1.svalue=5', 'r1.uvalue=5', 'r2.type=stack', 'r2.stack_offset=504'], { '<start>': 'r1 += r2' }))).toBe([
      'r2 = r10', 'r2 += -0x8', 'r1 = 0x5', 'r1 += r2', 'r0 = 0x0', 'exit',
    ].join('\n'));
  });

  test('an interval is an unknown u64 bounded by branches to a clean exit', () => {
    const b = buildPrevailProgram(T(['r3.type=number', 'r3.svalue=[-4, 4]'], { '<start>': 'r0 = r3\nexit' }));
    expect(b.expressible && b.type).toBe(ProgType.SCHED_CLS);
    expect(text(T(['r3.type=number', 'r3.svalue=[-4, 4]'], { '<start>': 'r0 = r3\nexit' }))).toBe([
      'r3 = *(u64 *)(r1 + 0x98)', 'if r3 s< -0x4 goto +0x3', 'if r3 s> 0x4 goto +0x2', 'r0 = r3', 'exit', 'r0 = 0x0', 'exit',
    ].join('\n'));
  });

  test('packet pointers: data, data_end and a bounds check for the packet size (XDP when ctx is given)', () => {
    const t = T(['r6.type=ctx', 'r6.ctx_offset=0', 'r2.type=packet', 'r2.packet_offset=0', 'r3.type=packet', 'r3.packet_offset=packet_size', 'packet_size=8'],
      { '<start>': 'r0 = *(u64 *)(r2 + 0)\nexit' });
    const b = buildPrevailProgram(t);
    expect(b.expressible && b.type).toBe(ProgType.XDP);
    expect(text(t)).toContain('r2 = *(u32 *)(r1 + 0x0)\nr3 = *(u32 *)(r1 + 0x4)');
    expect(text(t)).toContain('+= 0x8\nif ');
    expect(b.expressible && verifyProgram(b.prog, b.maps).ok).toBe(true);
    const t9 = T(t.pre, { '<start>': 'r0 = *(u64 *)(r2 + 1)\nexit' });
    const b9 = buildPrevailProgram(t9);
    expect(b9.expressible && verifyProgram(b9.prog, b9.maps).error?.message).toMatch(/invalid access to packet/);
  });

  test('map fds and non-null map values (direct value address of an ARRAY map)', () => {
    const b = buildPrevailProgram(T(['r1.type=map_fd', 'r1.map_fd=1', 'r2.type=shared', 'r2.shared_region_size=8', 'r2.shared_offset=0', 'r2.svalue=[1, 2147418112]'],
      { '<start>': 'call 1' }));
    if (!b.expressible) throw new Error(b.reason);
    expect([...b.maps.keys()].sort()).toEqual(['map1', 'shared8']);
    expect(b.prog.mapRefs.map((r) => r.kind).sort()).toEqual(['map', 'map_value']);
    expect(verifyProgram(b.prog, b.maps).ok).toBe(true);
  });

  test('a stack pointer with a range of offsets: r10 plus a bounded unknown', () => {
    const t = T(['r1.type=stack', 'r1.stack_offset=[500, 504]', 'r10.type=stack', 'r10.stack_offset=512'], { '<start>': 'r0 = *(u8 *)(r1 + 0)\nexit' });
    expect(text(t)).toContain('r1 = r10\nr1 += -0xc\nr1 += r');
    const b = buildPrevailProgram(t);
    expect(b.expressible && verifyProgram(b.prog, b.maps).ok).toBe(true);
  });

  test('rN.svalue=rM.svalue: the same number, a move at the end (linked ids in the kernel)', () => {
    const t = T(['r1.type=number', 'r1.svalue=[-5, 5]', 'r2.type=number', 'r2.svalue=[-5, 5]', 'r2.svalue=r1.svalue'], { '<start>': 'r0 = 0\nexit' });
    expect(text(t)).toContain('r2 = r1\nr0 = 0x0\nexit');
  });

  test('a maybe-null value comes from a real lookup', () => {
    const b = buildPrevailProgram(T(['r2.type=shared', 'r2.shared_region_size=4', 'r2.shared_offset=0', 'r2.svalue=[0, 2147418112]'],
      { '<start>': 'r0 = *(u32 *)(r2 + 0)\nexit' }));
    if (!b.expressible) throw new Error(b.reason);
    expect(verifyProgram(b.prog, b.maps).error?.message).toBe("R2 invalid mem access 'map_value_or_null'");
  });

  test('r1 uninitialised in pre but read: a helper call clears r1..r5 first', () => {
    const t = T([], { '<start>': 'r0 = r1\nexit' });
    expect(text(t).split('\n')[0]).toBe('call 0x7');
    const b = buildPrevailProgram(t);
    expect(b.expressible && verifyProgram(b.prog, b.maps).error?.message).toBe('R1 !read_ok');
  });

  test('not expressible: r0 read first after the call that clears r1, pointer ranges, big-endian', () => {
    const r = (t: PrevailTest): string => { const b = buildPrevailProgram(t); return b.expressible ? 'expressible' : b.reason; };
    expect(r(T([], { '<start>': 'r0 += r1\nexit' }))).toMatch(/r0 is read before written/);
    expect(r(T(['r1.type=packet', 'r1.packet_offset=[0, 4]'], { '<start>': 'exit' }))).toMatch(/range/);
    expect(r({ ...T([], { '<start>': 'r0 = 0\nexit' }), options: ['big_endian'] })).toMatch(/big-endian/);
    expect(r(T(['r10.type=stack', 'r10.stack_offset=500'], { '<start>': 'r0 = 0\nexit' }))).toMatch(/frame pointer/);
  });

  test('YAML records', () => {
    const t = prevailTestFromYaml({ 'test-case': 'n', pre: ['r1.type=ctx'], code: { '<start>': 'r0 = 0\nexit\n' }, post: [], messages: ['0: x'] }, 'f.yaml');
    expect(t).toEqual({ file: 'f.yaml', name: 'n', pre: ['r1.type=ctx'], code: [['<start>', ['r0 = 0', 'exit']]], post: [], messages: ['0: x'], options: [] });
    expect(prevailTestFromYaml({ foo: 1 }, 'f.yaml')).toBeUndefined();
  });
});

// Interpreter behaviour beyond the golden cases: the instruction budget, the 8-frame call
// limit, checked-mode faults (pc, address, size), unchecked-mode faults, helpers.

import { describe, expect, it } from 'vitest';
import { assemble } from '../asm/assemble.js';
import { InvalidInsnError, MemoryFault, RunError } from '../errors.js';
import { Cpu } from './cpu.js';
import { run } from './interpreter.js';
import { ADDR_HI, Memory } from './memory.js';
import { prepareProgram } from './program.js';

function prog(text: string) {
  return prepareProgram(assemble(text).insns);
}

function catchErr(fn: () => unknown): unknown {
  try { fn(); } catch (e) { return e; }
  throw new Error('expected an error');
}

describe('instruction budget', () => {
  const loop = prog('r0 = 0\nloop:\nr0 += 1\ngoto loop\n');
  it('stops a runaway program with a clear error', () => {
    const cpu = new Cpu();
    const e = catchErr(() => run(cpu, loop, { budget: 10_000 }));
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).code).toBe('RUN_BUDGET');
    expect((e as RunError).message).toMatch(/^pc \d: instruction budget of 10000 exhausted/);
    expect(cpu.executed).toBeGreaterThanOrEqual(10_000); // (counts the refused instruction too)
    // r0 counted the loop iterations that ran
    expect(Number(cpu.r0())).toBeGreaterThan(4000);
  });
  it('is configurable per cpu and per run; a program within budget completes', () => {
    const cpu = new Cpu();
    cpu.budget = 50;
    expect(() => run(cpu, loop)).toThrow(/budget of 50 exhausted/);
    const p = prog('r0 = 0\nr1 = 10\nloop:\nr0 += r1\nr1 -= 1\nif r1 != 0 goto loop\nexit');
    expect(run(cpu, p, { budget: 33 })).toBe(55n);
    expect(() => run(cpu, p, { budget: 32 })).toThrow(/budget of 32 exhausted/);
  });
  it('also in unchecked mode', () => {
    expect(() => run(new Cpu(), loop, { budget: 1000, checked: false })).toThrow(/budget of 1000 exhausted/);
  });
});

describe('bpf-to-bpf calls', () => {
  /** main calls f1, f1 calls f2 ... f(depth-1); the deepest returns 1, each caller adds 1. */
  function chain(calls: number): string {
    const lines = ['call local f1', 'exit'];
    for (let i = 1; i <= calls; i++) {
      lines.push(`f${i}:`);
      if (i < calls) lines.push(`call local f${i + 1}`, 'r0 += 1', 'exit');
      else lines.push('r0 = 1', 'exit');
    }
    return lines.join('\n');
  }
  it('runs 8 frames (main + 7 nested calls)', () => {
    expect(run(new Cpu(), prog(chain(7)))).toBe(7n);
  });
  it('refuses a 9th frame with a clear error', () => {
    const e = catchErr(() => run(new Cpu(), prog(chain(8))));
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).code).toBe('RUN_STACK');
    expect((e as RunError).message).toMatch(/call stack of 9 frames is too deep/);
  });
  it('unbounded recursion ends in the frame limit, not a hang', () => {
    expect(() => run(new Cpu(), prog('call local f\nexit\nf:\ncall local f\nexit'))).toThrow(/too deep/);
  });
  it('each frame has its own 512-byte stack and r6..r9 are preserved', () => {
    const p = prog([
      'r6 = 6', '*(u64 *)(r10 - 8) = r6', 'call local f', 'r1 = *(u64 *)(r10 - 8)', 'r0 += r1', 'r0 += r6', 'exit',
      'f:', 'r6 = 100', '*(u64 *)(r10 - 8) = r6', 'r0 = *(u64 *)(r10 - 8)', 'exit',
    ].join('\n'));
    expect(run(new Cpu(), p)).toBe(112n);
  });
});

describe('checked mode', () => {
  function withMem(bytes: number[]) {
    const mem = new Memory();
    const cpu = new Cpu(mem);
    const a = mem.alloc(bytes.length, { kind: 'user', name: 'test memory' });
    mem.write(a, Uint8Array.from(bytes));
    return { cpu, a, ptr: Memory.pointer(a) };
  }
  it('an out-of-bounds load names the pc, the address and the size', () => {
    const { cpu, a, ptr } = withMem([1, 2, 3, 4, 5, 6, 7, 8]);
    const e = catchErr(() => run(cpu, prog('r0 = 0\nr0 = *(u32 *)(r1 + 6)\nexit'), { args: [ptr] })) as MemoryFault;
    expect(e).toBeInstanceOf(MemoryFault);
    expect(e.pc).toBe(1);
    expect(e.size).toBe(4);
    expect(e.write).toBe(false);
    expect(e.address).toBe(ptr + 6n);
    expect(e.message).toBe(`pc 1: invalid read of 4 bytes at 0x${(ptr + 6n).toString(16)} (outside test memory: offset 6, size 8)`);
    void a;
  });
  it('stores, NULL and non-pointers are caught too', () => {
    const { cpu, ptr } = withMem([0, 0, 0, 0]);
    expect(() => run(cpu, prog('*(u64 *)(r1 + 0) = r1\nexit'), { args: [ptr] })).toThrow(/pc 0: invalid write of 8 bytes at 0x[0-9a-f]+ \(outside test memory/);
    expect(() => run(cpu, prog('r0 = *(u8 *)(r1 + 0)\nexit'), { args: [0n] })).toThrow(/^pc 0: invalid read of 1 byte at 0x0 \(NULL pointer\)$/);
    expect(() => run(cpu, prog('r1 = 0x1234 ll\nr0 = *(u16 *)(r1 - 2)\nexit'))).toThrow(/^pc 2: invalid read of 2 bytes at 0x1232/);
    expect(() => run(cpu, prog('lock *(u32 *)(r1 + 4) += r1\nexit'), { args: [ptr] })).toThrow(/pc 0: invalid (read|write) of 4 bytes/);
  });
  it('reading stack that was never written is a fault', () => {
    expect(() => run(new Cpu(), prog('r0 = *(u64 *)(r10 - 8)\nexit'))).toThrow(/pc 0: invalid read of 8 bytes at 0x[0-9a-f]+ \(uninitialized stack at offset -8\)/);
    expect(() => run(new Cpu(), prog('r0 = *(u8 *)(r10 + 0)\nexit'))).toThrow(/pc 0: invalid read of 1 byte/);
  });
  it('unchecked mode still faults cleanly outside the address space', () => {
    const e = catchErr(() => run(new Cpu(), prog('r1 = 0x7ffffff0 ll\nr0 = *(u64 *)(r1 + 0)\nexit'), { checked: false }));
    expect(e).toBeInstanceOf(RunError);
    expect((e as RunError).message).toMatch(/^pc 2: /);
  });
  it('results are the same checked and unchecked for valid accesses', () => {
    const text = 'r2 = 0x1122334455667788 ll\n*(u64 *)(r10 - 8) = r2\nr0 = *(u32 *)(r10 - 4)\nr3 = *(s16 *)(r10 - 2)\nr0 += r3\nexit';
    expect(run(new Cpu(), prog(text), { checked: true })).toBe(run(new Cpu(), prog(text), { checked: false }));
  });
});

describe('helpers and refusals', () => {
  it('calls helpers through the table and refuses unknown ones', () => {
    const cpu = new Cpu();
    cpu.helpers = [undefined, (c) => c.setNum(0, Number(c.u64(1) * 2n))];
    expect(run(cpu, prog('r1 = 21\ncall 1\nexit'))).toBe(42n);
    expect(() => run(cpu, prog('call 7\nexit'))).toThrow(/^pc 0: call to unknown helper 7$/);
  });
  it('prepareProgram refuses invalid encodings with the index and the reason', () => {
    const e = catchErr(() => prepareProgram(assemble('r0 = 0\ngoto +5\nexit').insns));
    expect(e).toBeInstanceOf(InvalidInsnError);
    expect((e as InvalidInsnError).index).toBe(1);
    expect((e as InvalidInsnError).message).toBe('insn 1: jump out of range from insn 1 to 7');
  });
  it('pointers are plain 64-bit values with the address-space tag', () => {
    const mem = new Memory();
    const a = mem.alloc(8, { kind: 'user', name: 'm' });
    expect(run(new Cpu(mem), prog('r0 = r1\nexit'), { args: [Memory.pointer(a)] }) >> 32n).toBe(BigInt(ADDR_HI >>> 0));
  });
});

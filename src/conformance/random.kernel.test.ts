// Random programs, interpreter vs kernel: straight-line ALU/ALU64 code over random 64-bit
// values (every operation, immediate and register forms, byte swaps, sign extensions,
// division by registers that may hold 0), stack loads/stores/atomics of every width (plain,
// sign-extending, fetch, xchg, cmpxchg, acquire/release) and short forward conditional
// jumps of every kind, then r0 = a mix of all registers and stack slots. The kernel's answer must be ours. Seeded, so a
// failure names a program that can be replayed (TSBPF_RANDOM_SEED).

import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { describeKernel, pinDir } from '../../test/support/kernel.js';
import { encode, type Insn, makeInsn } from '../isa/insn.js';
import { INSN_FORMS, type InsnForm } from '../isa/table.js';
import { formatInsnLlvm } from '../asm/disasm.js';
import type { DataCase } from './data.js';
import { runCaseOnKernel } from './kernel.js';
import { runCase } from './run.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALU = INSN_FORMS.filter((f) => f.kind === 'alu');
/** Stack accesses: loads (plain and sign-extending), stores, atomics, acquire/release. */
const MEM = INSN_FORMS.filter((f) => f.kind === 'ldx' || f.kind === 'st' || f.kind === 'stx' || f.kind === 'atomic');
const SLOTS = 8; // r10-64 .. r10-1, all initialised first
const JMP = INSN_FORMS.filter((f) => f.kind === 'jmp' && f.op !== 'ja');
const REGS = 6; // r0..r5

function program(seed: number, length: number): Insn[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  const imm32 = (): number => {
    const k = int(5);
    return k === 0 ? int(64) - 32 : k === 1 ? (r() * 4294967296) | 0 : k === 2 ? pick([0x7fffffff, -0x80000000, -1, 1, 0x80, 0xffff]) : (int(2000) - 1000);
  };
  const out: Insn[] = [];
  for (let i = 0; i < REGS; i++) {
    const lo = (r() * 4294967296) | 0, hi = int(4) === 0 ? 0 : (r() * 4294967296) | 0;
    const l = makeInsn(INSN_FORMS.find((f) => f.id === 'lddw_imm')!.opcode, i, 0, 0, lo, hi);
    l.second = { opcode: 0, dst: 0, src: 0, off: 0 };
    out.push(l);
  }
  const alu = (f: InsnForm): Insn => {
    const dst = int(REGS), src = int(REGS);
    let imm = f.imm === 'fixed' ? f.fixedImm! : f.useImm ? imm32() : 0;
    if (f.useImm && (f.op === 'lsh' || f.op === 'rsh' || f.op === 'arsh')) imm = int(f.is64 ? 64 : 32); // the verifier refuses others
    if (f.useImm && (f.op === 'div' || f.op === 'mod' || f.op === 'sdiv' || f.op === 'smod') && imm === 0) imm = 3; // and division by a zero immediate
    return makeInsn(f.opcode, dst, f.src === 'any' ? src : 0, f.off === 'fixed' ? f.fixedOff! : 0, imm);
  };
  const stdw = INSN_FORMS.find((f) => f.id === 'stdw')!;
  for (let k = 1; k <= SLOTS; k++) out.push(makeInsn(stdw.opcode, 10, 0, -8 * k, imm32()));
  const mem = (f: InsnForm): Insn => {
    const size = f.size!;
    const off = -8 * SLOTS + size * int((8 * SLOTS) / size); // aligned, inside the initialised slots
    // dst is the base (r10) except for loads and load-acquire, whose base is src
    const loads = f.kind === 'ldx' || f.op === 'load_acq';
    const dst = loads ? int(REGS) : 10;
    const src = loads ? 10 : f.src === 'any' ? int(REGS) : 0;
    return makeInsn(f.opcode, dst, src, off, f.imm === 'fixed' ? f.fixedImm! : f.kind === 'st' ? imm32() : 0);
  };
  while (out.length < REGS + SLOTS + length) {
    if (int(4) === 0) out.push(mem(pick(MEM)));
    else if (int(6) === 0) {
      // if (cond) skip the next one or two ALU instructions
      const f = pick(JMP);
      const skip = 1 + int(2);
      out.push(makeInsn(f.opcode, int(REGS), f.useImm ? 0 : int(REGS), skip, f.useImm ? imm32() : 0));
      for (let k = 0; k < skip; k++) out.push(int(3) === 0 ? mem(pick(MEM)) : alu(pick(ALU)));
    } else out.push(alu(pick(ALU)));
  }
  const xor = INSN_FORMS.find((f) => f.id === 'xor64_reg')!;
  const ldxdw = INSN_FORMS.find((f) => f.id === 'ldxdw')!;
  const rot = INSN_FORMS.find((f) => f.id === 'lsh64_imm')!;
  for (let i = 1; i < REGS; i++) out.push(makeInsn(xor.opcode, 0, i, 0, 0));
  // and the stack: r0 = rotl-ish mix of every slot
  for (let k = 1; k <= SLOTS; k++) {
    out.push(makeInsn(ldxdw.opcode, 1, 10, -8 * k, 0), makeInsn(rot.opcode, 0, 0, 0, 3), makeInsn(xor.opcode, 0, 1, 0, 0));
  }
  out.push(makeInsn(INSN_FORMS.find((f) => f.id === 'exit')!.opcode, 0, 0, 0, 0));
  return out;
}

function toCase(name: string, insns: Insn[]): DataCase {
  const bytes = encode(insns);
  const dv = new DataView(bytes.buffer);
  const raw: bigint[] = [];
  for (let i = 0; i < bytes.length; i += 8) raw.push(dv.getBigUint64(i, true));
  return { name, raw, mem: new Uint8Array(), result: 0n, noRegisterOffset: false };
}

const BASE = Number(process.env.TSBPF_RANDOM_SEED ?? 20261130);
const COUNT = Number(process.env.TSBPF_RANDOM_COUNT ?? 24);

describeKernel('random ALU/JMP programs: interpreter = kernel', () => {
  // created when the tests run (not when they are collected, which happens when skipped too)
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => { pins = pinDir('random'); });
  afterAll(() => pins?.remove());
  for (let n = 0; n < COUNT; n++) {
    const seed = BASE + n;
    it(`seed ${seed}`, () => {
      const insns = program(seed, 40);
      const c = toCase(`seed-${seed}`, insns);
      const ours = runCase(c);
      const k = runCaseOnKernel(c, pins.path);
      const listing = () => insns.map((i) => formatInsnLlvm(i, { hex: true })).join('\n');
      if ('skip' in k) throw new Error(`not runnable on the kernel: ${k.skip}`);
      expect(k.ok ? `0x${k.r0.toString(16)}` : `kernel: ${k.error}`, listing()).toBe(ours.ok ? `0x${ours.r0.toString(16)}` : `ours: ${ours.error}`);
    });
  }
});

describe('random programs: checked = unchecked interpreter', () => {
  it('200 programs', () => {
    for (let n = 0; n < 200; n++) {
      const c = toCase(`seed-${BASE + 1000 + n}`, program(BASE + 1000 + n, 40));
      const a = runCase(c, { checked: true }), b = runCase(c, { checked: false });
      expect(a.ok && b.ok && a.r0 === b.r0, `seed ${BASE + 1000 + n}`).toBe(true);
    }
  });
});

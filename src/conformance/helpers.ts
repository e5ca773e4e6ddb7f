// The helper functions the bpf_conformance suite calls (ids 0..5, as its uBPF plugin
// registers them). They are test fixtures, not kernel helpers.

import { Control, type Cpu, type HelperFn } from '../vm/cpu.js';

export interface ConformanceHelpers {
  helpers: Array<HelperFn | undefined>;
}

export function conformanceHelpers(): ConformanceHelpers {
  const helpers: Array<HelperFn | undefined> = [];
  // 0: gather_bytes(a, b, c, d, e) = a:b:c:d:e bytes
  helpers[0] = (cpu: Cpu) => {
    const b = (n: number) => cpu.u32(n) & 0xff;
    cpu.set(0, ((b(2) << 24) | (b(3) << 16) | (b(4) << 8) | b(5)) | 0, b(1));
  };
  // 1: memfrob(p, n): xor n bytes at p with 42
  helpers[1] = (cpu: Cpu) => {
    const p = cpu.addr(1), n = cpu.num(2);
    if (n > 0 && (p < 0 || !cpu.mem.canWrite(p, n))) throw cpu.helperFault(`memfrob: bad buffer`);
    for (let i = 0; i < n; i++) cpu.mem.u8[p + i]! ^= 42;
    cpu.set(0, 0, 0);
  };
  // 2: no_op
  helpers[2] = (cpu: Cpu) => cpu.set(0, 0, 0);
  // 3: sqrti(a)
  helpers[3] = (cpu: Cpu) => cpu.setNum(0, Math.floor(Math.sqrt(Number(cpu.u64(1)))));
  // 4: strcmp_ext(a, b)
  helpers[4] = (cpu: Cpu) => {
    const u8 = cpu.mem.u8;
    let a = cpu.addr(1), b = cpu.addr(2);
    if (a < 0 || b < 0) throw cpu.helperFault('strcmp: bad pointer');
    for (;;) {
      const x = u8[a++]!, y = u8[b++]!;
      if (x !== y || x === 0) { cpu.setNum(0, 0); cpu.setBig(0, BigInt(x - y)); return; }
    }
  };
  // 5: unwind(a): returns a; when a == 0 the program stops at once with r0 = 0
  helpers[5] = (cpu: Cpu) => {
    cpu.set(0, cpu.regs[2]!, cpu.regs[3]!);
    if (cpu.regs[2] === 0 && cpu.regs[3] === 0) cpu.control = Control.EXIT;
  };
  return { helpers };
}

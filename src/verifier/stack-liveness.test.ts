// Stack slot liveness in pruning (stack-liveness.ts): a state that differs from an explored
// one only in slots nothing reads any more is pruned, and one that differs in a slot
// something still reads — directly, through a pointer, in a subprogram, by a helper or a
// bpf_loop callback — is not. Each unsafe case explores a safe path to the join first,
// so it is refused only if the slot is seen as live there. The kernel's verdict is
// checked live where a kernel is at hand; a differential fuzz checks that liveness never
// accepts what comparing every slot refuses, and runs what it accepts in checked mode.
import { describe, expect, test } from 'vitest';
import { loadProgram } from '../runtime/program.js';
import { Runtime } from '../runtime/runtime.js';
import { MapType, ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';
import { asmProgram, kernelAvailable, kernelLoad, mapSpec, XDP_JOIN_PRELUDE, xdpSpec } from './testing.js';

interface LCase {
  name: string;
  type?: number;
  /** Verify as an unprivileged load (default privileged). */
  privileged?: boolean;
  maps?: Array<[string, number, number, number, number]>;
  asm: string;
  expect: 'accept' | 'reject';
  /** No raw-bytecode kernel check (callbacks need BTF func info). */
  noKernel?: boolean;
  /** The dead-slot cases: liveness must explore fewer instructions than comparing every slot. */
  fewer?: boolean;
}

// the prelude and the split have enough jumps and insns that the first path checkpoints at the join
const XDP_PRE = XDP_JOIN_PRELUDE;
/** fp-8 holds 100 on the branch taken (explored second) and 0 on the fall-through. */
const SPLIT = `r1 = 0
r5 = 100
*(u64 *)(r10 - 8) = r5
if r4 > 1000 goto +0
if r8 != 0 goto +2
r5 = 0
*(u64 *)(r10 - 8) = r5
`;
/** Use r5 as a packet offset behind a 14-byte bounds check. */
/** fp-8 holds a pointer on the branch taken and a scalar on the fall-through: unequal unless dead. */
const SPLIT_PTR = `r1 = 0
r5 = 100
*(u64 *)(r10 - 8) = r6
if r4 > 1000 goto +0
if r8 != 0 goto +2
r5 = 0
*(u64 *)(r10 - 8) = r5
`;
const PKT_USE = `r7 = r2
r7 += 14
if r7 > r3 goto +2
r2 += r5
r0 = *(u8 *)(r2 + 0)
r0 = 0
exit`;

const CASES: LCase[] = [
  { name: 'read_after_join', expect: 'reject', asm: `${XDP_PRE}${SPLIT}r5 = 0\nr5 = *(u64 *)(r10 - 8)\n${PKT_USE}` },
  {
    name: 'read_through_derived_pointer', expect: 'reject',
    asm: `${XDP_PRE}${SPLIT}r1 = r10\nr1 += -16\nr5 = *(u64 *)(r1 + 8)\n${PKT_USE}`,
  },
  {
    name: 'read_after_partial_overwrite', expect: 'reject',
    // fp-4..fp-1 are zero bytes on the fall-through and misc on the branch; a 4-byte store to
    // the other half of the slot does not replace it, and the read sees the zero or misc bytes
    asm: `${XDP_PRE}r0 = 0
r0 = 0
r1 = 0
*(u32 *)(r10 - 4) = 100
if r4 > 1000 goto +0
if r8 != 0 goto +1
*(u32 *)(r10 - 4) = 0
r5 = 0
*(u32 *)(r10 - 8) = r5
r5 = *(u32 *)(r10 - 4)
${PKT_USE}`,
  },
  {
    name: 'read_by_subprogram', expect: 'reject',
    asm: `${XDP_PRE}${SPLIT}r1 = r10
r1 += -8
call +2
r0 = 0
exit
r5 = *(u64 *)(r1 + 0)
${PKT_USE}`,
  },
  {
    name: 'read_by_nested_subprogram', expect: 'reject',
    asm: `${XDP_PRE}${SPLIT}r1 = r10
r1 += -8
call +2
r0 = 0
exit
call +2
r0 = 0
exit
r5 = *(u64 *)(r1 + 0)
${PKT_USE}`,
  },
  {
    // unprivileged: a helper reading uninitialised stack is refused (the kernel allows it to root)
    name: 'key_read_by_helper', expect: 'reject', privileged: false, noKernel: true, type: ProgType.SOCKET_FILTER,
    maps: [['h', MapType.HASH, 8, 8, 4]],
    // fp-8 is written on the fall-through only (the prelude and split shaped as the others)
    asm: `${XDP_PRE}r1 = 0
r5 = 100
r0 = 0
if r4 > 1000 goto +0
if r8 != 0 goto +2
r5 = 0
*(u64 *)(r10 - 8) = r5
r2 = r10
r2 += -8
r1 = map[h] ll
call 1
r0 = 0
exit`,
  },
  {
    name: 'read_by_loop_callback', expect: 'reject', noKernel: true,
    asm: `${XDP_PRE}*(u64 *)(r10 - 16) = r2
*(u64 *)(r10 - 24) = r3
${SPLIT}r1 = 2
r2 = func[+7] ll
r3 = r10
r3 += -24
r4 = 0
call 181
r0 = 0
exit
r5 = *(u64 *)(r2 + 16)
r3 = *(u64 *)(r2 + 0)
r1 = *(u64 *)(r2 + 8)
r2 = r1
r7 = r2
r7 += 14
if r7 > r3 goto +2
r2 += r5
r0 = *(u8 *)(r2 + 0)
r0 = 0
exit`,
  },
  {
    name: 'dead_after_overwrite', expect: 'accept', fewer: true,
    // the slot is overwritten before any read: the join prunes although it differs there
    asm: `${XDP_PRE}${SPLIT_PTR}r5 = 0\nr1 = r4\nif r1 > 3 goto +1\nr1 = 3\nif r1 > 7 goto +1\nr1 = 7\nif r1 > 9 goto +1\nr1 = 9\n*(u64 *)(r10 - 8) = r5\nr5 = *(u64 *)(r10 - 8)\n${PKT_USE}`,
  },
  {
    name: 'dead_never_read', expect: 'accept', fewer: true,
    asm: `${XDP_PRE}${SPLIT_PTR}r5 = 0\nr1 = r4\nif r1 > 3 goto +1\nr1 = 3\nif r1 > 7 goto +1\nr1 = 7\nif r1 > 9 goto +1\nr1 = 9\n${PKT_USE}`,
  },
];

const processed = (log: string): number => Number(/processed (\d+) insns/.exec(log)?.[1] ?? -1);

function build(c: LCase) {
  return asmProgram(c.asm, { type: c.type, maps: (c.maps ?? []).map((m) => mapSpec(...m)) });
}

describe('stack liveness: live slots keep states apart, dead ones do not', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const { prog, maps } = build(c);
      const privileged = c.privileged ?? true;
      const r = verifyProgram(prog, maps, { logLevel: 2, privileged });
      expect(r.ok ? 'accept' : 'reject', r.log.slice(-3000)).toBe(c.expect);
      const all = verifyProgram(prog, maps, { logLevel: 1, stackLiveness: false, privileged });
      expect(all.ok).toBe(r.ok);
      if (c.fewer) expect(processed(r.log)).toBeLessThan(processed(all.log));
      if (r.ok && !c.maps) {
        const rt = new Runtime({ ncpus: 1 });
        const p = loadProgram(rt, prog);
        for (const n of [14, 15, 24, 60]) p.run({ data: new Uint8Array(n).fill(3) });
      }
    });
  }
  test.skipIf(!kernelAvailable())('the kernel gives the same verdicts', () => {
    for (const c of CASES) {
      if (c.noKernel) continue;
      const { prog, maps } = build(c);
      const k = kernelLoad(prog, maps, 1)!;
      expect(k.ok ? 'accept' : 'reject', `${c.name}: ${k.log.slice(-500)}`).toBe(c.expect);
    }
  }, 120000);
});

// ---- differential fuzz: liveness accepts only what comparing every slot accepts ----

let seed = 0x5eed1234;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return (seed >>> 8) % n;
}
function pick<T>(a: readonly T[]): T { return a[rnd(a.length)]!; }

/** A bounds check of 32 bytes, then r as an offset into the packet. */
function pktUse(r: number): string[] {
  return ['r1 = r2', 'r1 += 32', 'if r1 > r3 goto +3', 'r1 = r2', `r1 += r${r}`, 'r0 = *(u8 *)(r1 + 0)'];
}

/**
 * Branches over stores and loads of four slots (direct, through derived pointers, narrow),
 * then packet uses. Jumps count whole units, so none lands inside a multi-insn one.
 */
function randomProgram(): string {
  const slots = [8, 16, 24, 32];
  const units: string[][] = [];
  const jumps: Array<{ unit: number; skip: number }> = [];
  const n = 10 + rnd(22);
  for (let i = 0; i < n; i++) {
    const left = n - i - 1;
    const r = pick([5, 7, 8, 9]);
    const skip = Math.min(1 + rnd(4), left);
    switch (rnd(12)) {
      case 0: units.push([`r${r} = ${rnd(3) ? rnd(24) : rnd(300)}`]); break;
      case 1: jumps.push({ unit: units.length, skip }); units.push([`if r4 ${pick(['==', '!=', '>', '<', '&'])} ${rnd(8)} goto`]); break;
      case 2: jumps.push({ unit: units.length, skip }); units.push([`if r${r} ${pick(['>', '<', '==', '!='])} ${rnd(30)} goto`]); break;
      case 3: units.push([`*(u64 *)(r10 - ${pick(slots)}) = r${r}`]); break;
      case 4: units.push([`r${r} = *(u64 *)(r10 - ${pick(slots)})`, ...(rnd(2) ? pktUse(r) : [])]); break;
      case 5: units.push([`*(u${pick([8, 16, 32])} *)(r10 - ${pick(slots)}) = r${r}`]); break;
      case 6: units.push([`*(u64 *)(r10 - ${pick(slots)}) = ${rnd(2) ? rnd(20) : rnd(300)}`]); break;
      case 7: { const s = pick(slots); units.push(['r1 = r10', `r1 += -${s + 8}`, `r${r} = *(u64 *)(r1 + 8)`]); break; }
      case 8: units.push([`r${r} = *(u${pick([8, 16, 32])} *)(r10 - ${pick(slots)})`]); break;
      case 9: units.push([`r${r} ${pick(['+=', '&=', '>>=', '|='])} ${rnd(16)}`]); break;
      case 10: units.push(pktUse(r)); break;
      default: units.push([`r${r} = r${pick([5, 7, 8, 9])}`]); break;
    }
  }
  for (const j of jumps) {
    let insns = 0;
    for (let k = j.unit + 1; k <= j.unit + j.skip && k < units.length; k++) insns += units[k]!.length;
    units[j.unit]![0] += ` +${insns}`;
  }
  const l = ['r6 = r1', 'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = *(u32 *)(r6 + 12)', 'r0 = 0',
    'r5 = 0', 'r7 = 0', 'r8 = 0', 'r9 = 0', ...slots.map((s) => `*(u64 *)(r10 - ${s}) = r5`)];
  return [...l, ...units.flat(), 'r0 = 0', 'exit'].join('\n');
}

describe('stack liveness: differential with whole-stack comparison', () => {
  test('random programs: liveness accepts only what whole-stack pruning accepts', () => {
    const runs = Number(process.env.STACK_LIVENESS_FUZZ_RUNS ?? 600);
    let accepted = 0;
    let rejected = 0;
    let saved = 0;
    const rt = new Runtime({ ncpus: 1 });
    rt.cpu.budget = 100_000;
    for (let i = 0; i < runs; i++) {
      const text = randomProgram();
      const spec = xdpSpec(text);
      const a = verifyProgram(spec, new Map(), { logLevel: 1 });
      const b = verifyProgram(spec, new Map(), { logLevel: 1, stackLiveness: false });
      if (a.ok && !b.ok && b.error?.code !== 'TOO_LARGE') expect.fail(`liveness accepted what whole-stack pruning refuses (${b.error?.message}):\n${text}`);
      if (a.ok && b.ok && processed(a.log) < processed(b.log)) saved++;
      if (!a.ok) { rejected++; continue; }
      accepted++;
      const p = loadProgram(rt, spec);
      try {
        for (const len of [14, 33, 64]) p.run({ data: new Uint8Array(len).map(() => rnd(256)) });
      } catch (e) { throw new Error(`${(e as Error).message}\n${text}`); }
    }
    // the generator must exercise both verdicts and pruning that liveness changes
    expect(accepted).toBeGreaterThan(runs / 10);
    expect(rejected).toBeGreaterThan(runs / 10);
    expect(saved).toBeGreaterThan(0);
  }, 300000);
});

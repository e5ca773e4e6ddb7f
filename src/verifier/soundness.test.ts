// Soundness, fixed seed. (1) Random XDP programs built from plausible pieces (packet, stack
// and context pointers, bounds checks, ALU on scalars, loads and stores); every program the
// verifier accepts is run in checked mode on random packets and must never fault (no
// out-of-bounds access). VERIFIER_FUZZ_RUNS=N runs more. (2) The campaign of
// src/verifier/soundness/ on a fixed-seed sample: generated programs of five types and
// mutated programs of the committed clang objects, every accepted one run in checked mode
// (no out-of-bounds access, no uninitialised stack read, no pointer leak, no helper misuse);
// with a kernel, the kernel must not refuse for a safety reason anything tsbpf accepts.
// VERIFIER_SOUNDNESS_RUNS=N runs more; scripts/verifier-soundness.mjs runs large campaigns.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BpfError } from '../errors.js';
import { loadProgram } from '../runtime/program.js';
import { Runtime } from '../runtime/runtime.js';
import { MapType, ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';
import { asmProgram, mapSpec, xdpSpec } from './testing.js';
import type { MapSpec } from '../maps/types.js';
import { describeKernel } from '../../test/support/kernel.js';
import { loadSeedlings, runCampaign, type Failure } from './soundness/campaign.js';
import { generate } from './soundness/generator.js';
import { mutate } from './soundness/mutator.js';
import { Rng } from './soundness/rng.js';

let seed = 0x9e3779b9;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
}

const SIZES = ['u8', 'u16', 'u32', 'u64'];
const ALU = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>='];
const CMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's<', '&'];

function randomProgram(): string {
  const lines = ['r6 = r1', 'r2 = *(u32 *)(r6 + 0)', 'r3 = *(u32 *)(r6 + 4)', 'r4 = r10', 'r0 = 0', 'r5 = 0', 'r7 = 0', 'r8 = 0', 'r9 = 0'];
  const n = 6 + rnd(14);
  for (let i = 0; i < n; i++) {
    const left = n - i;
    switch (rnd(9)) {
      case 0: lines.push(`r${pick([0, 5, 7, 8, 9])} ${ALU[rnd(ALU.length)]} ${rnd(3) ? rnd(70) - 6 : rnd(1 << 20)}`); break;
      case 1: lines.push(`r${pick([0, 5, 7, 8, 9])} = r${pick([0, 2, 3, 4, 5, 7, 8, 9])}`); break;
      case 2: lines.push(`r${pick([2, 4, 5, 7, 8])} += ${rnd(40) - 20}`); break;
      case 3: lines.push(`r${pick([0, 5, 7, 8, 9])} = *(${SIZES[rnd(4)]} *)(r${pick([2, 4, 5, 7, 8])} ${pm(rnd(40) - 24)})`); break;
      case 4: lines.push(`*(${SIZES[rnd(4)]} *)(r${pick([2, 4, 5, 7, 8])} ${pm(rnd(40) - 24)}) = r${pick([0, 5, 7, 9])}`); break;
      case 5: lines.push(`if r${pick([2, 5, 7, 8])} ${CMP[rnd(CMP.length)]} r3 goto +${Math.min(rnd(4), left)}`); break;
      case 6: lines.push(`if r${pick([0, 5, 7, 8, 9])} ${CMP[rnd(CMP.length)]} ${rnd(64)} goto +${Math.min(rnd(4), left)}`); break;
      case 7: lines.push(`r${pick([2, 4, 5, 7, 8])} += r${pick([0, 5, 7, 8, 9])}`); break;
      default: lines.push(`r${pick([5, 7, 8])} = r${pick([2, 4])}`); break;
    }
  }
  lines.push('r0 = 0', 'exit');
  return lines.join('\n');
}
function pick<T>(a: readonly T[]): T { return a[rnd(a.length)]!; }
function pm(v: number): string { return v < 0 ? `- ${-v}` : `+ ${v}`; }

describe('soundness: accepted programs never fault', () => {
  test('random XDP programs', () => {
    const rt = new Runtime({ ncpus: 1 });
    rt.cpu.budget = 100_000;
    const runs = Number(process.env.VERIFIER_FUZZ_RUNS ?? 1500);
    let accepted = 0;
    for (let i = 0; i < runs; i++) {
      const text = randomProgram();
      const spec = xdpSpec(text);
      // unprivileged rules: the checked interpreter also faults on reads of uninitialised stack
      const r = verifyProgram(spec, new Map(), { privileged: false });
      if (!r.ok) continue;
      accepted++;
      const p = loadProgram(rt, spec);
      try {
        for (let k = 0; k < 4; k++) {
          const data = new Uint8Array(14 + rnd(60)).map(() => rnd(256));
          try {
            p.run({ data });
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
            expect(e.code, `accepted program faulted: ${e.message}\n${text}`).not.toBe('RUN_OOB');
          }
        }
      } finally {
        p.close();
      }
    }
    expect(accepted).toBeGreaterThan(runs / 20);
  }, 300000);
});

const ROOT = new URL('../../', import.meta.url).pathname;
const show = (f: readonly Failure[]): string => f.slice(0, 3).map((x) => `${x.kind} [${x.mode}] ${x.origin}: ${x.detail}\n${x.text}`).join('\n\n');

describe('soundness campaign (generated and mutated programs)', () => {
  const seedlings = loadSeedlings([join(ROOT, 'testdata'), join(ROOT, 'examples')]);

  test('the generator covers five program types and the mutator keeps programs loadable', () => {
    const r = new Rng(7);
    const types = new Set<number>();
    for (let i = 0; i < 200; i++) types.add(generate(r).prog.type);
    expect([...types].sort((a, b) => a - b)).toEqual([ProgType.SOCKET_FILTER, ProgType.KPROBE, ProgType.SCHED_CLS, ProgType.XDP, ProgType.RAW_TRACEPOINT].sort((a, b) => a - b));
    expect(seedlings.length).toBeGreaterThan(50);
    // mutants keep their map references on lddw instructions
    let edited = 0;
    for (let i = 0; i < 300; i++) {
      const s = r.pick(seedlings);
      const { prog, edits } = mutate(s.prog, r);
      if (edits.length) edited++;
      for (const ref of prog.mapRefs) expect(prog.insns.find((x) => x.pc === ref.insn)?.opcode).toBe(0x18);
    }
    expect(edited).toBeGreaterThan(280);
  });

  test('fixed-seed sample: accepted programs never fault, read uninitialised stack or leak pointers', () => {
    const runs = Number(process.env.VERIFIER_SOUNDNESS_RUNS ?? 2000);
    const { counts, failures } = runCampaign({ runs, seed: 1, seedlings });
    expect(failures, show(failures)).toEqual([]);
    expect(counts.verifierCrashes).toBe(0);
    // the sample is meaningful: a good share is accepted and run under both rule sets
    expect(counts.acceptedPriv).toBeGreaterThan(runs / 8);
    expect(counts.acceptedUnpriv).toBeGreaterThan(runs / 10);
    expect(counts.runs).toBeGreaterThan(runs / 2);
  }, 600000);
});

// Findings of the campaign, kept as regression cases: each must be refused.
const FOUND: Array<{ name: string; text: string; type: number; attach?: number; privileged: boolean; maps?: MapSpec[] }> = [
  {
    // unprivileged: a helper reading a spilled pointer from the stack leaks it (map_update_elem stored it in a map value)
    name: 'spilled pointer passed to map_update_elem', privileged: false, type: ProgType.XDP,
    maps: [mapSpec('hsh', MapType.HASH, 8, 16, 8)],
    text: `*(u64 *)(r10 - 8) = 1
*(u64 *)(r10 - 24) = r1
*(u64 *)(r10 - 16) = 0
r1 = map[hsh] ll
r2 = r10
r2 += -8
r3 = r10
r3 += -24
r4 = 0
call 2
r0 = 2
exit`,
  },
  {
    // check_mtu's mtu_len is read (MEM_WRITE without MEM_UNINIT): it must be initialised; the helper does not always write it
    name: 'check_mtu with an uninitialised mtu_len', privileged: false, type: ProgType.SCHED_CLS,
    text: `*(u8 *)(r10 - 4) = 0
r3 = r10
r3 += -4
r2 = 0
r4 = 0
r5 = 0
call 163
r0 = *(u32 *)(r10 - 4)
exit`,
  },
  {
    // seen while pruning with precision tracking was being written: R0 = 65 reached exit through a pruned path
    name: 'cgroup_skb return value 65 on one branch', privileged: true, type: ProgType.CGROUP_SKB,
    text: `r0 = 0
r3 = *(u32 *)(r1 + 80)
r2 = *(u32 *)(r1 + 76)
r4 = r2
r4 += 20
if r4 > r3 goto +12
r3 = *(u8 *)(r2 + 8)
*(u32 *)(r1 + 8) = r3
r3 = *(u32 *)(r1 + 88)
*(u32 *)(r1 + 48) = r3
r3 = *(u32 *)(r1 + 92)
*(u32 *)(r1 + 52) = r3
r3 = *(u32 *)(r1 + 96)
*(u32 *)(r1 + 56) = r3
r1 = *(u8 *)(r2 + 9)
r0 = 65
if r1 == 17 goto +1
r0 = 0
exit`,
  },
];

// bpf_snprintf's format is checked at load time against the u64 count in R5 (check_bpf_snprintf_call)
const fmtMap = (): MapSpec => ({
  ...mapSpec('ro', MapType.ARRAY, 4, 16, 1, 0x80), freeze: true,
  contents: [{ key: new Uint8Array(4), value: new Uint8Array([...new TextEncoder().encode('%d %d'), ...new Array(11).fill(0)]) }],
});
const snprintf = (dataLen: number): string => `*(u64 *)(r10 - 16) = 1
*(u64 *)(r10 - 8) = 2
r1 = r10
r1 += -48
r2 = 16
r3 = map_value[ro] ll
r4 = r10
r4 += -16
r5 = ${dataLen}
call 165
r0 = 2
exit`;
FOUND.push({ name: 'bpf_snprintf with fewer arguments than conversions', privileged: true, type: ProgType.XDP, maps: [fmtMap()], text: snprintf(8) });

FOUND.push({
  // unprivileged: a pointer stored into a map value leaks it (only atomics were checked)
  name: 'map value pointer stored into the map value', privileged: false, type: ProgType.XDP,
  maps: [mapSpec('arr', MapType.ARRAY, 4, 24, 3)],
  text: `*(u32 *)(r10 - 4) = 1
r1 = map[arr] ll
r2 = r10
r2 += -4
call 1
if r0 == 0 goto +1
*(u64 *)(r0 + 6) = r0
r0 = 1
exit`,
});

describe('soundness campaign findings stay fixed', () => {
  test('bpf_snprintf with as many arguments as conversions is accepted', () => {
    const { prog, maps } = asmProgram(snprintf(16), { type: ProgType.XDP, maps: [fmtMap()] });
    const r = verifyProgram(prog, maps, {});
    expect(r.ok, r.log).toBe(true);
  });

  for (const f of FOUND) {
    test(f.name, () => {
      const { prog, maps } = asmProgram(f.text, { type: f.type, maps: f.maps ?? [], expectedAttachType: f.attach ?? 0 });
      const r = verifyProgram(prog, maps, { privileged: f.privileged });
      expect(r.ok).toBe(false);
      // the unprivileged rules are what refuses these (the privileged ones allow them, as the kernel's)
      if (!f.privileged) expect(verifyProgram(prog, maps, { privileged: true }).ok, r.log).toBe(true);
    });
  }
});

describeKernel('soundness campaign against the kernel', () => {
  test('the kernel refuses nothing tsbpf accepts for a safety reason', () => {
    const seedlings = loadSeedlings([join(ROOT, 'testdata'), join(ROOT, 'examples')]);
    const { counts, failures } = runCampaign({ runs: Number(process.env.VERIFIER_SOUNDNESS_KERNEL_RUNS ?? 400), seed: 1, seedlings, kernelEvery: 1 });
    const safety = failures.filter((f) => f.kind === 'kernel-safety' || !f.kind.startsWith('kernel-'));
    expect(safety, show(safety)).toEqual([]);
    expect(counts.kernel.bothAccept).toBeGreaterThan(counts.kernel.asked / 2);
  }, 600000);
});

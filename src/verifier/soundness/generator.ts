// Random programs for the soundness campaign, beyond XDP: socket filters, tc classifiers,
// kprobes and raw tracepoints built from plausible pieces — ctx fields, packet pointers with
// bounds checks, stack slots (spills, fills, possibly uninitialised reads), map values after a
// lookup (the null check sometimes missing), helpers with sizes, bpf-to-bpf calls, bounded
// loops, variable offsets, pointer returns and pointer stores. Most are wrong somewhere: the
// point is that every program the verifier accepts must be safe (see oracle.ts).

import type { ProgramSpec } from '../../loader/types.js';
import type { MapSpec } from '../../maps/types.js';
import { MapType, ProgType } from '../../uapi/bpf.js';
import { asmProgram, mapSpec } from '../testing.js';
import type { Rng } from './rng.js';

export const GEN_TYPES = [ProgType.XDP, ProgType.SCHED_CLS, ProgType.SOCKET_FILTER, ProgType.KPROBE, ProgType.RAW_TRACEPOINT] as const;

export interface Generated {
  prog: ProgramSpec;
  maps: Map<string, MapSpec>;
  /** Assembly text (for reproducers). */
  text: string;
  /** The program has a loop (running out of instruction budget is then not a finding). */
  loops: boolean;
}

const SIZES = ['u8', 'u16', 'u32', 'u64'] as const;
const ALU = ['+=', '-=', '*=', '&=', '|=', '^=', '<<=', '>>=', 's>>=', '/=', '%='];
const CMP = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];

interface TypeShape {
  pkt?: { data: number; end: number };
  /** ctx offsets worth reading (and writing). */
  fields: number[];
  writable: number[];
  tracing: boolean;
  skb: boolean;
  ret: number[];
}

const SKB_FIELDS = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 140, 144, 152, 168, 176, 184];
const SHAPES: Record<number, TypeShape> = {
  [ProgType.XDP]: { pkt: { data: 0, end: 4 }, fields: [0, 4, 8, 12, 16, 20, 24], writable: [], tracing: false, skb: false, ret: [0, 1, 2, 3, 4, 7] },
  [ProgType.SCHED_CLS]: { pkt: { data: 76, end: 80 }, fields: SKB_FIELDS, writable: [8, 32, 44, 48, 52, 56, 60, 64, 72, 12], tracing: false, skb: true, ret: [0, 1, 2, 7, -1] },
  [ProgType.SOCKET_FILTER]: { fields: SKB_FIELDS, writable: [48, 52, 56, 60, 64, 8], tracing: false, skb: true, ret: [0, 1, 64, 0xffff] },
  [ProgType.KPROBE]: { fields: [0, 8, 16, 24, 32, 40, 80, 104, 112, 128, 160, 164, 168], writable: [0], tracing: true, skb: false, ret: [0, 1] },
  [ProgType.RAW_TRACEPOINT]: { fields: [0, 8, 16, 24, 40, 88, 96], writable: [0], tracing: true, skb: false, ret: [0, 1] },
};

/** The two maps every generated program may use. */
export function genMaps(r: Rng): Map<string, MapSpec> {
  const arr = mapSpec('arr', MapType.ARRAY, 4, r.pick([4, 8, 12, 16, 24, 48, 64]), r.range(1, 4));
  const hsh = mapSpec('hsh', MapType.HASH, 8, r.pick([8, 16, 32]), 8);
  return new Map([['arr', arr], ['hsh', hsh]]);
}

export function generate(r: Rng, type: number = r.pick(GEN_TYPES)): Generated {
  const sh = SHAPES[type]!;
  const maps = genMaps(r);
  const arrVs = maps.get('arr')!.valueSize, hshVs = maps.get('hsh')!.valueSize;
  const L: string[] = [];
  const subs: string[][] = [];
  let nlabel = 0;
  const label = (): string => `L${nlabel++}`;
  const pending: Array<{ at: number; name: string }> = [];
  let loops = false;
  const P = (): string => r.pick(['r7', 'r8']);
  const S = (): string => r.pick(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r9']);
  const off = (): number => (r.chance(0.8) ? r.range(-8, 24) : r.range(-520, 520));
  const pm = (v: number): string => (v < 0 ? `- ${-v}` : `+ ${v}`);
  const stackOff = (): number => -(r.chance(0.85) ? 8 * r.range(1, 8) : r.range(1, 520));

  const setPtr = (reg: string): void => {
    switch (r.int(sh.pkt ? 5 : 4)) {
      case 0: L.push(`${reg} = r10`, `${reg} += ${stackOff()}`); break;
      case 1: L.push(`${reg} = r6`); break;
      case 2: case 3: {
        const hash = r.chance(0.3);
        if (hash) {
          if (r.chance(0.93)) L.push(`*(u64 *)(r10 - 16) = ${r.range(0, 9)}`);
          L.push('r1 = map[hsh] ll', 'r2 = r10', 'r2 += -16');
        } else {
          if (r.chance(0.93)) L.push(`*(u32 *)(r10 - 4) = ${r.range(0, 5)}`);
          L.push('r1 = map[arr] ll', 'r2 = r10', 'r2 += -4');
        }
        L.push('call 1');
        if (r.chance(0.92)) L.push(r.chance(0.9) ? 'if r0 == 0 goto Lexit' : `if r0 != 0 goto +1\nr0 = r${r.pick([0, 6, 10])}`);
        L.push(`${reg} = r0`);
        break;
      }
      default: {
        const k = r.pick([1, 2, 4, 8, 14, 20, 34, 54, 64]);
        L.push(`${reg} = *(u32 *)(r6 + ${sh.pkt!.data})`, `r2 = *(u32 *)(r6 + ${sh.pkt!.end})`, `r1 = ${reg}`, `r1 += ${k + (r.chance(0.1) ? r.range(-2, 2) : 0)}`);
        L.push(r.pick([`if r1 > r2 goto Lexit`, `if r1 > r2 goto Lexit`, `if r2 < r1 goto Lexit`, `if r1 >= r2 goto Lexit`, `if r2 > r1 goto Lexit`]));
        break;
      }
    }
  };

  const scalarSrc = (): void => {
    switch (r.int(5)) {
      case 0: L.push('call 7', 'r9 = r0'); break;
      case 1: L.push(`r9 = *(${r.pick(SIZES)} *)(${P()} ${pm(off())})`); break;
      case 2: L.push(`r9 = ${r.chance(0.5) ? r.range(-4, 70) : r.u32() | 0}`); break;
      case 3: L.push(`r9 = *(u32 *)(r6 + ${r.pick(sh.fields)})`); break;
      default: L.push(`r9 ${r.pick(ALU)} ${r.range(-3, 64)}`); break;
    }
  };

  const helperSized = (): void => {
    const size = r.chance(0.7) ? `r2 = ${r.pick([0, 1, 4, 8, 16, 24, 64, 65])}` : `r2 = r9`;
    switch (r.int(sh.skb ? 4 : 3)) {
      case 0: // probe_read_kernel(dst, size, src)
        L.push('r1 = r10', `r1 += ${stackOff()}`, size, `r3 = ${r.pick(['r7', 'r8', 'r6', 'r9'])}`, 'call 113');
        break;
      case 1: // probe_read_kernel into a pointer register (map value / packet / ctx)
        L.push(`r1 = ${P()}`, size, 'r3 = r10', 'r3 += -8', 'call 113');
        break;
      case 2: // csum_diff(from, from_size, to, to_size, seed)
        L.push(`r1 = ${P()}`, size.replace('r2 = r9', 'r2 = r9'), 'r3 = 0', 'r4 = 0', 'r5 = 0', 'call 28');
        break;
      default: // skb_load_bytes(ctx, off, to, len)
        L.push('r1 = r6', `r2 = ${r.range(0, 40)}`, `r3 = ${r.chance(0.8) ? 'r10' : P()}`, `r3 += ${r.chance(0.8) ? stackOff() : r.range(-4, 16)}`,
          r.chance(0.7) ? `r4 = ${r.pick([1, 2, 4, 8, 16, 32, 0])}` : 'r4 = r9', 'call 26');
    }
    if (r.chance(0.3)) L.push('r9 = r0');
  };

  const block = (depth: number): void => {
    switch (r.int(22)) {
      case 0: case 1: setPtr(P()); break;
      case 2: case 3: L.push(`${S()} = *(${r.pick(SIZES)} *)(${P()} ${pm(off())})`); break;
      case 4: L.push(`*(${r.pick(SIZES)} *)(${P()} ${pm(off())}) = ${r.chance(0.5) ? r.pick(['r9', 'r0', 'r7', 'r8', 'r10', 'r6']) : String(r.range(-5, 300))}`); break;
      case 5: scalarSrc(); break;
      case 6: { // variable offset
        L.push('r1 = r9');
        if (r.chance(0.8)) L.push(`r1 &= ${r.pick([1, 3, 7, 15, 31, 63, 255, 0xffff])}`);
        L.push(`${P()} += r1`);
        break;
      }
      case 7: L.push(`if r9 ${r.pick(CMP)} ${r.range(0, 70)} goto ${r.chance(0.6) ? 'Lexit' : branch()}`); break;
      case 8: helperSized(); break;
      case 9: { // stack slots
        const o = stackOff();
        if (r.chance(0.5)) L.push(`*(${r.pick(SIZES)} *)(r10 ${pm(o)}) = ${r.pick(['r9', 'r7', 'r8', 'r6', '0', '7'])}`);
        else L.push(`${r.pick(['r9', 'r7', 'r8', 'r0'])} = *(${r.pick(SIZES)} *)(r10 ${pm(o)})`);
        break;
      }
      case 10: { // ctx field
        if (r.chance(0.7) || !sh.writable.length) L.push(`${S()} = *(${r.chance(0.7) ? 'u32' : r.pick(SIZES)} *)(r6 ${pm(r.pick(sh.fields) + (r.chance(0.1) ? r.range(-3, 3) : 0))})`);
        else L.push(`*(${r.chance(0.8) ? 'u32' : r.pick(SIZES)} *)(r6 + ${r.pick(sh.writable)}) = r9`);
        break;
      }
      case 11: L.push(`${P()} ${r.pick(['+=', '-=', '+=', '&=', '<<='])} ${r.range(-16, 32)}`); break;
      case 12: if (depth < 1) loop(depth); break;
      case 13: call(); break;
      case 14: if (sh.skb && type !== ProgType.SCHED_CLS ? true : r.chance(0.3)) {
        L.push(r.chance(0.5) ? `r0 = *(${r.pick(['u8', 'u16', 'u32'])} *)skb[${r.range(0, 80)}]` : `r0 = *(${r.pick(["u8", "u16", "u32"])} *)skb[r9 ${pm(r.range(-2, 30))}]`);
      } break;
      case 15: { // map update from stack
        L.push(`*(u64 *)(r10 - 16) = ${r.range(0, 12)}`);
        const vo = -(8 * r.range(3, 12));
        if (r.chance(0.8)) for (let i = 0; i < hshVs; i += 8) L.push(`*(u64 *)(r10 ${pm(vo + i)}) = ${r.pick(['r9', '1', 'r7'])}`);
        L.push('r1 = map[hsh] ll', 'r2 = r10', 'r2 += -16', 'r3 = r10', `r3 += ${vo}`, 'r4 = 0', 'call 2');
        break;
      }
      case 17: L.push(`if w9 ${r.pick(CMP)} ${r.range(-2, 70)} goto ${r.chance(0.6) ? 'Lexit' : branch()}`); break; // 32-bit bounds
      case 18: L.push(r.chance(0.5) ? `w9 ${r.pick(ALU)} ${r.range(-8, 70)}` : `w9 = w${r.pick([0, 9, 1])}`); break;
      case 19: // sign extension: movsx and ldsx
        L.push(r.chance(0.5) ? `r9 = (s${r.pick([8, 16, 32])})r9` : `r9 = *(s${r.pick([8, 16, 32])} *)(${P()} ${pm(off())})`);
        break;
      case 20: { // signed checks instead of a mask before a variable offset
        L.push('r1 = r9', `if r1 s> ${r.range(0, 64)} goto Lexit`);
        if (r.chance(0.75)) L.push(`if r1 s< ${r.range(-2, 0)} goto Lexit`);
        L.push(`${P()} += r1`);
        break;
      }
      default: L.push(`${S()} ${r.pick(ALU)} ${r.chance(0.5) ? S() : String(r.range(-8, 70))}`); break;
    }
    // close forward branches whose time has come
    for (let i = pending.length - 1; i >= 0; i--) {
      if (--pending[i]!.at <= 0) { L.push(`${pending[i]!.name}:`); pending.splice(i, 1); }
    }
  };
  const branch = (): string => {
    const name = label();
    pending.push({ at: r.range(1, 3), name });
    return name;
  };
  const loop = (depth: number): void => {
    loops = true;
    const top = label();
    const n = r.range(1, 9);
    L.push('r9 = 0', `${top}:`);
    const saved = pending.splice(0);
    const k = r.range(1, 3);
    for (let i = 0; i < k; i++) {
      switch (r.int(3)) {
        case 0: L.push('r1 = r9', `r1 <<= ${r.pick([0, 1, 2, 3])}`, `r2 = ${P()}`, 'r2 += r1', `${r.pick(['r0', 'r3'])} = *(${r.pick(SIZES)} *)(r2 ${pm(off())})`); break;
        case 1: L.push('r1 = r10', `r1 += ${stackOff()}`, 'r2 = r9', `r2 <<= ${r.pick([0, 3])}`, 'r1 += r2', `*(u${r.pick([8, 32, 64])} *)(r1 + 0) = r9`); break;
        default: block(depth + 1);
      }
    }
    for (const p of pending.splice(0)) L.push(`${p.name}:`);
    pending.push(...saved);
    L.push('r9 += 1', `if r9 ${r.pick(['<', '<', '<=', '!=', 's<'])} ${n} goto ${top}`);
  };
  const call = (): void => {
    const idx = subs.length;
    const sub: string[] = [];
    switch (r.int(4)) {
      case 0: sub.push(`r0 = *(${r.pick(SIZES)} *)(r1 ${pm(off())})`, 'exit'); L.push(`r1 = ${r.pick(['r7', 'r8', 'r10', 'r9'])}`); break;
      case 1: sub.push(`*(u64 *)(r10 - 8) = r1`, `r0 = *(u64 *)(r10 ${pm(r.chance(0.8) ? -8 : stackOff())})`, 'exit'); L.push('r1 = r9'); break;
      case 2: sub.push('r0 = r1', `r0 &= ${r.pick([3, 7, 63, 0xfff])}`, 'exit'); L.push('r1 = r9'); break;
      default: sub.push(`*(u64 *)(r1 ${pm(off())}) = r2`, 'r0 = 0', 'exit'); L.push(`r1 = ${r.pick(['r7', 'r8', 'r10'])}`, 'r2 = r9'); break;
    }
    subs.push(sub);
    L.push(`call @S${idx}`, r.chance(0.6) ? 'r9 = r0' : `${r.pick(['r7', 'r8'])} += r0`);
  };

  L.push('r6 = r1', 'r9 = 0');
  setPtr('r7');
  if (r.chance(0.6)) setPtr('r8');
  else L.push('r8 = r10', 'r8 += -64');
  const n = r.chance(0.5) ? r.range(1, 5) : r.range(3, 14);
  for (let i = 0; i < n; i++) block(0);
  for (const p of pending.splice(0)) L.push(`${p.name}:`);
  L.push('Lexit:');
  L.push(r.chance(0.04) ? `r0 = ${r.pick(['r7', 'r8', 'r10', 'r6'])}` : `r0 = ${r.pick(sh.ret)}`, 'exit');
  const subStart: number[] = [];
  for (const s of subs) { subStart.push(-1); L.push(`@SUB${subStart.length - 1}`, ...s); }

  // resolve `call @Sk` to pc-relative calls (slots: lddw = 2, labels = 0)
  const lines = L.join('\n').split('\n');
  const slotOf: number[] = [];
  let slot = 0;
  for (const l of lines) {
    slotOf.push(slot);
    if (/^@SUB|:$/.test(l)) continue;
    slot += / ll$/.test(l) ? 2 : 1;
  }
  lines.forEach((l, i) => { const m = /^@SUB(\d+)$/.exec(l); if (m) subStart[Number(m[1])] = slotOf[i]!; });
  const out = lines.map((l, i) => {
    const m = /^call @S(\d+)$/.exec(l);
    return m ? `call ${pm(subStart[Number(m[1])]! - slotOf[i]! - 1).replace(' ', '')}` : l;
  }).filter((l) => !l.startsWith('@SUB'));
  const text = out.join('\n');
  let prog: ProgramSpec;
  try {
    prog = asmProgram(text, { type, maps: [...maps.values()] }).prog;
  } catch (e) {
    throw new Error(`generator produced bad assembly (${e instanceof Error ? e.message : String(e)}):\n${text}`);
  }
  prog.name = 'gen';
  return { prog, maps, text, loops };
}

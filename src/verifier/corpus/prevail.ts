// PREVAIL's YAML test data (vbpf/ebpf-verifier test-data/*.yaml) as whole kernel programs.
//
// A PREVAIL test is an abstract precondition (`pre`: "r1.type=ctx", "r2.type=packet",
// "r3.svalue=[0, 10]", "s[504...511].type=number"...), a code fragment in PREVAIL's assembly
// (`<label>:` blocks, `assume` pseudo-instructions, `lock ... fetch` atomics, `map_fd N`) and
// PREVAIL's expected messages. This module:
//
//  * translates the code to instructions (`translatePrevailCode`): labels become offsets,
//    `assume c` becomes a branch to a clean exit when c is false, `rX = rX` (PREVAIL's
//    spelling of a nop) becomes `goto +0`, a fall-through end gets `r0 = 0; exit`;
//  * builds a real program entry that establishes the precondition (`buildPrevailProgram`):
//    constants, unknown scalars (a u64 context field, or two u32 ones), intervals (branches to
//    the clean exit), stack pointers, stack contents, ctx, packet pointers with a bounds check
//    giving the lower packet size, map fds and non-null map value pointers (BPF_PSEUDO_MAP_VALUE
//    of an ARRAY map), maybe-null values (a real lookup). A test is expressible only when every
//    register the code may read before writing has the same initialisation as in `pre`
//    (the kernel always starts with r1 = ctx and r10 = fp; a helper call uninitialises r1..r5);
//    anything else (relations between registers, type unions, big-endian, pointer ranges) is
//    reported as not expressible with a reason.
//
// Pure data in and out: the YAML is parsed by the caller (the corpus test uses `yaml`).

import { BpfError } from '../../errors.js';
import type { Insn } from '../../isa/insn.js';
import type { ProgramSpec } from '../../loader/types.js';
import type { MapSpec } from '../../maps/types.js';
import { helperProto } from '../../helpers/protos.js';
import { MapType, ProgType } from '../../uapi/bpf.js';
import { asmProgram } from '../testing.js';

export interface PrevailTest {
  file: string;
  name: string;
  pre: string[];
  /** Blocks in order: [label, lines]. */
  code: Array<[string, string[]]>;
  post: string[];
  messages: string[];
  options: string[];
}

/** A test record as PREVAIL's YAML holds it (after YAML parsing). */
export function prevailTestFromYaml(doc: Record<string, unknown>, file: string): PrevailTest | undefined {
  if (!doc || typeof doc !== 'object' || typeof doc['test-case'] !== 'string') return undefined;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
  const code: Array<[string, string[]]> = [];
  const c = doc['code'];
  if (c && typeof c === 'object') for (const [k, v] of Object.entries(c as Record<string, unknown>)) code.push([k, String(v ?? '').split('\n').filter((l) => l.trim() !== '')]);
  return { file, name: doc['test-case'] as string, pre: list(doc['pre']), code, post: list(doc['post']), messages: list(doc['messages']), options: list(doc['options']) };
}

/** A PREVAIL test (or line) with no faithful kernel program: the reason is the message. */
export class PrevailUnsupported extends BpfError {
  constructor(message: string) { super('PREVAIL_UNSUPPORTED', message); }
}

// ---- code ------------------------------------------------------------------------------------

/** One translated line: llvm-dialect text, with a symbolic target for jumps and local calls. */
interface Line {
  text: string;
  slots: number;
  /** Jump/call target label: the text holds `%OFF%` where the offset goes. */
  target?: string;
  /** Map reference (map_fd N / map_val(N)). */
  map?: { kind: 'map' | 'map_value'; name: string; offset: number };
}

const NEGATE: Record<string, string> = { '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>', 's<': 's>=', 's>=': 's<', 's>': 's<=', 's<=': 's>' };

export const FAIL_LABEL = '__prevail_assume_failed';
export const END_LABEL = '__prevail_end';

function label(s: string): string {
  const m = /^<(.+)>$/.exec(s.trim());
  return m ? m[1]! : s.trim();
}

/** Map names the translation uses for PREVAIL's map fds. */
export function mapName(fd: number, programs = false): string { return programs ? `prog${fd}` : `map${fd}`; }

function translateLine(raw: string): Line {
  let s = raw.split(';')[0]!.trim();
  if (s === '') return { text: 'goto +0', slots: 1 };
  s = s.replace(/([0-9a-fA-F])ll$/, '$1 ll').replace(/\s+/g, ' ');
  let m: RegExpExecArray | null;
  if ((m = /^r(\d+) ?= ?r(\d+)$/.exec(s)) && m[1] === m[2]) return { text: 'goto +0', slots: 1 };
  // 32-bit statements name their operands w: `w1 = r2` is `w1 = w2`, `if w1 > r2` is `if w1 > w2`
  if (/^(if |assume )?w\d+ /.test(s) && !/\(r\d+/.test(s)) s = s.replace(/\br(\d+)\b/g, 'w$1');
  if ((m = /^assume ([rw]\d+) (==|!=|<=|>=|<|>|s<=|s>=|s<|s>) (-?\w+)$/.exec(s))) {
    return { text: `if ${m[1]} ${NEGATE[m[2]!]} ${m[3]} goto %OFF%`, slots: 1, target: FAIL_LABEL };
  }
  if (/^assume /.test(s)) throw new PrevailUnsupported(`assume form not expressible: ${s}`);
  if ((m = /^if (.+) goto (<[^>]+>)$/.exec(s))) {
    const cond = m[1]!;
    if (/&==|&!=/.test(cond)) {
      if (/&==/.test(cond)) return { text: `if ${cond.replace('&==', '&')} goto %OFF%`, slots: 1, target: label(m[2]!) };
      throw new PrevailUnsupported(`no BPF jump for ${s}`);
    }
    return { text: `if ${cond} goto %OFF%`, slots: 1, target: label(m[2]!) };
  }
  if ((m = /^goto (<[^>]+>)$/.exec(s))) return { text: 'goto %OFF%', slots: 1, target: label(m[1]!) };
  if ((m = /^call (<[^>]+>)$/.exec(s))) return { text: 'call %OFF%', slots: 1, target: label(m[1]!) };
  if ((m = /^(r\d+) = map_fd (\d+)$/.exec(s))) return { text: `${m[1]} = map[${mapName(Number(m[2]))}] ll`, slots: 2 };
  if ((m = /^(r\d+) = map_val\((\d+)\) \+ (\d+)$/.exec(s))) return { text: `${m[1]} = map_value[${mapName(Number(m[2]))}]+${m[3]} ll`, slots: 2 };
  // atomics: lock *(uN *)(rD + off) OP= rS [fetch]
  if ((m = /^lock \*\(u(32|64) \*\)\((r\d+) ?([+-]) ?(\d+)\) (\+|\||&|\^|x|cx)= r(\d+)( fetch)?$/.exec(s))) {
    const [, bits, dst, sign, off, op, srcN, fetch] = m;
    const w = bits === '32' ? 'w' : 'r';
    const addr = `${dst} ${sign} ${off}`;
    const names: Record<string, string> = { '+': 'add', '|': 'or', '&': 'and', '^': 'xor' };
    if (op === 'x') return { text: `${w}${srcN} = ${bits === '32' ? 'xchg32_32' : 'xchg_64'}(${addr}, ${w}${srcN})`, slots: 1 };
    if (op === 'cx') return { text: `${w}0 = ${bits === '32' ? 'cmpxchg32_32' : 'cmpxchg_64'}(${addr}, ${w}0, ${w}${srcN})`, slots: 1 };
    if (fetch) return { text: `${w}${srcN} = atomic_fetch_${names[op!]}((u${bits} *)(${addr}), ${w}${srcN})`, slots: 1 };
    return { text: `lock *(u${bits} *)(${addr}) ${op}= ${bits === '32' && op !== '+' ? 'w' : 'r'}${srcN}`, slots: 1 };
  }
  if ((m = /^([rw]\d+) s(8|16|32)= ([rw])(\d+)$/.exec(s))) return { text: `${m[1]} = (s${m[2]})${m[1]![0]}${m[4]}`, slots: 1 };
  if ((m = /^([rw]\d+) = - ?([rw]\d+)$/.exec(s))) return { text: `${m[1]} = -${m[2]}`, slots: 1 };
  if ((m = /^(r\d+) = swap(16|32|64) (r\d+)$/.exec(s))) return { text: `${m[1]} = bswap${m[2]} ${m[3]}`, slots: 1 };
  if ((m = /^callx (r\d+)$/.exec(s))) return { text: `callx ${m[1]}`, slots: 1 };
  if (/ ll$/.test(s)) return { text: s, slots: 2 };
  return { text: s, slots: 1 };
}

export interface TranslatedCode {
  /** llvm-dialect lines with numeric offsets, ready for the assembler (after a prefix of `prefixSlots`). */
  lines: Line[];
  labels: Map<string, number>;
  usesAssume: boolean;
  fallsThrough: boolean;
  mapFds: Set<number>;
}

/** PREVAIL code blocks → lines (labels resolved later, once the prefix length is known). */
export function translatePrevailCode(blocks: Array<[string, string[]]>): { lines: Line[]; blockStarts: Array<[string, number]> } {
  const lines: Line[] = [];
  const blockStarts: Array<[string, number]> = [];
  for (const [name, body] of blocks) {
    blockStarts.push([label(name), lines.length]);
    for (const l of body) lines.push(translateLine(l));
  }
  return { lines, blockStarts };
}

// ---- register use/def for the liveness check -------------------------------------------------

interface UseDef { use: number[]; def: number[]; succ: number[]; fallsThrough: boolean }

function useDef(i: Insn, idx: number, pcToIdx: Map<number, number>): UseDef {
  const f = i.form;
  const next = idx + 1;
  if (!f) return { use: [], def: [], succ: [next], fallsThrough: true };
  const R15 = [1, 2, 3, 4, 5];
  switch (f.kind) {
    case 'alu': {
      const use: number[] = [];
      if (f.op !== 'mov' && f.op !== 'movsx') use.push(i.dst);
      if (!f.useImm && f.op !== 'neg' && f.op !== 'le' && f.op !== 'be' && f.op !== 'bswap') use.push(i.src);
      return { use, def: [i.dst], succ: [next], fallsThrough: true };
    }
    case 'lddw': return { use: [], def: [i.dst], succ: [next], fallsThrough: true };
    case 'ldx': return { use: [i.src], def: [i.dst], succ: [next], fallsThrough: true };
    case 'st': return { use: [i.dst], def: [], succ: [next], fallsThrough: true };
    case 'stx': return { use: [i.dst, i.src], def: [], succ: [next], fallsThrough: true };
    case 'atomic': {
      const cmpx = f.op.includes('cmpxchg');
      const fetch = f.op.includes('fetch') || f.op.includes('xchg') || f.op.includes('load');
      return { use: cmpx ? [i.dst, i.src, 0] : [i.dst, i.src], def: cmpx ? [0] : fetch ? [i.src] : [], succ: [next], fallsThrough: true };
    }
    case 'ldabs': case 'ldind':
      return { use: f.kind === 'ldind' ? [6, i.src] : [6], def: [0, ...R15], succ: [next], fallsThrough: true };
    case 'jmp': {
      const tgt = pcToIdx.get(i.pc + 1 + (f.op === 'ja' && !f.is64 ? i.imm : i.off));
      const succ = tgt === undefined ? [] : [tgt];
      if (f.op === 'ja') return { use: [], def: [], succ, fallsThrough: false };
      return { use: f.useImm ? [i.dst] : [i.dst, i.src], def: [], succ: [next, ...succ], fallsThrough: true };
    }
    case 'call': {
      if (i.src === 1) {
        const tgt = pcToIdx.get(i.pc + 1 + i.imm);
        return { use: [1, 2, 3, 4, 5], def: [0, ...R15], succ: tgt === undefined ? [next] : [next, tgt], fallsThrough: true };
      }
      const p = helperProto(i.imm);
      return { use: R15.slice(0, p ? p.args.length : 5), def: [0, ...R15], succ: [next], fallsThrough: true };
    }
    case 'callx': return { use: [i.dst, i.src, ...R15], def: [0, ...R15], succ: [next], fallsThrough: true };
    case 'exit': return { use: [0], def: [], succ: [], fallsThrough: false };
    default: return { use: [], def: [], succ: [next], fallsThrough: true };
  }
}

/** Registers some path may read before writing (live at the first instruction). */
export function liveIn(insns: readonly Insn[]): Set<number> {
  const pcToIdx = new Map(insns.map((x, k) => [x.pc, k]));
  const ud = insns.map((x, k) => useDef(x, k, pcToIdx));
  const live: Array<Set<number>> = insns.map(() => new Set());
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = insns.length - 1; k >= 0; k--) {
      const out = new Set<number>();
      for (const s of ud[k]!.succ) for (const r of live[s] ?? []) out.add(r);
      for (const d of ud[k]!.def) out.delete(d);
      for (const u of ud[k]!.use) out.add(u);
      if (out.size !== live[k]!.size) { live[k] = out; changed = true; }
    }
  }
  return live[0] ?? new Set();
}

// ---- preconditions ---------------------------------------------------------------------------

type RegPre =
  | { t: 'number'; sv?: [bigint, bigint]; uv?: [bigint, bigint]; nonneg?: boolean; copyOf?: number }
  | { t: 'ctx'; off: number }
  | { t: 'stack'; off: number; offHi?: number; numeric?: number }
  | { t: 'packet'; off: number | 'end' }
  | { t: 'map_fd'; fd: number; programs: boolean }
  | { t: 'shared'; size: number; off: number; maybeNull: boolean };

interface StackPre { lo: number; hi: number; sv?: bigint; uv?: bigint }

interface Pre {
  regs: Map<number, RegPre>;
  stack: StackPre[];
  packetSize?: bigint;
}

const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function interval(v: string): [bigint, bigint] {
  const m = /^\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]$/.exec(v.trim());
  if (m) return [BigInt(m[1]!), BigInt(m[2]!)];
  if (/^-?\d+$/.test(v.trim())) { const x = BigInt(v.trim()); return [x, x]; }
  throw new PrevailUnsupported(`not an interval: ${v}`);
}

function single(v: string, what: string): number {
  const [a, b] = interval(v);
  if (a !== b) throw new PrevailUnsupported(`${what} is a range [${a}, ${b}]`);
  return Number(a);
}

export function parsePre(pre: readonly string[]): Pre {
  const fields = new Map<string, Map<string, string>>();
  /** rN.svalue=rM.svalue (and uvalue): rN is the same number as rM. */
  const equal = new Map<string, Set<string>>();
  const globals = new Map<string, string>();
  const stack = new Map<string, Map<string, string>>();
  for (const p of pre) {
    const m = /^\s*([^=]+?)\s*=\s*(.+?)\s*$/.exec(p);
    if (!m) throw new PrevailUnsupported(`precondition ${p}`);
    const [, lhs, rhs] = m as unknown as [string, string, string];
    let r: RegExpExecArray | null;
    if ((r = /^r(\d+)\.(\w+)$/.exec(lhs))) {
      if (!fields.has(r[1]!)) fields.set(r[1]!, new Map());
      const rel = /^r(\d+)\.(svalue|uvalue)$/.exec(rhs);
      if (rel && rel[2] === r[2] && rel[1] !== r[1]) {
        if (!equal.has(r[1]!)) equal.set(r[1]!, new Set());
        equal.get(r[1]!)!.add(rel[1]!);
        continue;
      }
      fields.get(r[1]!)!.set(r[2]!, rhs);
    } else if ((r = /^s\[(\d+)\.\.\.(\d+)\]\.(\w+)$/.exec(lhs))) {
      const key = `${r[1]}:${r[2]}`;
      if (!stack.has(key)) stack.set(key, new Map());
      stack.get(key)!.set(r[3]!, rhs);
    } else globals.set(lhs, rhs);
  }
  const out: Pre = { regs: new Map(), stack: [] };
  for (const [g, v] of globals) {
    if (g === 'meta_offset') { if (v !== '0') throw new PrevailUnsupported(`meta_offset=${v}`); continue; }
    if (g === 'packet_size') { out.packetSize = interval(v)[0]; continue; }
    throw new PrevailUnsupported(`precondition ${g}=${v}`);
  }
  for (const [reg, f] of fields) {
    const n = Number(reg);
    const type = f.get('type');
    if (!type) throw new PrevailUnsupported(`r${reg} has no type`);
    const known = (names: string[]): void => {
      for (const k of f.keys()) if (k !== 'type' && !names.includes(k)) throw new PrevailUnsupported(`r${reg}.${k} with type ${type}`);
    };
    switch (type) {
      case 'number': {
        known(['svalue', 'uvalue']);
        const x: RegPre & { t: 'number' } = { t: 'number' };
        const eq = equal.get(reg);
        if (eq) {
          if (eq.size !== 1) throw new PrevailUnsupported(`r${reg} equal to several registers`);
          x.copyOf = Number([...eq][0]);
        }
        const sv = f.get('svalue'); const uv = f.get('uvalue');
        if (sv !== undefined) {
          if (/^r\d+\./.test(sv)) throw new PrevailUnsupported(`r${reg}.svalue=${sv}`);
          x.sv = interval(sv);
        }
        if (uv !== undefined) {
          if (uv === `r${reg}.svalue`) x.nonneg = true;
          else if (/^r\d+\./.test(uv)) throw new PrevailUnsupported(`r${reg}.uvalue=${uv}`);
          else x.uv = interval(uv);
        }
        out.regs.set(n, x);
        break;
      }
      case 'ctx':
        known(['ctx_offset', 'svalue', 'uvalue']);
        out.regs.set(n, { t: 'ctx', off: single(f.get('ctx_offset') ?? '0', 'ctx_offset') });
        break;
      case 'stack': {
        known(['stack_offset', 'stack_numeric_size', 'svalue', 'uvalue']);
        const so = f.get('stack_offset');
        if (so === undefined) throw new PrevailUnsupported(`r${reg}.type=stack without stack_offset`);
        const [lo, hi] = interval(so);
        const ns = f.get('stack_numeric_size');
        out.regs.set(n, { t: 'stack', off: Number(lo), ...(hi !== lo ? { offHi: Number(hi) } : {}), ...(ns !== undefined ? { numeric: Number(interval(ns)[0]) } : {}) });
        break;
      }
      case 'packet': {
        known(['packet_offset', 'svalue', 'uvalue']);
        const po = f.get('packet_offset') ?? 'x';
        out.regs.set(n, { t: 'packet', off: po === 'packet_size' ? 'end' : single(po, 'packet_offset') });
        break;
      }
      case 'map_fd': case 'map_fd_programs':
        known(['map_fd']);
        out.regs.set(n, { t: 'map_fd', fd: single(f.get('map_fd') ?? 'x', 'map_fd'), programs: type === 'map_fd_programs' });
        break;
      case 'shared': {
        known(['shared_offset', 'shared_region_size', 'svalue', 'uvalue']);
        const sv = f.get('svalue');
        const lo = sv && !/^r/.test(sv) ? interval(sv)[0] : 1n;
        out.regs.set(n, { t: 'shared', size: single(f.get('shared_region_size') ?? 'x', 'shared_region_size'), off: single(f.get('shared_offset') ?? 'x', 'shared_offset'), maybeNull: lo <= 0n });
        break;
      }
      default:
        throw new PrevailUnsupported(`r${reg}.type=${type}`);
    }
  }
  for (const [reg, eq] of equal) {
    const p = out.regs.get(Number(reg));
    const m = out.regs.get(Number([...eq][0]));
    if (!p || p.t !== 'number' || !m || m.t !== 'number' || m.copyOf !== undefined) throw new PrevailUnsupported(`r${reg} equal to r${[...eq][0]}`);
  }
  for (const [key, f] of stack) {
    const [lo, hi] = key.split(':').map(Number) as [number, number];
    for (const k of f.keys()) if (!['type', 'svalue', 'uvalue'].includes(k)) throw new PrevailUnsupported(`s[${lo}...${hi}].${k}`);
    if (f.get('type') !== 'number') throw new PrevailUnsupported(`s[${lo}...${hi}].type=${f.get('type')}`);
    const e: StackPre = { lo, hi };
    const sv = f.get('svalue'); const uv = f.get('uvalue');
    if (sv !== undefined) { const [a, b] = interval(sv); if (a !== b) throw new PrevailUnsupported(`s[${lo}...${hi}] value range`); e.sv = a; }
    if (uv !== undefined) { const [a, b] = interval(uv); if (a !== b) throw new PrevailUnsupported(`s[${lo}...${hi}] value range`); e.uv = a; }
    out.stack.push(e);
  }
  return out;
}

// ---- program building ------------------------------------------------------------------------

export type PrevailProgram =
  | { expressible: true; prog: ProgramSpec; maps: Map<string, MapSpec>; type: number; prefixSlots: number; text: string }
  | { expressible: false; reason: string };

const fits32 = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;
const toS64 = (v: bigint): bigint => BigInt.asIntN(64, v);

interface Ctx {
  type: number;
  /** Offsets of data, data_end in the context. */
  data: number; end: number;
}
const XDP: Ctx = { type: ProgType.XDP, data: 0, end: 4 };
const TC: Ctx = { type: ProgType.SCHED_CLS, data: 76, end: 80 };
/** __sk_buff.tstamp: a u64 the verifier knows nothing about. */
const TC_U64 = 152;

/** Build the whole program: precondition prefix, translated code, clean exits. */
export function buildPrevailProgram(t: PrevailTest): PrevailProgram {
  try {
    return build(t);
  } catch (e) {
    if (e instanceof PrevailUnsupported) return { expressible: false, reason: e.message };
    throw e;
  }
}

function build(t: PrevailTest): PrevailProgram {
  if (t.options.includes('big_endian')) throw new PrevailUnsupported('big-endian test (the kernel here is little-endian)');
  const pre = parsePre(t.pre);
  const { lines: codeLines, blockStarts } = translatePrevailCode(t.code);
  if (codeLines.length === 0) throw new PrevailUnsupported('no code');

  // The code alone, assembled at offset 0, for the liveness check and the fall-through test.
  const codeOnly = assembleLines(codeLines, blockStarts);
  const live = liveIn(codeOnly.insns.slice(0, codeOnly.codeCount));
  const lastCode = codeOnly.insns[codeOnly.codeCount - 1]!;
  const pastEnd = blockStarts.some(([, k]) => k >= codeLines.length);
  const fallsThrough = pastEnd || !(lastCode.form?.kind === 'exit' || (lastCode.form?.kind === 'jmp' && lastCode.form.op === 'ja' && lastCode.off !== 0));
  const usesAssume = codeLines.some((l) => l.target === FAIL_LABEL);

  const usesLdAbs = codeOnly.insns.some((i) => i.form?.kind === 'ldabs' || i.form?.kind === 'ldind');
  const hasCtx = [...pre.regs.values()].some((r) => r.t === 'ctx');
  const ctx = usesLdAbs || !hasCtx ? TC : XDP;
  if (live.has(10) && !pre.regs.has(10)) throw new PrevailUnsupported('r10 read but not in pre (the kernel always has the frame pointer)');
  const r10 = pre.regs.get(10);
  if (r10 && !(r10.t === 'stack' && r10.off === 512)) throw new PrevailUnsupported('r10 is not the frame pointer');

  const out: string[] = [];
  const maps = new Map<string, MapSpec>();
  const addMap = (name: string, type: number, k: number, v: number, n: number): void => { if (!maps.has(name)) maps.set(name, { name, type: type as MapSpec['type'], keySize: k, valueSize: v, maxEntries: n, flags: 0 }); };
  for (const l of codeLines) {
    const mm = /map(?:_value)?\[(map|prog)(\d+)\]/.exec(l.text);
    if (mm) addMap(`${mm[1]}${mm[2]}`, mm[1] === 'prog' ? MapType.PROG_ARRAY : MapType.HASH, 4, 4, 4);
    if (/map_value\[map/.test(l.text)) maps.get(`map${mm![2]}`)!.type = MapType.ARRAY as MapSpec['type'];
  }

  // Registers whose final state the prefix decides: those in pre. Others must not be read first.
  const targets = [...pre.regs.keys()].filter((r) => r !== 10);
  const inPre = new Set(targets);
  let ctxReg = 1;
  const initialised = new Set<number>([1]);
  let failUsed = usesAssume;
  const free = (r: number, later: ReadonlySet<number>): boolean => r !== 10 && r !== ctxReg && (later.has(r) || (!inPre.has(r) && !live.has(r)));

  // A helper call first, when r1..r5 must start uninitialised but are read, or for a maybe-null value.
  const nullable = targets.filter((r) => { const p = pre.regs.get(r)!; return p.t === 'shared' && p.maybeNull; });
  if (nullable.length > 1) throw new PrevailUnsupported('two maybe-null map values');
  const needKill = live.has(1) && !inPre.has(1);
  if (needKill || nullable.length) {
    const needCtxLater = targets.some((r) => { const p = pre.regs.get(r)!; return p.t === 'ctx' || p.t === 'packet' || p.t === 'number'; }) || pre.stack.length > 0;
    if (needCtxLater) {
      const holder = [6, 7, 8, 9].find((r) => (!inPre.has(r) && !live.has(r)) || pre.regs.get(r)?.t === 'ctx');
      if (holder === undefined) throw new PrevailUnsupported('no callee-saved register to keep ctx across the call');
      out.push(`r${holder} = r1`);
      initialised.add(holder);
      ctxReg = holder;
    }
    if (nullable.length) {
      const r = nullable[0]!;
      const p = pre.regs.get(r)! as RegPre & { t: 'shared' };
      const name = `shared${p.size}`;
      addMap(name, MapType.HASH, 4, p.size, 4);
      addMap('key', MapType.ARRAY, 4, 4, 1);
      out.push(`r1 = map[${name}] ll`, 'r2 = map_value[key]+0 ll', 'call 1');
      if (p.off) out.push(`r0 += ${p.off}`);
      if (r !== 0) out.push(`r${r} = r0`);
      initialised.add(r);
    } else out.push('call 7');
    for (const r of [1, 2, 3, 4, 5]) if (r !== nullable[0]) initialised.delete(r);
    initialised.add(0);
  }

  // Construction order: the ctx register last; temporaries are free registers or targets built later.
  const order = targets.filter((r) => !nullable.includes(r)).sort((a, b) => (a === ctxReg ? 1 : 0) - (b === ctxReg ? 1 : 0) || a - b);
  const pending = new Set(order);
  const temp = (avoid: number[]): number => {
    for (const r of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) if (!avoid.includes(r) && free(r, pending)) { initialised.add(r); return r; }
    throw new PrevailUnsupported('no scratch register for the precondition');
  };
  const unknown = (dst: number): void => {
    if (ctx === TC) { out.push(`r${dst} = *(u64 *)(r${ctxReg} + ${TC_U64})`); return; }
    const tmp = temp([dst]);
    out.push(`r${dst} = *(u32 *)(r${ctxReg} + 12)`, `r${dst} <<= 32`, `r${tmp} = *(u32 *)(r${ctxReg} + 16)`, `r${dst} |= r${tmp}`);
  };
  const cmpFail = (reg: number, op: string, v: bigint): void => {
    failUsed = true;
    if (fits32(v)) { out.push(`if r${reg} ${op} ${v} goto %FAIL%`); return; }
    const tmp = temp([reg]);
    out.push(`r${tmp} = ${v} ll`, `if r${reg} ${op} r${tmp} goto %FAIL%`);
  };

  // Stack contents (little-endian bytes).
  for (const s of pre.stack) {
    if (s.lo < 0 || s.hi > 511 || s.hi < s.lo) throw new PrevailUnsupported(`s[${s.lo}...${s.hi}] outside the stack`);
    const size = s.hi - s.lo + 1;
    const v = s.sv ?? (s.uv !== undefined ? toS64(s.uv) : undefined);
    if (s.sv !== undefined && s.uv !== undefined && toS64(s.uv) !== s.sv) throw new PrevailUnsupported(`s[${s.lo}...${s.hi}] svalue and uvalue differ`);
    // pieces of 8/4/2/1 aligned bytes
    let at = s.lo;
    while (at <= s.hi) {
      let w = 8;
      while (w > 1 && (at % w !== 0 || at + w - 1 > s.hi)) w /= 2;
      const fpOff = at - 512;
      const spec = w === 8 ? 'u64' : w === 4 ? 'u32' : w === 2 ? 'u16' : 'u8';
      if (v === undefined) {
        const tmp = temp([]);
        unknown(tmp);
        out.push(`*(${spec} *)(r10 ${fpOff}) = r${tmp}`);
      } else {
        if (size > 8) throw new PrevailUnsupported(`s[${s.lo}...${s.hi}] constant wider than 8 bytes`);
        const shift = BigInt((at - s.lo) * 8);
        const piece = BigInt.asUintN(w * 8, BigInt.asUintN(64, v) >> shift);
        const sp = w === 8 ? toS64(piece) : piece;
        if (fits32(sp)) out.push(`*(${spec} *)(r10 ${fpOff}) = ${sp}`);
        else { const tmp = temp([]); out.push(`r${tmp} = ${sp} ll`, `*(${spec} *)(r10 ${fpOff}) = r${tmp}`); }
      }
      at += w;
    }
  }
  for (const r of order) {
    const p = pre.regs.get(r)!;
    if (p.t === 'stack' && p.numeric) {
      const lo = p.off, hi = (p.offHi ?? p.off) + p.numeric - 1;
      for (let b = lo; b <= hi; b++) if (!pre.stack.some((s) => s.lo <= b && b <= s.hi)) throw new PrevailUnsupported(`r${r}.stack_numeric_size without stack contents`);
    }
  }

  // Packet pointers: one bounds check for the packet size. A packet target in the ctx
  // register is assigned at the very end (the ctx is needed until then).
  const finalLines: string[] = [];
  const copies: string[] = [];
  const pkts = order.filter((r) => pre.regs.get(r)!.t === 'packet');
  if (pkts.length) {
    const offOf = (r: number): number | 'end' => (pre.regs.get(r) as { off: number | 'end' }).off;
    const size = pre.packetSize ?? 0n;
    const dataT = pkts.filter((r) => offOf(r) !== 'end');
    const endT = pkts.filter((r) => offOf(r) === 'end');
    for (const r of pkts) pending.delete(r);
    const ctxLast = pkts.includes(ctxReg) ? ctxReg : undefined;
    if (ctxLast !== undefined) pending.add(ctxLast);
    const needData = dataT.length > 0 || size > 0n;
    const needEnd = endT.length > 0 || size > 0n;
    const base = needData ? dataT.find((r) => r !== ctxReg) ?? temp(pkts) : undefined;
    if (base !== undefined) out.push(`r${base} = *(u32 *)(r${ctxReg} + ${ctx.data})`);
    const endR = needEnd ? endT.find((r) => r !== ctxReg) ?? temp([...pkts, ...(base !== undefined ? [base] : [])]) : undefined;
    if (endR !== undefined) out.push(`r${endR} = *(u32 *)(r${ctxReg} + ${ctx.end})`);
    if (size > 0n) {
      const c = temp([...pkts, base!, endR!]);
      out.push(`r${c} = r${base}`, `r${c} += ${size}`, `if r${c} > r${endR} goto %FAIL%`);
      failUsed = true;
    }
    for (const r of pkts) {
      if (r === base || r === endR) continue;
      const dst = r === ctxLast ? finalLines : out;
      const o = offOf(r);
      if (o === 'end') dst.push(`r${r} = r${endR}`);
      else { dst.push(`r${r} = r${base}`); if (o) dst.push(`r${r} += ${o}`); }
    }
    if (base !== undefined && dataT.includes(base)) { const o = offOf(base); if (typeof o === 'number' && o) out.push(`r${base} += ${o}`); }
    for (const r of pkts) initialised.add(r);
    if (ctxLast !== undefined) pending.delete(ctxLast);
  }

  for (const r of order) {
    const p = pre.regs.get(r)!;
    if (p.t === 'packet') continue;
    pending.delete(r);
    initialised.add(r);
    switch (p.t) {
      case 'number': {
        // the same number as another register: a move at the end (the kernel links their ids)
        if (p.copyOf !== undefined) { copies.push(`r${r} = r${p.copyOf}`); break; }
        const sv = p.sv ?? [S64_MIN, S64_MAX];
        const uv = p.uv ?? [0n, U64_MAX];
        if (sv[0] > sv[1] || uv[0] > uv[1]) throw new PrevailUnsupported(`r${r}: empty interval`);
        if (sv[0] === sv[1] && (p.uv === undefined || BigInt.asUintN(64, sv[0]) === uv[0] && uv[0] === uv[1])) { out.push(fits32(sv[0]) ? `r${r} = ${sv[0]}` : `r${r} = ${sv[0]} ll`); break; }
        if (uv[0] === uv[1] && p.sv === undefined) { const v = toS64(uv[0]); out.push(fits32(v) ? `r${r} = ${v}` : `r${r} = ${v} ll`); break; }
        unknown(r);
        if (sv[0] > S64_MIN) cmpFail(r, 's<', sv[0]);
        if (sv[1] < S64_MAX) cmpFail(r, 's>', sv[1]);
        if (uv[0] > 0n) cmpFail(r, '<', toS64(uv[0]));
        if (uv[1] < U64_MAX) cmpFail(r, '>', toS64(uv[1]));
        if (p.nonneg) cmpFail(r, 's<', 0n);
        break;
      }
      case 'ctx':
        if (r !== ctxReg) out.push(`r${r} = r${ctxReg}`);
        if (p.off) out.push(`r${r} += ${p.off}`);
        break;
      case 'stack':
        if (p.offHi !== undefined) {
          // a variable offset: r10 + (lo - 512) + [0, hi - lo]
          if (p.offHi < p.off) throw new PrevailUnsupported(`r${r}: empty stack_offset range`);
          const tmp = temp([r]);
          unknown(tmp);
          cmpFail(tmp, 's<', 0n);
          cmpFail(tmp, 's>', BigInt(p.offHi - p.off));
          out.push(`r${r} = r10`, `r${r} += ${p.off - 512}`, `r${r} += r${tmp}`);
          break;
        }
        out.push(`r${r} = r10`);
        if (p.off !== 512) out.push(`r${r} += ${p.off - 512}`);
        break;
      case 'map_fd': {
        const name = mapName(p.fd, p.programs);
        addMap(name, p.programs ? MapType.PROG_ARRAY : MapType.HASH, 4, 4, 4);
        out.push(`r${r} = map[${name}] ll`);
        break;
      }
      case 'shared': {
        const name = `shared${p.size}`;
        if (maps.has(name) && maps.get(name)!.type !== MapType.ARRAY) throw new PrevailUnsupported('a map value both maybe-null and not');
        addMap(name, MapType.ARRAY, 4, p.size, 1);
        out.push(`r${r} = map_value[${name}]+${Math.max(p.off, 0)} ll`);
        if (p.off < 0) out.push(`r${r} += ${p.off}`);
        break;
      }
    }
  }
  out.push(...finalLines, ...copies);

  // Every register the code reads first must be initialised exactly as pre says.
  for (const r of live) {
    if (r === 10) continue;
    const want = inPre.has(r);
    const have = initialised.has(r);
    if (want !== have) throw new PrevailUnsupported(`r${r} is read before written and ${want ? 'cannot be set up' : 'is initialised on a kernel entry (pre leaves it uninitialised)'}`);
  }

  // Layout: prefix, code, end (fall-through), fail block.
  const prefix = out;
  const tail: string[] = [];
  const endLines: Line[] = [];
  if (fallsThrough) endLines.push({ text: 'r0 = 0', slots: 1 }, { text: 'exit', slots: 1 });
  const allLines: Line[] = [...codeLines, ...endLines];
  const prefixLines: Line[] = prefix.map((s) => ({ text: s.replace('%FAIL%', '%OFF%'), slots: / ll$/.test(s) ? 2 : 1, ...(s.includes('%FAIL%') ? { target: FAIL_LABEL } : {}) }));
  const starts: Array<[string, number]> = [...blockStarts.map(([n, k]) => [n, k + prefixLines.length] as [string, number])];
  if (fallsThrough) starts.push([END_LABEL, prefixLines.length + codeLines.length]);
  if (failUsed) {
    starts.push([FAIL_LABEL, prefixLines.length + allLines.length]);
    tail.push('r0 = 0', 'exit');
  }
  const lines = [...prefixLines, ...allLines, ...tail.map((s) => ({ text: s, slots: 1 }))];
  const asm = assembleLines(lines, starts, ctx.type);
  for (const m of asm.mapNames) if (!maps.has(m)) addMap(m, m.startsWith('prog') ? MapType.PROG_ARRAY : MapType.HASH, 4, 4, 4);
  const prefixSlots = prefixLines.reduce((a, l) => a + l.slots, 0);
  const built = asmProgram(asm.text, { type: ctx.type, maps: [...maps.values()], name: 'prevail' });
  return { expressible: true, prog: built.prog, maps: built.maps, type: ctx.type, prefixSlots, text: asm.text };
}

/** Resolve labels to offsets and assemble through asmProgram (map[NAME], call +N). */
function assembleLines(lines: Line[], starts: Array<[string, number]>, type: number = ProgType.SCHED_CLS): { insns: Insn[]; codeCount: number; text: string; mapNames: Set<string> } {
  const slotAt: number[] = [];
  let slot = 0;
  for (const l of lines) { slotAt.push(slot); slot += l.slots; }
  slotAt.push(slot);
  const labelSlot = new Map<string, number>();
  for (const [n, k] of starts) if (!labelSlot.has(n)) labelSlot.set(n, slotAt[k]!);
  const text = lines.map((l, k) => {
    if (!l.target) return l.text;
    let tgt = labelSlot.get(l.target);
    if (tgt === undefined) {
      if (l.target === FAIL_LABEL || l.target === END_LABEL) tgt = slot; // code alone: past the end
      else throw new PrevailUnsupported(`unknown label <${l.target}>`);
    }
    const off = tgt - (slotAt[k]! + 1);
    return l.text.replace('%OFF%', off >= 0 ? `+${off}` : `${off}`);
  }).join('\n');
  const mapNames = new Set<string>();
  for (const m of text.matchAll(/map(?:_value)?\[(\w+)\]/g)) mapNames.add(m[1]!);
  let insns: Insn[];
  try {
    insns = asmProgram(text, { type, maps: [...mapNames].map((n) => ({ name: n, type: MapType.HASH as MapSpec['type'], keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 })) }).prog.insns as Insn[];
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    const ln = /(\d+):\d+/.exec(msg);
    throw new PrevailUnsupported(`assembler: ${msg}${ln ? ` in \`${text.split('\n')[Number(ln[1]) - 1]}\`` : ''}`);
  }
  for (const i of insns) if (!i.form) throw new PrevailUnsupported(`no instruction form at ${i.pc}`);
  return { insns, codeCount: insns.length, text, mapNames };
}

// The assembler: text in the llvm dialect (what llvm-objdump prints, also its listings as
// they are, addresses and bytes included) or the bpf_conformance dialect → instructions.
//
// The llvm dialect is parsed against templates made by the disassembler itself: every table
// form is printed once with sentinel operands, tokenised, and the sentinels mark which token
// fills which field. So the parser accepts exactly what formatInsnLlvm prints (in every
// spelling: hex or decimal, alu32 or not, extended) and no opcode is spelled here.
// Errors are AsmError naming the line and column.

import { AsmError } from '../errors.js';
import { encode, type Insn, makeInsn, renumber } from '../isa/insn.js';
import { Limits, Pseudo } from '../isa/opcodes.js';
import { INSN_FORMS, type InsnForm } from '../isa/table.js';
import { insnProblem } from '../isa/validate.js';
import { formatInsnLlvm } from './disasm.js';
import { conformanceMnemonic, PSEUDO_NAME } from './syntax.js';

export { conformanceMnemonic };

export type AsmDialect = 'llvm' | 'conformance' | 'auto';

export interface AssembleOptions {
  /** Default 'auto': each line in whichever dialect it is written. */
  dialect?: AsmDialect;
  /** File name for error messages. */
  file?: string;
}

export interface AssembleResult {
  insns: Insn[];
  bytes: Uint8Array;
  /** Label → slot index. */
  labels: Map<string, number>;
}

// ---- tokens -------------------------------------------------------------------------------

type Tok =
  | { t: 'reg'; w: boolean; n: number; col: number; text: string }
  | { t: 'num'; v: bigint; col: number; text: string }
  | { t: 'id'; s: string; col: number; text: string }
  | { t: 'op'; s: string; col: number; text: string };

const OPS = ['s>>=', '<<=', '>>=', 's/=', 's%=', 's>=', 's<=', '+=', '-=', '*=', '/=', '|=', '&=', '^=', '%=', '==', '!=',
  '>=', '<=', 's>', 's<', '=', '>', '<', '&', '(', ')', '[', ']', ',', '*', '-', '+', '%', ':'];

class LexError extends Error {
  constructor(readonly col: number, message: string) { super(message); }
}

function tokenize(s: string, base: number): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    const col = base + i;
    const rest = s.slice(i);
    let m = /^([+-])?[ \t]*(0[xX][0-9a-fA-F]+|\d+)(?![\w])/.exec(rest);
    if (m && !(m[1] && /^[+-]=/.test(rest))) {
      const neg = m[1] === '-';
      const mag = BigInt(m[2]!.toLowerCase());
      out.push({ t: 'num', v: neg ? -mag : mag, col, text: m[0] });
      i += m[0].length;
      continue;
    }
    m = /^%?([rw])(10|[0-9])(?![\w])/.exec(rest);
    if (m) {
      out.push({ t: 'reg', w: m[1] === 'w', n: Number(m[2]), col, text: m[0] });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) { out.push({ t: 'op', s: op, col, text: op }); i += op.length; continue; }
    m = /^[A-Za-z_.$][\w.$]*/.exec(rest);
    if (m) { out.push({ t: 'id', s: m[0], col, text: m[0] }); i += m[0].length; continue; }
    throw new LexError(col, `unexpected character '${c}'`);
  }
  return out;
}

// ---- llvm templates -----------------------------------------------------------------------

type Field = 'dst' | 'src' | 'off' | 'imm' | 'imm2' | 'imm64';
type Slot =
  | { k: 'lit'; tok: Tok }
  | { k: 'reg'; field: 'dst' | 'src'; w: boolean }
  | { k: 'num'; field: Field };

interface Template { form: InsnForm; slots: Slot[] }

const S_DST = 3, S_SRC = 4, S_OFF = 1111, S_IMM = 22222, S_IMM2 = 333;

function isJumpField(f: InsnForm, field: Field): boolean {
  if (f.kind === 'jmp' || f.kind === 'jcond') return field === (f.id === 'ja32' ? 'imm' : 'off');
  return f.id === 'call_local' && field === 'imm';
}

function buildTemplates(): Template[] {
  const out: Template[] = [];
  const seen = new Set<string>();
  for (const f of INSN_FORMS) {
    const dst = f.dst === 'any' ? S_DST : 0;
    const src = f.src === 'any' ? S_SRC : f.src === 'fixed' ? f.fixedSrc! : 0;
    const off = f.off === 'any' ? S_OFF : f.off === 'fixed' ? f.fixedOff! : 0;
    const imm = f.imm === 'any' ? S_IMM : f.imm === 'fixed' ? f.fixedImm! : 0;
    const variants: Array<{ imm2: number; alu32: boolean; extended: boolean; kOff: number }> = [];
    for (const alu32 of [false, true]) for (const extended of [false, true]) for (const second of [false, true]) {
      // extended spellings print the second immediate of ld_pseudo and the kfunc's off only when non-zero
      const imm2 = second && extended && f.slots === 2 && f.src === 'fixed' && f.fixedSrc !== Pseudo.IMM ? S_IMM2 : 0;
      const kOff = second && extended && f.id === 'call_kfunc' ? S_OFF : 0;
      variants.push({ imm2, alu32, extended, kOff });
    }
    for (const v of variants) {
      const insn = makeInsn(f.opcode, dst, src, off, imm, f.slots === 2 ? v.imm2 : undefined);
      if (f.slots === 2) insn.second = { opcode: 0, dst: 0, src: 0, off: 0 };
      if (f.id === 'call_kfunc') insn.off = v.kOff;
      const text = formatInsnLlvm(insn, { hex: false, alu32: v.alu32, extended: v.extended });
      if (seen.has(f.id + '\0' + text)) continue;
      seen.add(f.id + '\0' + text);
      const slots: Slot[] = tokenize(text, 0).map((tok): Slot => {
        if (tok.t === 'reg') {
          if (f.dst === 'any' && tok.n === S_DST) return { k: 'reg', field: 'dst', w: tok.w };
          if (f.src === 'any' && tok.n === S_SRC) return { k: 'reg', field: 'src', w: tok.w };
          return { k: 'lit', tok };
        }
        if (tok.t === 'num') {
          const a = tok.v < 0n ? -tok.v : tok.v;
          const neg = tok.v < 0n;
          if (!neg && f.slots === 2 && f.src === 'fixed' && f.fixedSrc === Pseudo.IMM && a === BigInt(S_IMM)) return { k: 'num', field: 'imm64' };
          if (!neg && a === BigInt(S_IMM) && f.imm === 'any') return { k: 'num', field: 'imm' };
          if (!neg && a === BigInt(S_OFF)) return { k: 'num', field: 'off' };
          if (!neg && a === BigInt(S_IMM2)) return { k: 'num', field: 'imm2' };
        }
        return { k: 'lit', tok };
      });
      out.push({ form: f, slots });
    }
  }
  return out;
}

let TEMPLATES: Template[] | undefined;
function templates(): Template[] {
  return (TEMPLATES ??= buildTemplates());
}

interface Parsed {
  form: InsnForm;
  dst: number; src: number; off: number; imm: number; imm2: number;
  /** A label in a jump field, resolved after all lines are read. */
  label?: { name: string; col: number; field: 'off' | 'imm' };
}

class ParseError extends Error {
  constructor(readonly col: number, message: string) { super(message); }
}

function fieldRange(field: Field): [bigint, bigint] {
  switch (field) {
    case 'off': return [-0x8000n, 0x7fffn];
    case 'imm': case 'imm2': return [-0x80000000n, 0xffffffffn];
    case 'imm64': return [-(1n << 63n), (1n << 64n) - 1n];
    default: return [0n, 15n];
  }
}

function matchTemplate(t: Template, toks: Tok[]): { parsed?: Parsed; matched: number; error?: ParseError } {
  const f = t.form;
  const vals: Record<string, bigint> = {};
  let label: Parsed['label'];
  let i = 0;
  for (; i < t.slots.length; i++) {
    const s = t.slots[i]!, tok = toks[i];
    if (!tok) return { matched: i };
    if (s.k === 'lit') {
      const l = s.tok;
      if (l.t !== tok.t) return { matched: i };
      if (l.t === 'num' && l.v !== (tok as typeof l).v) return { matched: i };
      if (l.t === 'reg' && (l.n !== (tok as typeof l).n || l.w !== (tok as typeof l).w)) return { matched: i };
      if ((l.t === 'id' || l.t === 'op') && l.s !== (tok as typeof l).s) return { matched: i };
      continue;
    }
    if (s.k === 'reg') {
      if (tok.t !== 'reg' || tok.w !== s.w) return { matched: i };
      if (vals[s.field] !== undefined && vals[s.field] !== BigInt(tok.n)) {
        return { matched: i, error: new ParseError(tok.col, `register must be the same as the earlier ${s.field} register`) };
      }
      vals[s.field] = BigInt(tok.n);
      continue;
    }
    // number slot (or a label in a jump field)
    if (tok.t === 'id' && isJumpField(f, s.field)) {
      label = { name: tok.s, col: tok.col, field: s.field as 'off' | 'imm' };
      vals[s.field] = 0n;
      continue;
    }
    if (tok.t !== 'num') return { matched: i };
    const [lo, hi] = fieldRange(s.field);
    if (tok.v < lo || tok.v > hi) return { matched: i, error: new ParseError(tok.col, `${tok.text.replace(/\s+/g, '')} is out of range for the ${s.field === 'imm64' ? '64-bit immediate' : s.field === 'off' ? '16-bit offset' : '32-bit immediate'}`) };
    vals[s.field] = tok.v;
  }
  if (i < toks.length) return { matched: i };
  const v = (k: string) => vals[k] ?? 0n;
  let imm = Number(BigInt.asIntN(32, v('imm')));
  let imm2 = Number(BigInt.asIntN(32, v('imm2')));
  if (vals.imm64 !== undefined) {
    const u = BigInt.asUintN(64, vals.imm64);
    imm = Number(BigInt.asIntN(32, u));
    imm2 = Number(BigInt.asIntN(32, u >> 32n));
  }
  return {
    matched: i,
    parsed: {
      form: f,
      dst: f.dst === 'any' ? Number(v('dst')) : 0,
      src: f.src === 'any' ? Number(v('src')) : f.src === 'fixed' ? f.fixedSrc! : 0,
      off: f.off === 'fixed' ? f.fixedOff! : Number(BigInt.asIntN(16, v('off'))),
      imm: f.imm === 'fixed' ? f.fixedImm! : imm,
      imm2,
      label,
    },
  };
}

function parseLlvm(toks: Tok[], endCol: number): Parsed {
  let best = -1;
  let bestErr: ParseError | undefined;
  for (const t of templates()) {
    if (t.slots.length !== toks.length && t.slots.length < best) continue;
    const r = matchTemplate(t, toks);
    if (r.parsed) return r.parsed;
    if (r.error && r.matched >= best) { best = r.matched; bestErr = r.error; }
    else if (r.matched > best) { best = r.matched; bestErr = undefined; }
  }
  if (bestErr) throw bestErr;
  const at = toks[Math.max(0, best)];
  throw new ParseError(at ? at.col : endCol, at ? `unexpected '${at.text}'` : 'incomplete instruction');
}

// ---- conformance --------------------------------------------------------------------------

let CONF: Map<string, InsnForm[]> | undefined;
function confTable(): Map<string, InsnForm[]> {
  if (CONF) return CONF;
  CONF = new Map();
  const add = (m: string, f: InsnForm) => { const l = CONF!.get(m) ?? []; l.push(f); CONF!.set(m, l); };
  for (const f of INSN_FORMS) {
    const m = conformanceMnemonic(f);
    add(m, f);
    if (f.kind === 'alu' && f.is64 && !/\d$/.test(m)) add(`${m}64`, f); // add64, mov64, neg64
    if (f.op === 'bswap') add(`swap${f.size! * 8}`, f);                // uBPF's spelling
  }
  return CONF;
}

function splitOperands(s: string, base: number): Array<{ text: string; col: number }> {
  const out: Array<{ text: string; col: number }> = [];
  let depth = 0, start = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (i === s.length || (c === ',' && depth === 0)) {
      const raw = s.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim() !== '' || i !== s.length || out.length) out.push({ text: raw.trim(), col: base + start + lead });
      start = i + 1;
    }
  }
  return out;
}

function confReg(o: { text: string; col: number }): number {
  const m = /^%?r(10|[0-9])$/.exec(o.text);
  if (!m) throw new ParseError(o.col, `expected a register, got '${o.text}'`);
  return Number(m[1]);
}

function confNum(o: { text: string; col: number }, bits: 16 | 32 | 64): bigint {
  const m = /^([+-])?\s*(0[xX][0-9a-fA-F]+|\d+)$/.exec(o.text);
  if (!m) throw new ParseError(o.col, `expected a number, got '${o.text}'`);
  const mag = BigInt(m[2]!.toLowerCase());
  const v = m[1] === '-' ? -mag : mag;
  const lo = -(1n << BigInt(bits - 1)), hi = (1n << BigInt(bits)) - 1n;
  if (v < lo || v > hi) throw new ParseError(o.col, `${o.text} is out of range for a ${bits}-bit field`);
  return v;
}

function confMem(o: { text: string; col: number }): { reg: number; off: number } {
  const m = /^\[\s*(%?r(?:10|[0-9]))\s*(?:([+-])\s*(0[xX][0-9a-fA-F]+|\d+)\s*)?\]$/.exec(o.text);
  if (!m) throw new ParseError(o.col, `expected a memory operand [reg+off], got '${o.text}'`);
  const reg = confReg({ text: m[1]!, col: o.col });
  if (!m[2]) return { reg, off: 0 };
  const v = confNum({ text: m[2] + m[3], col: o.col }, 16);
  if (v > 0x7fffn) throw new ParseError(o.col, `offset ${m[2]}${m[3]} is out of range for a 16-bit field`);
  return { reg, off: Number(v) };
}

function confTarget(o: { text: string; col: number }, field: 'off' | 'imm', p: Parsed): number {
  if (/^[+-]?\s*(0[xX][0-9a-fA-F]+|\d+)$/.test(o.text)) return Number(BigInt.asIntN(field === 'off' ? 16 : 32, confNum(o, field === 'off' ? 16 : 32)));
  if (/^[A-Za-z_.$][\w.$]*$/.test(o.text)) { p.label = { name: o.text, col: o.col, field }; return 0; }
  throw new ParseError(o.col, `expected a jump target (+N, -N or a label), got '${o.text}'`);
}

function parseConformance(line: string, base: number): Parsed {
  let m = /^(lock\s+(?:fetch\s+)?[a-z_]+\d*|[a-z_]+\d*)\s*/.exec(line);
  if (!m) throw new ParseError(base, `expected a mnemonic`);
  const mnemonic = m[1]!.replace(/\s+/g, ' ');
  const ops = splitOperands(line.slice(m[0].length), base + m[0].length);
  const forms = confTable().get(mnemonic);
  if (!forms) throw new ParseError(base, `unknown mnemonic '${mnemonic}'`);
  const want = (n: number) => {
    if (ops.length !== n) throw new ParseError(ops[n]?.col ?? base, `'${mnemonic}' takes ${n} operand${n === 1 ? '' : 's'}, got ${ops.length}`);
  };
  const f0 = forms[0]!;
  const p = (form: InsnForm): Parsed => ({ form, dst: 0, src: form.src === 'fixed' ? form.fixedSrc! : 0, off: form.off === 'fixed' ? form.fixedOff! : 0, imm: form.imm === 'fixed' ? form.fixedImm! : 0, imm2: 0 });
  const isReg = (o: { text: string }) => /^%?r(10|[0-9])$/.test(o.text);
  switch (f0.kind) {
    case 'alu': {
      if (f0.op === 'neg' || f0.op === 'le' || f0.op === 'be' || f0.op === 'bswap') {
        want(1);
        const r = p(f0); r.dst = confReg(ops[0]!); return r;
      }
      want(2);
      const byReg = isReg(ops[1]!);
      const f = forms.find((x) => x.useImm === !byReg);
      if (!f) throw new ParseError(ops[1]!.col, `'${mnemonic}' takes a ${byReg ? 'an immediate' : 'register'} here`);
      const r = p(f);
      r.dst = confReg(ops[0]!);
      if (byReg) r.src = confReg(ops[1]!); else r.imm = Number(BigInt.asIntN(32, confNum(ops[1]!, 32)));
      return r;
    }
    case 'jmp': {
      if (f0.op === 'ja') { want(1); const r = p(f0); r[f0.id === 'ja32' ? 'imm' : 'off'] = confTarget(ops[0]!, f0.id === 'ja32' ? 'imm' : 'off', r); return r; }
      want(3);
      const byReg = isReg(ops[1]!);
      const f = forms.find((x) => x.useImm === !byReg)!;
      const r = p(f);
      r.dst = confReg(ops[0]!);
      if (byReg) r.src = confReg(ops[1]!); else r.imm = Number(BigInt.asIntN(32, confNum(ops[1]!, 32)));
      r.off = confTarget(ops[2]!, 'off', r);
      return r;
    }
    case 'jcond': { want(1); const r = p(f0); r.off = confTarget(ops[0]!, 'off', r); return r; }
    case 'exit': want(0); return p(f0);
    case 'callx': { want(1); const r = p(f0); r.dst = confReg(ops[0]!); return r; }
    case 'call': {
      // call N | call helper N | call helper %rN | call %rN | call local TARGET | call runtime N[, off]
      const first = ops[0];
      if (!first) throw new ParseError(base + line.length, `'call' needs a target`);
      const mm = /^(helper|local|runtime|kfunc)\s+(.*)$/.exec(first.text);
      const mode = mm ? mm[1]! : 'helper';
      const target = { text: mm ? mm[2]!.trim() : first.text, col: mm ? first.col + first.text.indexOf(mm[2]!) : first.col };
      const byId = (id: string) => p(forms.find((x) => x.id === id)!);
      if (mode === 'helper') {
        if (ops.length !== 1) throw new ParseError(ops[1]!.col, `unexpected operand`);
        if (isReg(target)) { const r = p(confTable().get('callx')![0]!); r.dst = confReg(target); return r; }
        const r = byId('call_helper'); r.imm = Number(BigInt.asIntN(32, confNum(target, 32))); return r;
      }
      if (mode === 'local') {
        if (ops.length !== 1) throw new ParseError(ops[1]!.col, `unexpected operand`);
        const r = byId('call_local'); r.imm = confTarget(target, 'imm', r); return r;
      }
      const r = byId('call_kfunc');
      r.imm = Number(BigInt.asIntN(32, confNum(target, 32)));
      if (ops.length > 2) throw new ParseError(ops[2]!.col, `unexpected operand`);
      if (ops[1]) r.off = Number(BigInt.asIntN(16, confNum(ops[1], 16)));
      return r;
    }
    case 'lddw': {
      want(2);
      const mv = /^([a-z_]+)\s+(.*)$/.exec(ops[1]!.text);
      let src: number = Pseudo.IMM;
      let valueOp = ops[1]!;
      if (mv) {
        const e = Object.entries(PSEUDO_NAME).find(([, n]) => n === mv[1]);
        if (!e) throw new ParseError(ops[1]!.col, `unknown lddw source '${mv[1]}'`);
        src = Number(e[0]);
        valueOp = { text: mv[2]!.trim(), col: ops[1]!.col + ops[1]!.text.indexOf(mv[2]!) };
      }
      const f = forms.find((x) => x.fixedSrc === src)!;
      const r = p(f);
      r.src = src;
      r.dst = confReg(ops[0]!);
      const u = BigInt.asUintN(64, confNum(valueOp, 64));
      r.imm = Number(BigInt.asIntN(32, u));
      r.imm2 = Number(BigInt.asIntN(32, u >> 32n));
      return r;
    }
    case 'ldabs': { want(1); const r = p(f0); r.imm = Number(BigInt.asIntN(32, confNum(ops[0]!, 32))); return r; }
    case 'ldind': { want(2); const r = p(f0); r.src = confReg(ops[0]!); r.imm = Number(BigInt.asIntN(32, confNum(ops[1]!, 32))); return r; }
    case 'ldx': { want(2); const r = p(f0); r.dst = confReg(ops[0]!); const a = confMem(ops[1]!); r.src = a.reg; r.off = a.off; return r; }
    case 'st': { want(2); const r = p(f0); const a = confMem(ops[0]!); r.dst = a.reg; r.off = a.off; r.imm = Number(BigInt.asIntN(32, confNum(ops[1]!, 32))); return r; }
    case 'stx': { want(2); const r = p(f0); const a = confMem(ops[0]!); r.dst = a.reg; r.off = a.off; r.src = confReg(ops[1]!); return r; }
    case 'atomic': {
      want(2);
      const r = p(f0);
      if (f0.op === 'load_acq') { r.dst = confReg(ops[0]!); const a = confMem(ops[1]!); r.src = a.reg; r.off = a.off; return r; }
      const a = confMem(ops[0]!); r.dst = a.reg; r.off = a.off; r.src = confReg(ops[1]!);
      return r;
    }
  }
  throw new ParseError(base, `cannot assemble '${mnemonic}'`);
}

// ---- lines --------------------------------------------------------------------------------

const OBJDUMP_PREFIX = /^\s*\d+:\t(?:[0-9a-f]{2} )*[0-9a-f]{2}\t/;
const OBJDUMP_SYMBOL = /^[0-9a-f]{16} <([^>]+)>:\s*$/;
const OBJDUMP_NOISE = /^(?:\S.*:\s+file format \S+|Disassembly of section .*:)\s*$/;

function isConformanceLine(body: string): boolean {
  const m = /^(lock\s+(?:fetch\s+)?[a-z_]+\d*|[a-z_]+\d*)(?=\s|$)/.exec(body);
  if (!m) return false;
  if (/^lock\s+\*/.test(body)) return false;
  return confTable().has(m[1]!.replace(/\s+/g, ' '));
}

/** Assemble a program. Throws AsmError (line:column: reason) on the first error. */
export function assemble(text: string, opts: AssembleOptions = {}): AssembleResult {
  const dialect = opts.dialect ?? 'auto';
  const parsed: Array<{ p: Parsed; line: number }> = [];
  const labels = new Map<string, number>();
  let slot = 0;
  const lines = text.split(/\r?\n/);
  const err = (line: number, col: number, reason: string) => new AsmError(line, col, reason, opts.file);
  let ln = 0;
  let sawExit = false;
  const defineLabel = (name: string, col: number): void => {
    if (labels.has(name)) throw err(ln + 1, col, `label '${name}' defined twice`);
    labels.set(name, slot);
  };
  for (; ln < lines.length; ln++) {
    let body = lines[ln]!;
    let base = 1;
    // comments: '#', ';' and '//' (not inside a conformance test's `-- ` sections: the caller splits those)
    const cm = /(#|;|\/\/)/.exec(body);
    if (cm) body = body.slice(0, cm.index);
    if (dialect !== 'conformance') {
      const sym = OBJDUMP_SYMBOL.exec(body.trim());
      if (sym) { defineLabel(sym[1]!, 1); continue; }
      if (OBJDUMP_NOISE.test(body)) continue;
      const pre = OBJDUMP_PREFIX.exec(body);
      if (pre) { base += pre[0].length; body = body.slice(pre[0].length); body = body.replace(/\s*<[^<>]*>\s*$/, ''); }
    }
    // labels: `name:` at the start
    for (;;) {
      const lm = /^(\s*)([A-Za-z_.$][\w.$]*)\s*:/.exec(body);
      if (!lm || (/^\s*\d/.test(body))) break;
      defineLabel(lm[2]!, base + lm[1]!.length);
      base += lm[0].length;
      body = body.slice(lm[0].length);
    }
    const lead = body.length - body.trimStart().length;
    base += lead;
    body = body.trim();
    if (!body) continue;
    try {
      const useConf = dialect === 'conformance' || (dialect === 'auto' && isConformanceLine(body));
      let p: Parsed;
      if (useConf) p = parseConformance(body, base);
      else {
        let toks: Tok[];
        try { toks = tokenize(body, base); } catch (e) { if (e instanceof LexError) throw new ParseError(e.col, e.message); throw e; }
        p = parseLlvm(toks, base + body.length);
      }
      if (p.dst >= Limits.MAX_REG || p.src >= Limits.MAX_REG) throw new ParseError(base, 'register out of range');
      // bpf_conformance's assembler: the first `exit` is also the label `exit`
      if (useConf && p.form.kind === 'exit' && !sawExit) { sawExit = true; if (!labels.has('exit')) labels.set('exit', slot); }
      parsed.push({ p, line: ln + 1 });
      slot += p.form.slots;
    } catch (e) {
      if (e instanceof ParseError) throw err(ln + 1, e.col, e.message);
      throw e;
    }
  }
  const insns: Insn[] = [];
  let pc = 0;
  for (const { p, line } of parsed) {
    if (p.label) {
      const target = labels.get(p.label.name);
      if (target === undefined) throw err(line, p.label.col, `unknown label '${p.label.name}'`);
      const disp = target - (pc + 1);
      if (p.label.field === 'off' && (disp < -0x8000 || disp > 0x7fff)) throw err(line, p.label.col, `label '${p.label.name}' is too far for a 16-bit jump (use gotol / ja32)`);
      p[p.label.field] = disp;
    }
    const insn = makeInsn(p.form.opcode, p.dst, p.src, p.off, p.imm, p.form.slots === 2 ? p.imm2 : undefined);
    if (p.form.slots === 2) insn.second = { opcode: 0, dst: 0, src: 0, off: 0 };
    insn.pc = pc;
    const problem = insnProblem(insn);
    if (problem) throw err(line, 1, problem);
    insns.push(insn);
    pc += p.form.slots;
  }
  renumber(insns);
  return { insns, bytes: encode(insns), labels };
}

/** Assemble one instruction (no labels). */
export function assembleInsn(text: string, dialect: AsmDialect = 'auto'): Insn {
  const r = assemble(text, { dialect });
  if (r.insns.length !== 1) throw new AsmError(1, 1, `expected one instruction, got ${r.insns.length}`);
  return r.insns[0]!;
}

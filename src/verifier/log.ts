// The verifier log in the kernel's format: instructions as print_bpf_insn (kernel/bpf/disasm.c)
// prints them, register states after each instruction aligned at column 40, `from N to M:`
// lines, source lines from line info, and the closing statistics.

import type { Insn } from '../isa/insn.js';
import { helperName } from '../helpers/protos.js';
import type { LineInfo } from '../loader/types.js';

const ALU_OPS: Record<string, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: 's/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  mod: '%=', smod: 's%=', xor: '^=', mov: '=', arsh: 's>>=',
};
const JMP_OPS: Record<string, string> = {
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=', jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const disp = (v: number): string => (v < 0 ? `${v}` : `+${v}`);
const sz = (n: number, signed = false): string => `${signed ? 's' : 'u'}${n * 8}`;

/** Fake kernel address of map `index` as the log shows a resolved map pointer. */
export function mapAddr(index: number): bigint {
  return 0xffff888100000000n + BigInt(index) * 0x1000n;
}

/** One instruction as the kernel verifier log prints it (without the `N: ` prefix). */
export function formatInsnKernel(insn: Insn, lddwValue?: bigint): string {
  const f = insn.form;
  const code = `(${insn.opcode.toString(16).padStart(2, '0')})`;
  if (!f) return `${code} unknown`;
  const w = f.is64 ? 'r' : 'w';
  switch (f.kind) {
    case 'alu': {
      const d = `${w}${insn.dst}`;
      if (f.op === 'neg') return `${code} ${d} = -${d}`;
      if (f.op === 'le' || f.op === 'be') return `${code} r${insn.dst} = ${f.op}${insn.imm} r${insn.dst}`;
      if (f.op === 'bswap') return `${code} r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
      if (f.op === 'movsx') return `${code} ${d} = (s${insn.off})${w}${insn.src}`;
      const sym = ALU_OPS[f.op]!;
      return f.useImm ? `${code} ${d} ${sym} ${insn.imm}` : `${code} ${d} ${sym} ${w}${insn.src}`;
    }
    case 'jmp': {
      if (f.op === 'ja') return f.id === 'ja32' ? `${code} gotol pc${disp(insn.imm)}` : `${code} goto pc${disp(insn.off)}`;
      const sym = JMP_OPS[f.op]!;
      const rhs = f.useImm ? hex(insn.imm) : `${w}${insn.src}`;
      return `${code} if ${w}${insn.dst} ${sym} ${rhs} goto pc${disp(insn.off)}`;
    }
    case 'jcond': return `${code} may_goto pc${disp(insn.off)}`;
    case 'call':
      if (insn.src === 1) return `${code} call pc${disp(insn.imm)}`;
      if (insn.src === 2) return `${code} call kernel-function`;
      return `${code} call ${helperName(insn.imm)}#${insn.imm}`;
    case 'callx': return `${code} callx r${insn.dst}`;
    case 'exit': return `${code} exit`;
    case 'lddw': {
      const v = lddwValue ?? ((BigInt((insn.imm2 ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0));
      return `${code} r${insn.dst} = 0x${v.toString(16)}`;
    }
    case 'ldabs': return `${code} r0 = *(${sz(f.size!)} *)skb[${insn.imm}]`;
    case 'ldind': return `${code} r0 = *(${sz(f.size!)} *)skb[r${insn.src} + ${insn.imm}]`;
    case 'ldx': return `${code} r${insn.dst} = *(${sz(f.size!, !!f.signExtend)} *)(r${insn.src} ${disp(insn.off)})`;
    case 'st': return `${code} *(${sz(f.size!)} *)(r${insn.dst} ${disp(insn.off)}) = ${insn.imm}`;
    case 'stx': return `${code} *(${sz(f.size!)} *)(r${insn.dst} ${disp(insn.off)}) = r${insn.src}`;
    case 'atomic': {
      const s = sz(f.size!);
      const aw = f.size === 8 ? 'r' : 'w';
      const mem = `(${s} *)(r${insn.dst} ${disp(insn.off)})`;
      const a = f.size === 8 ? 'atomic64' : 'atomic';
      switch (f.op) {
        case 'add': case 'or': case 'and': case 'xor':
          return `${code} lock *${mem} ${ALU_OPS[f.op]} ${aw}${insn.src}`;
        case 'fetch_add': case 'fetch_or': case 'fetch_and': case 'fetch_xor':
          return `${code} ${aw}${insn.src} = ${a}_${f.op}(${mem}, ${aw}${insn.src})`;
        case 'xchg': return `${code} ${aw}${insn.src} = ${a}_xchg(${mem}, ${aw}${insn.src})`;
        case 'cmpxchg': return `${code} ${aw}0 = ${a}_cmpxchg(${mem}, ${aw}0, ${aw}${insn.src})`;
        case 'load_acq': return `${code} ${f.size === 8 ? 'r' : 'w'}${insn.dst} = load_acquire((${s} *)(r${insn.src} ${disp(insn.off)}))`;
        case 'store_rel': return `${code} store_release((${s} *)(r${insn.dst} ${disp(insn.off)}), ${f.size === 8 ? 'r' : 'w'}${insn.src})`;
      }
      return `${code} atomic`;
    }
  }
}

/** Log buffer with the kernel's rewinding rules. */
export class VLog {
  buf = '';
  /** Position after the last instruction text (print_insn_state appends the state there). */
  prevLogPos = 0;
  prevInsnPrintPos = 0;
  private prevLinfo: LineInfo | undefined;

  constructor(readonly level: number, private readonly lineInfo: readonly LineInfo[]) {}

  get enabled(): boolean {
    return this.level > 0;
  }

  write(s: string): void {
    if (this.level > 0) this.buf += s;
  }

  reset(pos: number): void {
    if (pos < this.buf.length) this.buf = this.buf.slice(0, pos);
    if (this.prevLogPos > this.buf.length) this.prevLogPos = 0;
  }

  /** `; source line @ file:line` when insn starts a new line-info entry. */
  linfo(pc: number, prefix = '; '): void {
    if (!this.level || !this.lineInfo.length) return;
    let found: LineInfo | undefined;
    for (const li of this.lineInfo) {
      if (li.insnOff <= pc) found = li;
      else break;
    }
    if (!found || found === this.prevLinfo) return;
    const file = found.file.slice(found.file.lastIndexOf('/') + 1);
    this.write(`${prefix}${found.text.replace(/^\s+/, '')} @ ${file}:${found.line}\n`);
    this.prevLinfo = found;
  }

  /** The line info entry covering pc (for explain). */
  lineFor(pc: number): LineInfo | undefined {
    let found: LineInfo | undefined;
    for (const li of this.lineInfo) {
      if (li.insnOff <= pc) found = li;
      else break;
    }
    return found;
  }

  /** Append `    ; R1=...` after the previous instruction, or start `N:` — print_insn_state. */
  insnState(pc: number, state: string): void {
    if (this.prevLogPos && this.prevLogPos === this.buf.length) {
      this.buf = this.buf.slice(0, this.prevLogPos - 1);
      const pos = this.prevInsnPrintPos;
      const align = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
      this.write(' '.repeat(Math.max(align - 1, 0)) + ' ;');
    } else {
      this.write(`${pc}:`);
    }
    this.write(state + '\n');
  }

  insn(pc: number, text: string): void {
    this.prevLogPos = this.buf.length;
    const line = `${pc}: ${text}`;
    this.write(line + '\n');
    this.prevInsnPrintPos = line.length + 1;
    this.prevLogPos = this.buf.length;
  }
}

// The disassembler: instructions → text in the three dialects.
//
//  - 'llvm': what `llvm-objdump -d` (LLVM 19) prints for BPF, byte for byte. `hex` selects
//    LLVM 19's default hex immediates (`--print-imm-hex`) or decimal (`--no-print-imm-hex`);
//    `alu32` selects the `--mcpu=v3/v4` spelling (w registers in sub-word loads/stores and
//    32-bit atomics). Where llvm-objdump's text loses fields (the src of a call, a kfunc's
//    BTF-object index, the second immediate of a ld_pseudo, the immediate of LD_IND),
//    `extended` prints a spelling the assembler reads back exactly instead.
//  - 'kernel': the verifier log / `bpftool prog dump xlated` spelling (`(61) r2 = *(u32 *)(r1 +4)`).
//  - 'conformance': the bpf_conformance / uBPF assembler syntax (`ldxw %r0, [%r1+4]`).
//
// Everything is driven by the instruction table (src/isa/table.ts): no opcode numbers here.

import { type Insn, decode, type Endian, isLddw } from '../isa/insn.js';
import { parseElf } from '../elf/index.js';
import { insnProblem } from '../isa/validate.js';
import type { InsnForm } from '../isa/table.js';
import { Pseudo } from '../isa/opcodes.js';
import {
  conformanceMnemonic, ALU_SYMBOL, ATOMIC_SYMBOL, type Dialect, fmtDisp, fmtMemOff, fmtSigned, HELPER_NAME, JMP_SYMBOL, lddwFull,
  PSEUDO_NAME, sizeName,
} from './syntax.js';

export interface FormatOptions {
  /** Immediates in hex (llvm-objdump 19's default). Default true for 'llvm'. */
  hex?: boolean;
  /** llvm: `--mcpu=v3`/`v4` spelling (w registers for sub-word loads/stores, 32-bit atomics). */
  alu32?: boolean;
  /** llvm: exact spellings where llvm-objdump's text drops fields (so text → bytes is the identity). */
  extended?: boolean;
}

export interface DisasmOptions extends FormatOptions {
  dialect?: Dialect;
  /** Options of the kernel dialect. */
  kernel?: KernelFormatOptions;
}

const UNKNOWN = '<unknown>';

function reg(n: number, w: boolean): string {
  return `${w ? 'w' : 'r'}${n}`;
}

/** The form, when the encoding is a valid instruction; undefined otherwise. */
function validForm(insn: Insn): InsnForm | undefined {
  return insn.form && insnProblem(insn) === undefined ? insn.form : undefined;
}

// ---- llvm ---------------------------------------------------------------------------------

/** One instruction as llvm-objdump prints it (without the jump-target annotation). */
export function formatInsnLlvm(insn: Insn, opts: FormatOptions = {}): string {
  const f = validForm(insn);
  if (!f) return UNKNOWN;
  const hex = opts.hex ?? true;
  const alu32 = opts.alu32 ?? false;
  const num = (v: number | bigint) => fmtSigned(v, hex);
  const mem = (r: number) => `(r${r} ${fmtMemOff(insn.off, hex)})`;
  const { dst, src, imm } = insn;
  switch (f.kind) {
    case 'alu': {
      const w = !f.is64;
      const D = reg(dst, w);
      switch (f.op) {
        case 'neg': return `${D} = -${D}`;
        case 'movsx': return `${D} = (s${f.size! * 8})${reg(src, w)}`;
        case 'le': case 'be': case 'bswap': return `r${dst} = ${f.op}${f.size! * 8} r${dst}`;
        default: {
          const sym = ALU_SYMBOL[f.op as keyof typeof ALU_SYMBOL]!;
          return `${D} ${sym} ${f.useImm ? num(imm) : reg(src, w)}`;
        }
      }
    }
    case 'jmp': {
      if (f.op === 'ja') return f.id === 'ja32' ? `gotol ${fmtDisp(imm, hex)}` : `goto ${fmtDisp(insn.off, hex)}`;
      const w = !f.is64;
      const sym = JMP_SYMBOL[f.op as keyof typeof JMP_SYMBOL]!;
      return `if ${reg(dst, w)} ${sym} ${f.useImm ? num(imm) : reg(src, w)} goto ${fmtDisp(insn.off, hex)}`;
    }
    case 'jcond': return `may_goto ${fmtDisp(insn.off, hex)}`;
    case 'call':
      if (opts.extended && f.id === 'call_local') return `call local ${num(imm)}`;
      if (opts.extended && f.id === 'call_kfunc') return `call kfunc ${num(imm)}${insn.off ? ', ' + num(insn.off) : ''}`;
      return `call ${num(imm)}`;
    case 'callx': return `callx r${dst}`;
    case 'exit': return 'exit';
    case 'lddw': {
      if (insn.src === Pseudo.IMM) return `r${dst} = ${num(BigInt.asIntN(64, lddwFull(imm, insn.imm2)))} ll`;
      const u = (v: number) => (hex ? `0x${(v >>> 0).toString(16)}` : String(v >>> 0));
      const base = `ld_pseudo\tr${dst}, ${u(insn.src)}, ${u(imm)}`;
      return opts.extended && (insn.imm2 ?? 0) !== 0 ? `${base}, ${u(insn.imm2!)}` : base;
    }
    case 'ldabs': return `r0 = *(${sizeName(f.size!)} *)skb[${num(imm)}]`;
    case 'ldind':
      return opts.extended && imm !== 0
        ? `r0 = *(${sizeName(f.size!)} *)skb[r${src} ${fmtMemOff(imm, hex)}]`
        : `r0 = *(${sizeName(f.size!)} *)skb[r${src}]`;
    case 'ldx': {
      const w = alu32 && !f.signExtend && f.size! < 8;
      return `${reg(dst, w)} = *(${sizeName(f.size!, f.signExtend)} *)${mem(src)}`;
    }
    case 'st': return `*(${sizeName(f.size!)} *)${mem(dst)} = ${num(imm)}`;
    case 'stx': return `*(${sizeName(f.size!)} *)${mem(dst)} = ${reg(src, alu32 && f.size! < 8)}`;
    case 'atomic': {
      const sz = sizeName(f.size!);
      // Plain llvm-objdump (no --mcpu) decodes only the 32-bit atomic add: the others (and
      // every narrower load-acquire / store-release) always take the alu32 spelling.
      const w = f.size! < 8 && (alu32 || f.op !== 'add');
      const S = reg(src, w);
      switch (f.op) {
        case 'add': case 'or': case 'and': case 'xor':
          return `lock *(${sz} *)${mem(dst)} ${ATOMIC_SYMBOL[f.op]} ${S}`;
        case 'fetch_add': case 'fetch_or': case 'fetch_and': case 'fetch_xor':
          return `${S} = atomic_${f.op}((${sz} *)${mem(dst)}, ${S})`;
        case 'xchg':
          return f.size === 8 ? `${S} = xchg_64(r${dst} ${fmtMemOff(insn.off, hex)}, ${S})` : `${S} = xchg32_32(r${dst} ${fmtMemOff(insn.off, hex)}, ${S})`;
        case 'cmpxchg':
          return f.size === 8
            ? `r0 = cmpxchg_64(r${dst} ${fmtMemOff(insn.off, hex)}, r0, ${S})`
            : `w0 = cmpxchg32_32(r${dst} ${fmtMemOff(insn.off, hex)}, w0, ${S})`;
        // LLVM 20's spelling (LLVM 19 does not know these).
        case 'load_acq': return `${reg(dst, w)} = load_acquire((${sz} *)${mem(src)})`;
        case 'store_rel': return `store_release((${sz} *)${mem(dst)}, ${S})`;
      }
      return UNKNOWN;
    }
  }
  return UNKNOWN;
}

// ---- conformance --------------------------------------------------------------------------

function confMem(r: number, off: number): string {
  return off === 0 ? `[%r${r}]` : `[%r${r}${off > 0 ? '+' : ''}${off}]`;
}

function confDispNum(v: number): string {
  return (v < 0 ? '' : '+') + v;
}

/**
 * One instruction in the bpf_conformance assembler syntax. `label` may name a jump or call
 * target slot (it is then written instead of the displacement).
 */
export function formatInsnConformance(insn: Insn, label?: (slot: number) => string | undefined): string {
  const f = validForm(insn);
  if (!f) return `.invalid 0x${insn.opcode.toString(16).padStart(2, '0')}`;
  const { dst, src, imm, off } = insn;
  const R = (n: number) => `%r${n}`;
  const confDisp = (v: number) => label?.(insn.pc + 1 + v) ?? confDispNum(v);
  switch (f.kind) {
    case 'alu':
      if (f.op === 'neg' || f.op === 'le' || f.op === 'be' || f.op === 'bswap') return `${f.mnemonic} ${R(dst)}`;
      return `${f.mnemonic} ${R(dst)}, ${f.useImm ? imm : R(src)}`;
    case 'jmp':
      if (f.op === 'ja') return f.id === 'ja32' ? `ja32 ${confDisp(imm)}` : `ja ${confDisp(off)}`;
      return `${f.mnemonic} ${R(dst)}, ${f.useImm ? imm : R(src)}, ${confDisp(off)}`;
    case 'jcond': return `may_goto ${confDisp(off)}`;
    case 'call':
      if (f.id === 'call_local') return `call local ${confDisp(imm)}`;
      if (f.id === 'call_kfunc') return `call runtime ${imm}${off ? ', ' + off : ''}`;
      return `call ${imm}`;
    case 'callx': return `call ${R(dst)}`; // bpf_conformance's spelling (`callx %rN` is read too)
    case 'exit': return 'exit';
    case 'lddw': {
      const v = `0x${lddwFull(imm, insn.imm2).toString(16)}`;
      return insn.src === Pseudo.IMM ? `lddw ${R(dst)}, ${v}` : `lddw ${R(dst)}, ${PSEUDO_NAME[insn.src]} ${v}`;
    }
    case 'ldabs': return `${f.mnemonic} ${imm}`;
    case 'ldind': return `${f.mnemonic} ${R(src)}, ${imm}`;
    case 'ldx': return `${f.mnemonic} ${R(dst)}, ${confMem(src, off)}`;
    case 'st': return `${f.mnemonic} ${confMem(dst, off)}, ${imm}`;
    case 'stx': return `${f.mnemonic} ${confMem(dst, off)}, ${R(src)}`;
    case 'atomic':
      if (f.op === 'load_acq') return `${conformanceMnemonic(f)} ${R(dst)}, ${confMem(src, off)}`;
      return `${conformanceMnemonic(f)} ${confMem(dst, off)}, ${R(src)}`;
  }
  return `.invalid 0x${insn.opcode.toString(16).padStart(2, '0')}`;
}

// ---- kernel -------------------------------------------------------------------------------

export interface KernelFormatOptions {
  /**
   * Text of a 64-bit immediate load's value (`map[id:5]`, `map[id:5][0]+16`), or undefined
   * for the kernel's default: `0x…` of the constant (0 for map pointers unless `allowPtrLeaks`).
   */
  imm64?: (insn: Insn) => string | undefined;
  /** Name of a helper (`bpf_map_lookup_elem`); default the UAPI name, `unknown` when none. */
  helperName?: (id: number) => string | undefined;
  /** Text after `call ` of a bpf-to-bpf call; default `pc+N`. */
  localCall?: (insn: Insn) => string | undefined;
  /** Show map pointers' values (the kernel hides them from unprivileged logs). Default true. */
  allowPtrLeaks?: boolean;
  /**
   * bpftool's spelling of 64-bit immediates (xlated_dumper.c print_imm), for instructions
   * whose imm holds a map id: `map[id:5]`, `map[id:5][0]+16`, `map[idx:1]+0`, `subprog[+3]`.
   */
  bpftool?: boolean;
}

/** bpftool's text of a lddw immediate, or undefined for a plain constant. */
export function bpftoolImm64(insn: Insn): string | undefined {
  switch (insn.src) {
    case Pseudo.MAP_FD: return `map[id:${insn.imm >>> 0}]`;
    case Pseudo.MAP_VALUE: return `map[id:${insn.imm >>> 0}][0]+${(insn.imm2 ?? 0) >>> 0}`;
    case Pseudo.MAP_IDX_VALUE: return `map[idx:${insn.imm >>> 0}]+${(insn.imm2 ?? 0) >>> 0}`;
    case Pseudo.FUNC: return `subprog[${pm(insn.imm)}]`;
    default: return undefined;
  }
}

const pm = (v: number) => (v < 0 ? `${v}` : `+${v}`);

/** One instruction as the kernel's verifier log and `bpftool prog dump xlated` print it. */
export function formatInsnKernel(insn: Insn, opts: KernelFormatOptions = {}): string {
  const code = `(${insn.opcode.toString(16).padStart(2, '0')})`;
  const f = insn.form;
  const { dst, src, imm, off } = insn;
  if (!f) return `${code} BUG_${insn.opcode.toString(16).padStart(2, '0')}`;
  const memK = (r: number) => `(r${r} ${pm(off)})`;
  switch (f.kind) {
    case 'alu': {
      const w = !f.is64;
      const D = reg(dst, w);
      switch (f.op) {
        case 'neg': return `${code} ${D} = -${D}`;
        case 'le': case 'be': case 'bswap': return `${code} r${dst} = ${f.op}${imm} r${dst}`;
        case 'movsx': return `${code} ${D} = (s${f.size! * 8})${reg(src, w)}`;
        default: {
          const sym = ALU_SYMBOL[f.op as keyof typeof ALU_SYMBOL]!;
          return `${code} ${D} ${sym} ${f.useImm ? String(imm) : reg(src, w)}`;
        }
      }
    }
    case 'jmp': {
      if (f.op === 'ja') return f.id === 'ja32' ? `${code} gotol pc${pm(imm)}` : `${code} goto pc${pm(off)}`;
      const w = !f.is64;
      const sym = JMP_SYMBOL[f.op as keyof typeof JMP_SYMBOL]!;
      const rhs = f.useImm ? `0x${(imm >>> 0).toString(16)}` : reg(src, w);
      return `${code} if ${reg(dst, w)} ${sym} ${rhs} goto pc${pm(off)}`;
    }
    case 'jcond': return `${code} may_goto pc${pm(off)}`;
    case 'call': {
      if (f.id === 'call_local') return `${code} call ${opts.localCall?.(insn) ?? 'pc' + pm(imm)}`;
      if (f.id === 'call_kfunc') return `${code} call kernel-function#${imm}`;
      const name = opts.helperName ? opts.helperName(imm) : HELPER_NAME.get(imm);
      return `${code} call ${name ?? 'unknown'}#${imm}`;
    }
    case 'callx': return `${code} callx r${dst}`;
    case 'exit': return `${code} exit`;
    case 'lddw': {
      const custom = opts.imm64?.(insn) ?? (opts.bpftool ? bpftoolImm64(insn) : undefined);
      if (custom !== undefined) return `${code} r${dst} = ${custom}`;
      const isPtr = insn.src === Pseudo.MAP_FD || insn.src === Pseudo.MAP_VALUE;
      const v = isPtr && opts.allowPtrLeaks === false ? 0n : lddwFull(imm, insn.imm2);
      return `${code} r${dst} = 0x${v.toString(16)}`;
    }
    case 'ldabs': return `${code} r0 = *(${sizeName(f.size!)} *)skb[${imm}]`;
    case 'ldind': return `${code} r0 = *(${sizeName(f.size!)} *)skb[r${src} + ${imm}]`;
    case 'ldx': return `${code} r${dst} = *(${sizeName(f.size!, f.signExtend)} *)${memK(src)}`;
    case 'st': return `${code} *(${sizeName(f.size!)} *)${memK(dst)} = ${imm}`;
    case 'stx': return `${code} *(${sizeName(f.size!)} *)${memK(dst)} = r${src}`;
    case 'atomic': {
      const sz = sizeName(f.size!);
      const a64 = f.size === 8 ? '64' : '';
      switch (f.op) {
        case 'add': case 'or': case 'and': case 'xor':
          return `${code} lock *(${sz} *)${memK(dst)} ${ATOMIC_SYMBOL[f.op]} r${src}`;
        case 'fetch_add': case 'fetch_or': case 'fetch_and': case 'fetch_xor':
          return `${code} r${src} = atomic${a64}_${f.op}((${sz} *)${memK(dst)}, r${src})`;
        case 'xchg': return `${code} r${src} = atomic${a64}_xchg((${sz} *)${memK(dst)}, r${src})`;
        case 'cmpxchg': return `${code} r0 = atomic${a64}_cmpxchg((${sz} *)${memK(dst)}, r0, r${src})`;
        case 'load_acq': return `${code} r${dst} = load_acquire((${sz} *)${memK(src)})`;
        case 'store_rel': return `${code} store_release((${sz} *)${memK(dst)}, r${src})`;
      }
    }
  }
  return `${code} BUG_${insn.opcode.toString(16).padStart(2, '0')}`;
}

// ---- listings -----------------------------------------------------------------------------

/** One instruction in the chosen dialect (llvm by default). */
export function formatInsn(insn: Insn, opts: DisasmOptions = {}): string {
  switch (opts.dialect ?? 'llvm') {
    case 'llvm': return formatInsnLlvm(insn, opts);
    case 'kernel': return formatInsnKernel(insn, opts.kernel);
    case 'conformance': return formatInsnConformance(insn);
  }
}

/** Whether the instruction's target is pc-relative in off / imm (for labels and annotations). */
export function branchTarget(insn: Insn): number | undefined {
  const f = insn.form;
  if (!f) return undefined;
  if (f.kind === 'jmp' || f.kind === 'jcond') return insn.pc + 1 + (f.id === 'ja32' ? insn.imm : insn.off);
  return undefined;
}

function hexBytes(bytes: Uint8Array, from: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n && from + i < bytes.length; i++) out.push(bytes[from + i]!.toString(16).padStart(2, '0'));
  return out.join(' ');
}

export interface Symbol {
  name: string;
  /** Byte offset in the section. */
  offset: number;
}

/**
 * llvm-objdump's listing of one code section's bytes: `<sym>:` headers where symbols start,
 * `   pc:\tbytes\ttext` lines, and `<sym+0x..>` after jump targets when there are symbols.
 */
export function objdumpSection(bytes: Uint8Array, symbols: readonly Symbol[], opts: FormatOptions & { endian?: Endian } = {}): string {
  const usable = bytes.subarray(0, bytes.length - (bytes.length % 8));
  const insns = decode(usable, opts.endian);
  const syms = [...symbols].sort((a, b) => a.offset - b.offset || a.name.localeCompare(b.name));
  const byOffset = new Map<number, string[]>();
  for (const s of syms) {
    const l = byOffset.get(s.offset) ?? [];
    l.push(s.name);
    byOffset.set(s.offset, l);
  }
  const lines: string[] = [];
  const annotate = (targetSlot: number): string => {
    if (!syms.length) return '';
    const addr = BigInt.asUintN(64, BigInt(targetSlot) * 8n);
    // the last symbol at or before the address (objdump's symbolizer)
    let best: Symbol | undefined;
    for (const s of syms) if (BigInt(s.offset) <= addr) best = s;
    if (!best) return '';
    const d = addr - BigInt(best.offset);
    return d === 0n ? ` <${best.name}>` : ` <${best.name}+0x${d.toString(16)}>`;
  };
  for (const insn of insns) {
    const at = insn.pc * 8;
    for (const name of byOffset.get(at) ?? []) {
      lines.push('');
      lines.push(`${at.toString(16).padStart(16, '0')} <${name}>:`);
    }
    const n = isLddw(insn.opcode) && insn.second ? 16 : 8; // lddw spans two slots
    let text = formatInsnLlvm(insn, opts);
    const t = text !== UNKNOWN ? branchTarget(insn) : undefined;
    if (t !== undefined) text += annotate(t);
    lines.push(`${String(insn.pc).padStart(8)}:\t${hexBytes(usable, at, n)}\t${text}`);
  }
  return lines.join('\n');
}

/**
 * Disassemble bytecode to one line per instruction in the chosen dialect. With `labels`,
 * the conformance dialect writes jump targets as labels (`L3:`), as its test files do.
 */
export function disassemble(bytes: Uint8Array | readonly Insn[], opts: DisasmOptions & { endian?: Endian; pcs?: boolean; labels?: boolean } = {}): string {
  const insns = bytes instanceof Uint8Array ? decode(bytes, opts.endian) : bytes;
  const lines: string[] = [];
  const dialect = opts.dialect ?? 'llvm';
  let label: ((slot: number) => string | undefined) | undefined;
  const targets = new Set<number>();
  if (opts.labels && dialect === 'conformance') {
    const starts = new Set(insns.map((i) => i.pc));
    for (const i of insns) {
      const f = i.form;
      if (!f || insnProblem(i)) continue;
      const t = f.kind === 'jmp' || f.kind === 'jcond' ? branchTarget(i) : f.id === 'call_local' ? i.pc + 1 + i.imm : undefined;
      if (t !== undefined && starts.has(t)) targets.add(t);
    }
    label = (slot) => (targets.has(slot) ? `L${slot}` : undefined);
  }
  for (const insn of insns) {
    if (targets.has(insn.pc)) lines.push(`L${insn.pc}:`);
    const text = dialect === 'conformance' ? formatInsnConformance(insn, label) : formatInsn(insn, opts);
    if (dialect === 'kernel') lines.push(`${String(insn.pc).padStart(opts.pcs === false ? 0 : 4)}: ${text}`);
    else if (opts.pcs) lines.push(`${String(insn.pc).padStart(8)}:\t${text}`);
    else lines.push(text);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

const SHF_EXECINSTR = 0x4;
const STT_SECTION = 3;
const STT_FILE = 4;

/** The code sections of an ELF object with their symbols, as llvm-objdump picks them. */
export function codeSections(elf: Uint8Array): Array<{ name: string; index: number; bytes: Uint8Array; symbols: Symbol[] }> {
  const file = parseElf(elf);
  const out: Array<{ name: string; index: number; bytes: Uint8Array; symbols: Symbol[] }> = [];
  for (const s of file.sections) {
    if ((s.flags & SHF_EXECINSTR) === 0 || s.data.length === 0) continue;
    const symbols = file.symbols
      .filter((y) => y.shndx === s.index && y.name !== '' && y.type !== STT_SECTION && y.type !== STT_FILE)
      .map((y) => ({ name: y.name, offset: y.value }));
    out.push({ name: s.name, index: s.index, bytes: s.data, symbols });
  }
  return out;
}

/** The whole output of `llvm-objdump -d FILE` for a BPF ELF object. */
export function objdumpElf(elf: Uint8Array, fileName: string, opts: FormatOptions & { sections?: readonly string[] } = {}): string {
  const file = parseElf(elf);
  const endian = file.header.endian;
  let out = `\n${fileName}:\tfile format elf64-bpf\n`;
  for (const s of codeSections(elf)) {
    if (opts.sections && !opts.sections.includes(s.name)) continue;
    out += `\nDisassembly of section ${s.name}:\n`;
    out += objdumpSection(s.bytes, s.symbols, { ...opts, endian }) + '\n';
  }
  return out;
}

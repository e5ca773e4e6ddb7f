// tsbpf disasm FILE [section NAME] [syntax {llvm|kernel|conformance}] [decimal] [exact] [labels] [mcpu {v1|v2|v3|v4}] [format {raw|hex}]
//
// FILE is an ELF object (its code sections, or just section NAME) or raw bytecode (`format
// hex` for hex text). The llvm syntax (default) prints exactly what `llvm-objdump -d FILE`
// (LLVM 19) prints: hex immediates unless `decimal` (--no-print-imm-hex), and the
// `--mcpu=v3/v4` spelling with `mcpu v3|v4`. `kernel` prints bpftool's xlated / verifier
// log spelling, `conformance` the bpf_conformance assembler syntax (`tsbpf asm` reads both
// llvm and conformance output back). `exact` uses tsbpf's spellings where llvm-objdump's
// text drops fields (call kinds, kfunc BTF-object index, ld_pseudo's second immediate,
// LD_IND's immediate), so that `tsbpf asm` gets the same bytes back. `labels` writes jump
// targets as labels in the conformance syntax (raw bytecode).

import { disassemble, formatInsn, codeSections, objdumpElf, objdumpSection, type DisasmOptions } from '../../asm/disasm.js';
import { decode, isLddw } from '../../isa/insn.js';
import { isElf } from '../../elf/index.js';
import { isPrefix } from '../args.js';
import { CliError, type CliContext, type CliObject } from '../context.js';
import { readInput } from './asm.js';

export const DISASM_USAGE = `Usage: tsbpf disasm FILE [section NAME] [syntax {llvm|kernel|conformance}] [decimal] [exact] [labels] [mcpu {v1|v2|v3|v4}] [format {raw|hex}]
`;

function listing(bytes: Uint8Array, opts: DisasmOptions): Array<{ pc: number; hex: string; text: string }> {
  return decode(bytes).map((i) => ({
    pc: i.pc,
    hex: Buffer.from(bytes.subarray(i.pc * 8, i.pc * 8 + (isLddw(i.opcode) && i.second ? 16 : 8))).toString('hex'),
    text: formatInsn(i, opts),
  }));
}

function plain(bytes: Uint8Array, opts: DisasmOptions & { labels?: boolean }): string {
  if ((opts.dialect ?? 'llvm') === 'llvm') return objdumpSection(bytes, [], opts) + '\n';
  if (opts.dialect === 'conformance') return disassemble(bytes, opts);
  return listing(bytes, opts).map((l) => `${String(l.pc).padStart(4)}: ${l.text}`).join('\n') + '\n';
}

export function runDisasm(ctx: CliContext, argv: string[]): number {
  const a = [...argv];
  if (!a.length || a[0] === 'help') { ctx.out(DISASM_USAGE); return a.length ? 0 : 255; }
  const file = a.shift()!;
  let section: string | undefined;
  const opts: DisasmOptions = { dialect: 'llvm', hex: true, alu32: false };
  let hexInput = false;
  let labels = false;
  while (a.length) {
    const w = a.shift()!;
    const val = (what: string) => {
      const v = a.shift();
      if (v === undefined) throw new CliError(`'${w}' needs ${what}`);
      return v;
    };
    if (isPrefix(w, 'section')) section = val('a section name');
    else if (isPrefix(w, 'syntax')) {
      const v = val('a syntax');
      if (v !== 'llvm' && v !== 'kernel' && v !== 'conformance') throw new CliError(`unknown syntax '${v}' (llvm, kernel or conformance)`);
      opts.dialect = v;
    } else if (isPrefix(w, 'decimal')) opts.hex = false;
    else if (isPrefix(w, 'exact')) opts.extended = true;
    else if (isPrefix(w, 'labels')) labels = true;
    else if (isPrefix(w, 'mcpu')) {
      const v = val('a cpu version');
      if (!/^v[1-4]$|^generic$|^probe$/.test(v)) throw new CliError(`unknown cpu '${v}' (v1..v4)`);
      opts.alu32 = v === 'v3' || v === 'v4';
    } else if (isPrefix(w, 'format')) {
      const v = val('a format');
      if (v !== 'raw' && v !== 'hex') throw new CliError(`unknown format '${v}' (raw or hex)`);
      hexInput = v === 'hex';
    } else throw new CliError(`unexpected argument '${w}'`);
  }
  let bytes: Uint8Array = new Uint8Array(readInput(ctx, file));
  if (hexInput) {
    const t = Buffer.from(bytes).toString('utf8').replace(/\s+/g, '');
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) throw new CliError(`${file}: not hex text`);
    bytes = new Uint8Array(Buffer.from(t, 'hex'));
  }
  if (isElf(bytes)) {
    const sections = codeSections(bytes);
    if (section !== undefined && !sections.some((s) => s.name === section)) {
      throw new CliError(`no code section '${section}' in ${file} (have: ${sections.map((s) => s.name).join(', ') || 'none'})`, 2);
    }
    const chosen = sections.filter((s) => section === undefined || s.name === section);
    if (ctx.json) {
      ctx.out(JSON.stringify(chosen.map((s) => ({ section: s.name, symbols: s.symbols, insns: listing(s.bytes, opts) })), null, ctx.pretty ? 4 : undefined) + '\n');
    } else if (opts.dialect === 'llvm') {
      ctx.out(objdumpElf(bytes, file, { ...opts, sections: section === undefined ? undefined : [section] }));
    } else {
      const parts: string[] = [];
      for (const s of chosen) {
        let text = `section ${s.name}:\n`;
        const starts = new Map(s.symbols.map((y) => [y.offset / 8, y.name]));
        for (const l of listing(s.bytes, opts)) {
          const sym = starts.get(l.pc);
          if (sym !== undefined) text += opts.dialect === 'kernel' ? `${sym}:\n` : `${sym}:\n`;
          text += opts.dialect === 'kernel' ? `${String(l.pc).padStart(4)}: ${l.text}\n` : `${l.text}\n`;
        }
        parts.push(text);
      }
      ctx.out(parts.join('\n'));
    }
    return 0;
  }
  if (section !== undefined) throw new CliError(`${file} is not an ELF object: 'section' needs one`);
  if (bytes.length % 8 !== 0) throw new CliError(`${file}: ${bytes.length} bytes is not a whole number of instructions (8 bytes each)`);
  if (ctx.json) ctx.out(JSON.stringify(listing(bytes, opts), null, ctx.pretty ? 4 : undefined) + '\n');
  else ctx.out(plain(bytes, { ...opts, labels }));
  return 0;
}

export const disasmObject: CliObject = {
  name: 'disasm',
  summary: 'disassemble bytecode or an ELF object (llvm-objdump, kernel or conformance syntax)',
  run: runDisasm,
};

// tsbpf asm FILE [-o OUT] [syntax {auto|llvm|conformance}] [format {raw|elf|hex}] [section NAME]
//
// Assembles text (FILE may be `-` for stdin) in the llvm dialect (llvm-objdump's spelling,
// its listings included) or the bpf_conformance dialect; `auto` (default) takes each line in
// whichever it is written. A FILE ending in `.data` is a bpf_conformance test file: its
// `-- asm` (or `-- raw`) section is the program. Output: with `-o OUT`, raw bytecode, or an ELF object when OUT
// ends in `.o` (one program in section NAME, default `xdp`, GPL license: what
// `bpftool prog load` takes); `format` overrides the choice. Without `-o`, the bytecode is
// printed as hex, one instruction per line (JSON with -j: {"insns": N, "hex": "..."}).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assemble, type AsmDialect } from '../../asm/assemble.js';
import { programObject } from '../../asm/elf-writer.js';
import { decode, isLddw } from '../../isa/insn.js';
import { caseProgram, parseDataFile } from '../../conformance/data.js';
import { CliError, type CliContext, type CliObject } from '../context.js';
import { isPrefix } from '../args.js';

export const ASM_USAGE = `Usage: tsbpf asm FILE [-o OUT] [syntax {auto|llvm|conformance}] [format {raw|elf|hex}] [section NAME]
       FILE '-' reads standard input, FILE.data a bpf_conformance test; OUT ending in .o gets an ELF object, otherwise raw bytecode.
`;

export function readInput(ctx: CliContext, file: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(resolve(ctx.cwd, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`can't read ${file}: ${code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`, code === 'ENOENT' ? 2 : 5);
  }
}

export function runAsm(ctx: CliContext, argv: string[]): number {
  let file: string | undefined;
  let out: string | undefined;
  let dialect: AsmDialect = 'auto';
  let format: 'raw' | 'elf' | 'hex' | undefined;
  let section = 'xdp';
  const a = [...argv];
  if (!a.length || a[0] === 'help') { ctx.out(ASM_USAGE); return a.length ? 0 : 255; }
  while (a.length) {
    const w = a.shift()!;
    const val = (what: string) => {
      const v = a.shift();
      if (v === undefined) throw new CliError(`'${w}' needs ${what}`);
      return v;
    };
    if (w === '-o' || w === '--output') out = val('an output file');
    else if (file === undefined) file = w;
    else if (isPrefix(w, 'syntax') || w === '--syntax') {
      const v = val('a syntax');
      if (v !== 'auto' && v !== 'llvm' && v !== 'conformance') throw new CliError(`unknown syntax '${v}' (auto, llvm or conformance)`);
      dialect = v;
    } else if (isPrefix(w, 'format')) {
      const v = val('a format');
      if (v !== 'raw' && v !== 'elf' && v !== 'hex') throw new CliError(`unknown format '${v}' (raw, elf or hex)`);
      format = v;
    } else if (isPrefix(w, 'section')) section = val('a section name');
    else throw new CliError(`unexpected argument '${w}'`);
  }
  if (file === undefined) throw new CliError('asm: missing FILE');
  const text = readInput(ctx, file).toString('utf8');
  // a bpf_conformance test file: its program (the -- asm section, or -- raw words)
  const r = file.endsWith('.data')
    ? (() => { const bytes = caseProgram(parseDataFile(text, file)); const insns = decode(bytes); return { insns, bytes }; })()
    : assemble(text, { dialect, file: file === '-' ? '<stdin>' : file });
  const fmt = format ?? (out === undefined ? 'hex' : out.endsWith('.o') ? 'elf' : 'raw');
  if (fmt === 'hex' && out === undefined) {
    if (ctx.json) {
      ctx.out(JSON.stringify({ insns: r.insns.length, hex: Buffer.from(r.bytes).toString('hex') }, null, ctx.pretty ? 4 : undefined) + '\n');
    } else {
      const lines: string[] = [];
      for (const i of r.insns) {
        const n = isLddw(i.opcode) ? 16 : 8;
        lines.push(Buffer.from(r.bytes.subarray(i.pc * 8, i.pc * 8 + n)).toString('hex').replace(/(..)(?!$)/g, '$1 '));
      }
      ctx.out(lines.join('\n') + (lines.length ? '\n' : ''));
    }
    return 0;
  }
  const bytes = fmt === 'elf' ? programObject(r.bytes, { section }) : fmt === 'hex' ? Buffer.from(Buffer.from(r.bytes).toString('hex') + '\n') : r.bytes;
  if (out === undefined || out === '-') process.stdout.write(bytes);
  else {
    try { writeFileSync(resolve(ctx.cwd, out), bytes); } catch (e) { throw new CliError(`can't write ${out}: ${(e as Error).message}`, 5); }
  }
  if (ctx.json) ctx.out(JSON.stringify({ insns: r.insns.length, bytes: bytes.length, format: fmt }) + '\n');
  return 0;
}

export const asmObject: CliObject = {
  name: 'asm',
  summary: 'assemble text (llvm or conformance syntax) to bytecode or an ELF object',
  run: runAsm,
};

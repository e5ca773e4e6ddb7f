// Source lines for instructions, as the kernel's verifier prints them
// (`; return ctx->data + 14 > ctx->data_end; @ prog.c:12`).

import type { LineInfo, ProgramSpec } from './types.js';

/** The line record covering slot `pc`: the last one starting at or before it (the kernel's find_linfo). */
export function lineInfoFor(prog: Pick<ProgramSpec, 'lineInfo'>, pc: number): LineInfo | undefined {
  const l = prog.lineInfo;
  let lo = 0, hi = l.length - 1, found: LineInfo | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid]!.insnOff <= pc) {
      found = l[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The line record starting exactly at slot `pc` (where the verifier prints a new source line). */
export function lineInfoAt(prog: Pick<ProgramSpec, 'lineInfo'>, pc: number): LineInfo | undefined {
  const r = lineInfoFor(prog, pc);
  return r && r.insnOff === pc ? r : undefined;
}

/** `; <source line, leading blanks removed> @ <file base name>:<line>`, as the verifier log has it. */
export function formatLineInfo(l: LineInfo): string {
  const file = l.file.slice(l.file.lastIndexOf('/') + 1);
  return `; ${l.text.replace(/^[\s]+/, '')} @ ${file}:${l.line}`;
}

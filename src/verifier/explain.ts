// Explain mode: for a rejection, the source line, what the verifier knew about the
// registers there, the branch decisions that led there, and the usual fix.

import type { ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import { DIAGNOSTICS } from './diagnostics.js';
import { verify } from './verifier.js';

export interface Explanation {
  ok: boolean;
  code?: string;
  message?: string;
  pc?: number;
  /** `file:line: source text` of the failing instruction, when line info exists. */
  source?: string;
  /** Register and stack state at the failure, in the kernel's notation. */
  state?: string;
  /** Branch decisions on the failing path: `insn 4: jumped to 16` / `insn 4: fell through to 5`. */
  path: string[];
  hint?: string;
  text: string;
}

export function explain(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>): Explanation {
  const r = verify(prog, maps, { logLevel: 0, trace: true });
  if (r.ok) return { ok: true, path: [], text: `${prog.name}: accepted (${r.stats.processed} instructions processed)\n` };
  const e = r.error!;
  const li = [...(prog.lineInfo ?? [])].filter((l) => l.insnOff <= e.pc).pop();
  const source = li ? `${li.file.slice(li.file.lastIndexOf('/') + 1)}:${li.line}: ${li.text.trim()}` : undefined;
  const path = (r.trace?.path ?? []).map((s) => `insn ${s.from}: ${s.taken ? 'jumped to' : 'fell through to'} ${s.to}`);
  const diag = DIAGNOSTICS.find((d) => d.code === e.code);
  const out: string[] = [];
  out.push(`${prog.name}: rejected at insn ${e.pc} [${e.code}]`);
  out.push(`  error:  ${e.message.split('\n').join('\n          ')}`);
  if (source) out.push(`  source: ${source}`);
  if (r.trace?.regs) out.push(`  state: ${r.trace.regs.trim()}`);
  if (path.length) {
    out.push('  path:');
    for (const p of path.slice(-20)) out.push(`    ${p}`);
    if (path.length > 20) out.push(`    (${path.length - 20} earlier decisions omitted)`);
  }
  if (diag?.hint) out.push(`  fix:    ${diag.hint}`);
  const x: Explanation = { ok: false, code: e.code, message: e.message, pc: e.pc, path, text: out.join('\n') + '\n' };
  if (source) x.source = source;
  if (r.trace?.regs) x.state = r.trace.regs.trim();
  if (diag?.hint) x.hint = diag.hint;
  return x;
}

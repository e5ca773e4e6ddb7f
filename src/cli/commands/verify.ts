// tsbpf verify OBJ [prog|--program NAME] [type|--type TYPE] [log_level|--log-level N] [explain|--explain]
//
// Verifies every program of an ELF object offline (or one), without loading anything: the
// verdict and the log tail of each, the whole log at log level 1/2, an explanation of each
// rejection with `explain`, and with -j one JSON object per program:
// {"name","section","type","verdict":"accept"|"reject"|"error","processed_insns","message"}.
// Exit status 1 when any program is not accepted.

import { readFileSync } from 'node:fs';
import { isBpfError } from '../../errors.js';
import { objectNameFromPath, parseObject, progTypeBySection } from '../../loader/index.js';
import type { ProgramSpec } from '../../loader/types.js';
import type { MapSpec } from '../../maps/types.js';
import { explain, verifyProgram } from '../../verifier/index.js';
import { progTypeName } from '../args.js';
import { CliError, type CliContext, type CliObject } from '../context.js';

interface Row {
  name: string;
  section: string;
  type: string;
  verdict: 'accept' | 'reject' | 'error';
  processed_insns: number;
  message: string;
}

const USAGE = 'Usage: tsbpf verify OBJ [prog NAME] [type TYPE] [log_level {0|1|2}] [explain]';

function tail(log: string, n: number): string {
  const lines = log.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

export const verifyObject: CliObject = {
  name: 'verify',
  summary: 'verify the programs of an object offline (kernel verdicts and log)',
  run(ctx: CliContext, args: string[]) {
    let file: string | undefined;
    let only: string | undefined;
    let typeName: string | undefined;
    let level = 0;
    let doExplain = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const next = (): string => {
        const v = args[++i];
        if (v === undefined) throw new CliError(`${a} needs an argument\n${USAGE}`);
        return v;
      };
      if (a === 'prog' || a === 'program' || a === '--program' || a === '--prog') only = next();
      else if (a === 'type' || a === '--type') typeName = next();
      else if (a === 'log_level' || a === '--log-level') {
        const v = Number(next());
        if (![0, 1, 2].includes(v)) throw new CliError(`invalid log level ${v}\n${USAGE}`);
        level = v;
      } else if (a === 'explain' || a === '--explain') doExplain = true;
      else if (a === 'help' || a === '--help') { ctx.err(USAGE + '\n'); return 0; }
      else if (file === undefined) file = a;
      else throw new CliError(`unexpected argument '${a}'\n${USAGE}`);
    }
    if (!file) throw new CliError(`missing object file\n${USAGE}`);
    if (ctx.debug && level === 0) level = 2;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new CliError(`can't open ${file}: ${(e as Error).message}`, 2);
    }
    let override: ReturnType<typeof progTypeBySection> | undefined;
    if (typeName) {
      override = progTypeBySection(typeName);
      if (!override.type) throw new CliError(`unknown program type '${typeName}'`, 22);
    }
    const rows: Row[] = [];
    let spec;
    try {
      spec = parseObject(bytes, { name: objectNameFromPath(file), allowUnknownSections: true });
    } catch (e) {
      if (!isBpfError(e)) throw e;
      if (ctx.json) {
        ctx.out(JSON.stringify([{ name: '', section: '', type: '', verdict: 'error', processed_insns: 0, message: e.message }]) + '\n');
        return 1;
      }
      throw new CliError(`${file}: ${e.message}`, e.errno);
    }
    const maps = new Map<string, MapSpec>(spec.maps.map((m) => [m.name, m]));
    let progs: ProgramSpec[] = spec.programs;
    if (only !== undefined) {
      progs = progs.filter((p) => p.name === only);
      if (!progs.length) throw new CliError(`program '${only}' not found in ${file}`, 2);
    }
    let bad = 0;
    for (const p0 of progs) {
      const p: ProgramSpec = override && (typeName || !p0.type) ? { ...p0, type: override.type, expectedAttachType: override.expectedAttachType } : p0;
      const type = progTypeName(p.type) ?? String(p.type);
      let row: Row;
      if (!p.type) {
        row = { name: p.name, section: p.section, type, verdict: 'error', processed_insns: 0, message: `unknown program type for section '${p.section}' (use type TYPE)` };
      } else {
        try {
          const r = verifyProgram(p, maps, { logLevel: (level || 1) as 1 | 2 });
          row = { name: p.name, section: p.section, type, verdict: r.ok ? 'accept' : 'reject', processed_insns: r.stats.processed, message: r.error?.message ?? '' };
          if (!ctx.json) {
            ctx.out(`${p.name} (${p.section}, ${type}): ${r.ok ? 'accepted' : 'rejected'}, processed ${r.stats.processed} insns\n`);
            if (level) ctx.out(r.log.replace(/^/gm, '  ').trimEnd() + '\n');
            else if (!r.ok) ctx.out(tail(r.log, 8).replace(/^/gm, '  ') + '\n');
            if (!r.ok && doExplain) ctx.out(explain(p, maps).text.replace(/^/gm, '  ') + '\n');
          }
        } catch (e) {
          if (!isBpfError(e)) throw e;
          row = { name: p.name, section: p.section, type, verdict: 'error', processed_insns: 0, message: e.message };
        }
      }
      if (row.verdict === 'error' && !ctx.json) ctx.out(`${p.name} (${p.section}): error: ${row.message}\n`);
      if (row.verdict !== 'accept') bad++;
      rows.push(row);
    }
    if (ctx.json) ctx.out(JSON.stringify(rows, null, ctx.pretty ? 2 : undefined) + '\n');
    return bad ? 1 : 0;
  },
};

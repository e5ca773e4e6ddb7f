// Test support for the verifier: programs from assembly text (with `map[NAME]` for map
// pointers), and the running kernel as the oracle (scripts/verifier-kload.py, a bpf()
// syscall harness), skipped when the kernel cannot load programs.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/assemble.js';
import { encode, type Insn } from '../isa/insn.js';
import { findForm } from '../isa/table.js';
import type { MapReference, ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import { ProgType } from '../uapi/bpf.js';

export interface AsmProgram {
  prog: ProgramSpec;
  maps: Map<string, MapSpec>;
}

const MAGIC = 0x7e570000;

/**
 * Assemble llvm-syntax text; `r1 = map[NAME] ll` loads a map pointer, `map_value[NAME]+OFF`
 * a value address, `r2 = func[+N] ll` the address of the function N instructions after the
 * next one, and `call +N` / `call -N` is a bpf-to-bpf call (pc-relative).
 */
export function asmProgram(text: string, opts: { type?: number; maps?: MapSpec[]; license?: string; expectedAttachType?: number; name?: string } = {}): AsmProgram {
  const names: Array<{ name: string; kind: 'map' | 'map_value'; offset: number }> = [];
  const funcs: number[] = [];
  const localCalls = new Set<number>();
  let lineNo = 0;
  const pre = text.split(/\r?\n/).map((line) => {
    lineNo++;
    const m = /^\s*call\s+([+-]\d+)\s*$/.exec(line);
    if (m) { localCalls.add(lineNo); return `call ${0x7e580000 + Number(m[1])}`; }
    return line.replace(/\bfunc\[([+-]?\d+)\]/, (_x, n: string) => {
      funcs.push(Number(n));
      return `0x${(0x7e590000 + funcs.length - 1).toString(16)}`;
    });
  }).join('\n');
  const src = pre.replace(/\b(map|map_value)\[(\w+)\](?:\+(\d+))?/g, (_m, kind: string, name: string, off?: string) => {
    names.push({ name, kind: kind as 'map' | 'map_value', offset: Number(off ?? 0) });
    return `0x${(MAGIC + names.length - 1).toString(16)}`;
  });
  const { insns } = assemble(src);
  const mapRefs: MapReference[] = [];
  for (const i of insns) {
    if (i.form?.kind === 'call' && i.imm >= 0x7e580000 - 0x8000 && i.imm < 0x7e580000 + 0x8000) {
      i.imm -= 0x7e580000;
      i.src = 1;
      i.form = findForm(i.opcode, i.src, i.off, i.imm);
      continue;
    }
    if (i.form?.kind === 'lddw' && i.imm >= 0x7e590000 && i.imm < 0x7e590000 + funcs.length && !i.imm2) {
      i.imm = funcs[i.imm - 0x7e590000]!;
      i.src = 4;
      i.form = findForm(i.opcode, i.src, i.off, i.imm);
      continue;
    }
    if (i.form?.kind === 'lddw' && i.imm >= MAGIC && i.imm < MAGIC + names.length && !i.imm2) {
      const n = names[i.imm - MAGIC]!;
      i.imm = 0;
      i.src = n.kind === 'map' ? 1 : 2;
      i.form = findForm(i.opcode, i.src, i.off, i.imm);
      mapRefs.push(n.kind === 'map' ? { insn: i.pc, kind: 'map', map: n.name } : { insn: i.pc, kind: 'map_value', map: n.name, offset: n.offset });
    }
  }
  const maps = new Map<string, MapSpec>();
  for (const m of opts.maps ?? []) maps.set(m.name, m);
  const prog: ProgramSpec = {
    name: opts.name ?? 'prog', section: 'xdp', type: (opts.type ?? ProgType.XDP) as ProgramSpec['type'],
    expectedAttachType: (opts.expectedAttachType ?? 0) as ProgramSpec['expectedAttachType'], attachTo: '', flags: 0,
    license: opts.license ?? 'GPL', kernelVersion: 0, insns, mapRefs, lineInfo: [], funcInfo: [], btfFuncId: 0,
  };
  return { prog, maps };
}

export function mapSpec(name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0): MapSpec {
  return { name, type: type as MapSpec['type'], keySize, valueSize, maxEntries, flags };
}

const HERE = dirname(fileURLToPath(import.meta.url));
function harnessPath(): string | undefined {
  for (const p of [join(HERE, '../../scripts/verifier-kload.py'), join(HERE, '../../../scripts/verifier-kload.py')]) if (existsSync(p)) return p;
  return undefined;
}

let kernelOk: boolean | undefined;
/** Can the kernel be asked (root, bpf() allowed, python3 present)? */
export function kernelAvailable(): boolean {
  if (kernelOk !== undefined) return kernelOk;
  if (process.env.TSBPF_NO_KERNEL || process.platform !== 'linux' || process.getuid?.() !== 0 || !harnessPath()) return (kernelOk = false);
  const r = spawnSync('python3', ['-c', 'import ctypes'], { encoding: 'utf8' });
  if (r.status !== 0) return (kernelOk = false);
  const probe = kernelLoad(asmProgram('r0 = 0\nexit').prog, new Map(), 0);
  return (kernelOk = !!probe?.ok);
}

export interface KernelVerdict {
  ok: boolean;
  errno: number;
  log: string;
}

/** Load the program into the running kernel (maps created for the occasion) and return its verdict and log. */
export function kernelLoad(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, logLevel: number): KernelVerdict | undefined {
  const path = harnessPath();
  if (!path) return undefined;
  const list = [...maps.values()];
  const index = new Map(list.map((m, i) => [m.name, i]));
  const req = {
    insns: Buffer.from(encode(prog.insns as Insn[])).toString('hex'),
    progType: prog.type, expectedAttachType: prog.expectedAttachType, logLevel, license: prog.license,
    maps: list.map((m) => {
      const v = m.contents?.[0]?.value;
      return {
        type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, name: m.name,
        ...(v instanceof Uint8Array ? { value: Buffer.from(v).toString('hex') } : {}), ...(m.freeze ? { freeze: true } : {}),
      };
    }),
    progFlags: prog.flags,
    mapRefs: prog.mapRefs.map((r) => ({ insn: r.insn, map: index.get(r.map) ?? 0, kind: r.kind, offset: r.kind === 'map_value' ? r.offset : 0 })),
  };
  const r = spawnSync('python3', [path], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as KernelVerdict;
  } catch {
    return undefined;
  }
}

/** The kernel's error text: the log lines after the last instruction line, before `processed`. */
export function kernelErrorText(log: string): string {
  const lines = log.split('\n').filter((l) => l.length);
  const out: string[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.startsWith('processed ') || l.startsWith('verification time') || l.startsWith('stack depth')) continue;
    if (/^\d+: \(/.test(l) || /^\d+:( |$)/.test(l) || l.startsWith('; ')) break;
    out.unshift(l);
  }
  return out.join('\n');
}

export { ProgType };

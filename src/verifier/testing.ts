// Test support for the verifier: programs from assembly text (with `map[NAME]` for map
// pointers), and the running kernel as the oracle (scripts/verifier-kload.py, a bpf()
// syscall harness), skipped when the kernel cannot load programs.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../asm/assemble.js';
import { BtfKind, parseBtf, type Btf } from '../btf/index.js';
import { encode, type Insn } from '../isa/insn.js';
import { findForm } from '../isa/table.js';
import type { MapReference, ObjectSpec, ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import { ProgType } from '../uapi/bpf.js';

export interface AsmProgram {
  prog: ProgramSpec;
  maps: Map<string, MapSpec>;
}

const MAGIC = 0x7e570000;

/**
 * Assemble llvm-syntax text; `r1 = map[NAME] ll` loads a map pointer, `map_value[NAME]+OFF`
 * a value address, `r2 = func[+N] ll` the address of the function at slot (this lddw's
 * slot) + N + 1, as the kernel resolves BPF_PSEUDO_FUNC, and `call +N` / `call -N` is a bpf-to-bpf call (pc-relative).
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

/**
 * An XDP prelude for pruning tests: ctx in r6, data/data_end in r2/r3, scalars in r4/r8, and
 * enough jumps and instructions that the first path leaves a checkpoint at a join after it.
 */
export const XDP_JOIN_PRELUDE = `r6 = r1
r2 = *(u32 *)(r6 + 0)
r3 = *(u32 *)(r6 + 4)
r4 = *(u32 *)(r6 + 12)
r8 = *(u32 *)(r6 + 16)
if r8 > 5 goto +0
r9 = 1
if r8 > 6 goto +0
r0 = 0
`;

/** A GPL XDP program of assembled text, no maps (the fuzz tests' programs). */
export function xdpSpec(text: string, name = 'fuzz'): ProgramSpec {
  const { insns } = assemble(text);
  return {
    name, section: 'xdp', type: ProgType.XDP, expectedAttachType: 0, attachTo: '', flags: 0, license: 'GPL',
    kernelVersion: 0, insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
  };
}

export function mapSpec(name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0): MapSpec {
  return { name, type: type as MapSpec['type'], keySize, valueSize, maxEntries, flags };
}

const HERE = dirname(fileURLToPath(import.meta.url));
function harnessPath(): string | undefined {
  for (const p of [join(HERE, '../../scripts/verifier-kload.py'), join(HERE, '../../../scripts/verifier-kload.py')]) if (existsSync(p)) return p;
  return undefined;
}

/** python3 (the system one when present: a version manager's shim costs seconds per call). */
function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

let kernelOk: boolean | undefined;
/** Can the kernel be asked (root, bpf() allowed, python3 present)? */
export function kernelAvailable(): boolean {
  if (kernelOk !== undefined) return kernelOk;
  if (process.env.TSBPF_NO_KERNEL || process.platform !== 'linux' || process.getuid?.() !== 0 || !harnessPath()) return (kernelOk = false);
  const r = spawnSync(python(), ['-c', 'import ctypes'], { encoding: 'utf8' });
  if (r.status !== 0) return (kernelOk = false);
  const probe = kernelLoad(asmProgram('r0 = 0\nexit').prog, new Map(), 0);
  return (kernelOk = !!probe?.ok);
}

export interface KernelVerdict {
  ok: boolean;
  errno: number;
  log: string;
}

/** What else BPF_PROG_LOAD is given, as libbpf would give it. */
export interface KernelLoadOptions {
  /** The object's BTF (loaded first; the program gets its func info, maps their key/value ids). */
  btf?: Btf;
  /** attach_btf_id (vmlinux) for fentry/fexit/fmod_ret/tp_btf/lsm; found from `prog.attachTo` when absent. */
  attachBtfId?: number;
}

function mapReq(m: MapSpec, btf: Btf | undefined): Record<string, unknown> {
  const v = m.contents?.[0]?.value;
  return {
    type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, name: m.name,
    ...(m.numaNode ? { numaNode: m.numaNode } : {}), ...(m.mapExtra ? { mapExtra: m.mapExtra.toString() } : {}),
    ...(btf && m.btf === btf ? { btfKeyTypeId: m.btfKeyTypeId ?? 0, btfValueTypeId: m.btfValueTypeId ?? 0 } : {}),
    ...(v instanceof Uint8Array ? { value: Buffer.from(v).toString('hex') } : {}), ...(m.freeze ? { freeze: true } : {}),
    ...(m.innerMap ? { inner: mapReq(m.innerMap, btf) } : {}),
  };
}

/**
 * The BTF bytes libbpf would hand the kernel: the raw section with the DATASEC sizes, variable
 * offsets and VAR linkages of `btf` (the loader's fixed-up copy, see fixupBtf) written in.
 * Undefined for big-endian or malformed BTF.
 */
export function kernelBtfBytes(btf: Btf): Uint8Array | undefined {
  const raw = btf.raw;
  if (btf.endian !== 'little' || raw.length < 24) return undefined;
  const out = new Uint8Array(raw);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const hdrLen = dv.getUint32(4, true);
  let off = hdrLen + dv.getUint32(8, true);
  const end = off + dv.getUint32(12, true);
  if (end > out.length) return undefined;
  for (let id = 1; off + 12 <= end; id++) {
    const info = dv.getUint32(off + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t = btf.types[id];
    let extra: number;
    switch (kind) {
      case BtfKind.INT: case BtfKind.VAR: case BtfKind.DECL_TAG: extra = 4; break;
      case BtfKind.ARRAY: extra = 12; break;
      case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.DATASEC: case BtfKind.ENUM64: extra = 12 * vlen; break;
      case BtfKind.ENUM: case BtfKind.FUNC_PROTO: extra = 8 * vlen; break;
      default: extra = 0;
    }
    if (t?.kind === BtfKind.VAR && kind === BtfKind.VAR) dv.setUint32(off + 12, t.linkage, true);
    if (t?.kind === BtfKind.DATASEC && kind === BtfKind.DATASEC && t.vars.length === vlen) {
      dv.setUint32(off + 8, t.size, true);
      t.vars.forEach((v, i) => {
        dv.setUint32(off + 12 + 12 * i, v.type, true);
        dv.setUint32(off + 16 + 12 * i, v.offset, true);
        dv.setUint32(off + 20 + 12 * i, v.size, true);
      });
    }
    off += 12 + extra;
  }
  return out;
}

let vmlinux: Btf | null | undefined;
/** The id of the FUNC `name` in the running kernel's BTF (/sys/kernel/btf/vmlinux), 0 if none. */
export function vmlinuxFuncId(name: string): number {
  if (vmlinux === undefined) {
    try {
      vmlinux = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
    } catch {
      vmlinux = null;
    }
  }
  if (!vmlinux || !name) return 0;
  const id = vmlinux.findByName(name, BtfKind.FUNC);
  return id > 0 ? id : 0;
}

/** Load the program into the running kernel (maps created for the occasion) and return its verdict and log. */
export function kernelLoad(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, logLevel: number, opts: KernelLoadOptions = {}): (KernelVerdict & { stage?: string }) | undefined {
  const path = harnessPath();
  if (!path) return undefined;
  const list = [...maps.values()];
  const index = new Map(list.map((m, i) => [m.name, i]));
  const btfBytes = opts.btf ? kernelBtfBytes(opts.btf) : undefined;
  let attachBtfId = opts.attachBtfId ?? 0;
  if (!attachBtfId && (prog.type === ProgType.TRACING || prog.type === ProgType.LSM) && prog.attachTo) {
    attachBtfId = vmlinuxFuncId(prog.type === ProgType.LSM ? `bpf_lsm_${prog.attachTo}` : prog.attachTo);
  }
  const req = {
    insns: Buffer.from(encode(prog.insns as Insn[])).toString('hex'),
    progType: prog.type, expectedAttachType: prog.expectedAttachType, logLevel, license: prog.license,
    maps: list.map((m) => mapReq(m, opts.btf)),
    progFlags: prog.flags,
    mapRefs: prog.mapRefs.map((r) => ({ insn: r.insn, map: index.get(r.map) ?? 0, kind: r.kind, offset: r.kind === 'map_value' ? r.offset : 0 })),
    ...(btfBytes ? { btf: Buffer.from(btfBytes).toString('hex'), funcInfo: prog.funcInfo.map((f) => [f.insnOff, f.typeId]) } : {}),
    ...(attachBtfId ? { attachBtfId } : {}),
  };
  const r = spawnSync(python(), [path], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as KernelVerdict & { stage?: string };
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

// ---- real-world corpora (scripts/verifier-corpus.mjs, test/verifier-corpus/ebpf-samples.test.ts) ----

/** How corpus objects are parsed: what libbpf-era loaders other than libbpf accept too. */
export const CORPUS_PARSE_OPTIONS = { allowUnknownSections: true, fullMapNames: true, allowUnknownPinning: true } as const;

const SECTION_TYPES: Array<[RegExp, number]> = [
  [/^xdp/, ProgType.XDP], [/^(tc|classifier|action)([/_-]|$)/, ProgType.SCHED_CLS], [/^socket/, ProgType.SOCKET_FILTER],
  [/^cgroup\/sock/, ProgType.CGROUP_SOCK],
];
/** iproute2 / Cilium sections of tc objects: `from-netdev`, `to-container`, tail calls `2/7`, `1/0x1010`. */
const TC_OBJECT_SECTION = /^(from-|to-|tc|classifier|action|\d+\/(0x)?[0-9a-f]+$)/;

/**
 * The program type `tsbpf verify --type` would be told for a program whose section names none
 * (iproute2 and Cilium objects predate libbpf's names). The rule, in order:
 *  1. the section's prefix: `xdp*` XDP, `tc*`/`classifier*`/`action*` SCHED_CLS, `socket*`
 *     SOCKET_FILTER, `cgroup/sock*` CGROUP_SOCK;
 *  2. the object: XDP if the object's file name contains `xdp` or another program in it is XDP
 *     (Cilium's bpf_xdp objects have `from-netdev` and tail calls `2/N`); otherwise SCHED_CLS
 *     when the object has tc-style sections (`from-*`, `to-*`, `tc*`, `N/M` tail calls);
 *  3. nothing: the program is skipped (PREVAIL's own `test`/`test_md` sections have no kernel type).
 */
export function guessProgType(prog: ProgramSpec, spec: ObjectSpec, file: string): number {
  if (prog.type) return prog.type;
  const bySection = SECTION_TYPES.find(([re]) => re.test(prog.section));
  if (bySection) return bySection[1];
  const base = file.split('/').pop() ?? file;
  if (/xdp/i.test(base) || spec.programs.some((p) => p.type === ProgType.XDP || /^xdp/.test(p.section))) return ProgType.XDP;
  if (spec.programs.some((p) => TC_OBJECT_SECTION.test(p.section))) return ProgType.SCHED_CLS;
  return 0;
}

/** Every `.o` under `root`, as sorted paths relative to it. */
export function corpusObjects(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const f of readdirSync(join(root, rel))) {
      const p = rel ? `${rel}/${f}` : f;
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (f.endsWith('.o')) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/**
 * iproute2-style (legacy `maps` section) map-in-map outer maps name their inner template by an
 * id the loader does not keep; Cilium names the template `<outer>_inner`. Such outer maps get
 * that map as their `innerMap` (what iproute2 would pass as inner_map_fd). Returns how many.
 */
export function linkLegacyInnerMaps(spec: ObjectSpec): number {
  let n = 0;
  for (const m of spec.maps) {
    if ((m.type !== 12 && m.type !== 13) || m.innerMap) continue;
    const inner = spec.maps.find((x) => x.name === `${m.name}_inner` || x.name === `${m.name}.inner`);
    if (inner) { m.innerMap = { ...inner }; n++; }
  }
  return n;
}

// Loading one program (BPF_PROG_LOAD): resolve map references in lddw, check helper calls
// against the program type and the license, compute the kernel's tag, run the verifier hook
// when there is one, apply the context rewrites, and prepare the instructions for the
// interpreter. The result is a LoadedProgram registered in its runtime.

import { type Insn, isLddw } from '../isa/insn.js';
import { assertValidProgram } from '../isa/validate.js';
import type { ProgramSpec } from '../loader/types.js';
import type { BpfMap, MapSpec } from '../maps/types.js';
import { helperTable } from '../helpers/index.js';
import { helperName, helperProto } from '../helpers/protos.js';
import type { RunnableProgram } from '../helpers/env.js';
import { progTypeInfo } from '../progs/index.js';
import type { ProgTypeInfo } from '../progs/types.js';
import { ADDR_HI } from '../vm/memory.js';
import { prepareProgram, type Program } from '../vm/program.js';
import { rewriteCtx } from './ctx-rewrite.js';
import { ProgLoadError } from './errors.js';
import type { Runtime } from './runtime.js';
import { progTag } from './tag.js';
import { releaseRunCache, testRun } from './testrun.js';
import type { LoadedProgram, TestRunOptions, TestRunResult } from './types.js';

/** A verifier plugged into loading: accepts or refuses, with a log (kernel format). */
export type VerifyHook = (prog: VerifyInput, maps: readonly BpfMap[]) => { ok: boolean; log: string; errno?: number };

export interface VerifyInput {
  readonly name: string;
  readonly type: number;
  readonly expectedAttachType: number;
  /** Instructions with map references resolved as the kernel sees them (src = PSEUDO_MAP_FD / _VALUE, imm = map id). */
  readonly insns: readonly Insn[];
  readonly info: ProgTypeInfo;
  readonly logLevel: number;
  /** The program as parsed (map references by name in mapRefs) and the maps' specs by name. */
  readonly spec: ProgramSpec;
  readonly mapSpecs: ReadonlyMap<string, MapSpec>;
  /** Every map load by instruction, as resolved (names, raw map ids, fd_array slots). */
  readonly mapLoads: ReadonlyMap<number, { readonly map: BpfMap; readonly value: boolean; readonly offset: number }>;
}

export interface ProgramLoadOptions {
  /** Maps by name, for the spec's mapRefs. */
  maps?: Record<string, BpfMap>;
  /** Maps for BPF_PSEUDO_MAP_IDX / _IDX_VALUE (the fd_array). */
  fdArray?: readonly BpfMap[];
  verify?: VerifyHook;
  logLevel?: number;
  /** Run without verification (checked mode) even when a verifier is given. */
  unverified?: boolean;
}

const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export function licenseIsGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE.has(license);
}

export class LoadedProgramImpl implements LoadedProgram, RunnableProgram {
  readonly id: number;
  readonly name: string;
  readonly tag: string;
  readonly mapIds: readonly number[];
  readonly maps: readonly BpfMap[];
  /** True when no verifier proved the program: every access is checked at run time. */
  readonly checked: boolean;
  /** End of the furthest context access (the kernel's max_ctx_offset; raw_tracepoint test runs need that much ctx). */
  maxCtxOffset = 0;
  readonly loadedAt = Date.now();
  private closed = false;

  constructor(
    readonly runtime: Runtime,
    readonly spec: ProgramSpec,
    readonly info: ProgTypeInfo,
    readonly xlated: readonly Insn[],
    readonly program: Program,
    tag: string,
    maps: readonly BpfMap[],
    readonly log: string,
    checked: boolean,
  ) {
    this.id = runtime.allocProgId();
    this.name = spec.name.slice(0, 15);
    this.tag = tag;
    this.maps = maps;
    this.mapIds = maps.map((m) => m.id);
    this.checked = checked;
    runtime.registerProgram(this);
  }

  /** Program type and expected attach type (what prog arrays check for compatibility). */
  get type(): number { return this.spec.type; }
  get expectedAttachType(): number { return this.spec.expectedAttachType; }

  run(opts: TestRunOptions = {}): TestRunResult {
    if (this.closed) throw new ProgLoadError(this.name, 'program was unloaded', 9);
    return testRun(this, opts);
  }

  /** Unload (the runtime forgets the program; tail calls to it fail). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.runtime.unregisterProgram(this);
    releaseRunCache(this);
  }
}

/** Find the slot index → list index map of `insns`. */
function byPc(insns: readonly Insn[]): Map<number, number> {
  const m = new Map<number, number>();
  insns.forEach((i, n) => m.set(i.pc, n));
  return m;
}

export function loadProgram(runtime: Runtime, spec: ProgramSpec, opts: ProgramLoadOptions = {}): LoadedProgramImpl {
  const name = spec.name.slice(0, 15) || 'prog';
  const info = progTypeInfo(spec.type);
  if (!info) throw new ProgLoadError(name, `program type ${spec.type} is not supported by tsbpf`, 22);
  if (info.attachTypes && !info.attachTypes.includes(spec.expectedAttachType ?? 0)) {
    // bpf_prog_load_check_attach: EINVAL before the verifier runs
    throw new ProgLoadError(name, `expected attach type ${spec.expectedAttachType ?? 0} is not valid for ${info.name} programs`, 22);
  }
  if (spec.insns.length === 0) throw new ProgLoadError(name, 'empty program', 22);
  assertValidProgram(spec.insns);
  if (runtime.cpu.helpers.length === 0) runtime.cpu.helpers = helperTable();

  // ---- map references: as the kernel sees them (src = map fd / map value, imm = id) ----
  const insns = spec.insns.map((i) => ({ ...i }));
  const index = byPc(insns);
  const used: BpfMap[] = [];
  const useMap = (m: BpfMap): void => { if (!used.includes(m)) used.push(m); };
  const refKind = new Map<number, { map: BpfMap; value: boolean; offset: number }>();
  for (const ref of spec.mapRefs) {
    const n = index.get(ref.insn);
    const insn = n === undefined ? undefined : insns[n];
    if (!insn || !isLddw(insn.opcode)) throw new ProgLoadError(name, `map reference to ${ref.map} at insn ${ref.insn} is not a lddw`, 22, ref.insn);
    const m = opts.maps?.[ref.map];
    if (!m) throw new ProgLoadError(name, `map ${ref.map} referenced at insn ${ref.insn} does not exist`, 9, ref.insn);
    const value = ref.kind === 'map_value';
    insn.src = value ? 2 : 1;
    insn.imm = m.id;
    insn.imm2 = value ? ref.offset : 0;
    refKind.set(ref.insn, { map: m, value, offset: value ? ref.offset : 0 });
  }
  for (const insn of insns) {
    if (!isLddw(insn.opcode) || refKind.has(insn.pc)) continue;
    let m: BpfMap | undefined;
    if (insn.src === 1 || insn.src === 2) m = runtime.mapById(insn.imm);
    else if (insn.src === 5 || insn.src === 6) m = opts.fdArray?.[insn.imm];
    else continue;
    if (!m) throw new ProgLoadError(name, `fd ${insn.imm} is not pointing to valid bpf_map`, 9, insn.pc);
    const value = insn.src === 2 || insn.src === 6;
    refKind.set(insn.pc, { map: m, value, offset: value ? insn.imm2 ?? 0 : 0 });
  }
  for (const insn of insns) { const r = refKind.get(insn.pc); if (r) useMap(r.map); }

  const tag = progTag(insns);

  // ---- helper calls ----
  const gpl = licenseIsGplCompatible(spec.license);
  for (const insn of insns) {
    if (insn.form?.kind !== 'call' || insn.src !== 0) continue;
    const id = insn.imm;
    const proto = helperProto(id);
    if (!proto) throw new ProgLoadError(name, `invalid func unknown#${id}`, 22, insn.pc);
    if (!info.helperAllowed(id, spec.expectedAttachType)) {
      throw new ProgLoadError(name, `program of this type cannot use helper ${helperName(id)}#${id} (program type ${info.name})`, 22, insn.pc);
    }
    if (proto.gplOnly && !gpl) throw new ProgLoadError(name, `cannot call GPL-restricted function from non-GPL compatible program`, 22, insn.pc);
  }

  // ---- verifier ----
  let log = '';
  let checked = true;
  if (opts.verify && !opts.unverified) {
    const mapSpecs = new Map<string, MapSpec>();
    for (const [n, m] of Object.entries(opts.maps ?? {})) mapSpecs.set(n, m.spec);
    const r = opts.verify({ name, type: spec.type, expectedAttachType: spec.expectedAttachType, insns, info, logLevel: opts.logLevel ?? 0, spec, mapSpecs, mapLoads: refKind }, used);
    log = r.log;
    if (!r.ok) throw new ProgLoadError(name, `verifier refused the program${log ? ':\n' + log : ''}`, r.errno ?? 13);
    checked = false;
  }

  // ---- ctx rewrite, then map pointers ----
  // xlated keeps map references as the kernel's dump shows them (src = map fd / value, imm = id)
  const xlated = rewriteCtx(name, insns, info, spec.expectedAttachType);
  const exec = xlated.map((i) => ({ ...i }));
  const key0 = runtime.mem.alloc(8, { kind: 'scratch', name: 'key 0' });
  try {
    for (const insn of exec) {
      const r = refKind.get(insn.pc);
      if (!r) continue;
      let addr = r.map.addr;
      if (r.value) {
        if (r.map.spec.keySize !== 4) throw new ProgLoadError(name, `map ${r.map.spec.name} is not an array: no direct value access`, 22, insn.pc);
        const v = r.map.lookupAddr(key0);
        if (!v) throw new ProgLoadError(name, `map ${r.map.spec.name} has no value 0 for direct value access`, 22, insn.pc);
        if (r.offset < 0 || r.offset >= r.map.spec.valueSize) {
          throw new ProgLoadError(name, `invalid access to map value pointer, value_size=${r.map.spec.valueSize} off=${r.offset}`, 13, insn.pc);
        }
        addr = v + r.offset;
      }
      insn.src = 0;
      insn.imm = addr | 0;
      insn.imm2 = ADDR_HI;
    }
  } finally {
    runtime.mem.free(key0);
  }
  let program: Program;
  try {
    program = prepareProgram(exec, { name, trusted: true });
  } catch (e) {
    throw new ProgLoadError(name, e instanceof Error ? e.message : String(e), 22);
  }
  const loaded = new LoadedProgramImpl(runtime, spec, info, xlated, program, tag, used, log, checked);
  loaded.maxCtxOffset = xlated.maxCtxOffset ?? 0;
  return loaded;
}

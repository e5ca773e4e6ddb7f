// `tsbpf prog ...`: bpftool's program commands over the pin store — load/loadall (pinning
// programs and maps), show/list, dump xlated, run (data_in/out, ctx_in/out, repeat), pin —
// plus `run ... pcap_in FILE [pcap_out FILE]` and `trace` for offline work on captures.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progTypeBySection, SECTION_DEFS } from '../../loader/index.js';
import type { BpfMap } from '../../maps/types.js';
import { isBpfError } from '../../errors.js';
import { Errno, strerror } from '../../uapi/errno.js';
import { MapType } from '../../uapi/bpf.js';
import type { Insn } from '../../isa/insn.js';
import { Pseudo } from '../../isa/opcodes.js';
import { PinStoreError, newUuid, sha256Hex, type PinnedMapRecord, type PinnedProgRecord, type SlotRef } from '../../pinstore/index.js';
import type { Collection, LoadedProgram, TestRunResult } from '../../runtime/types.js';
import { Args, isPrefix, parseUlong, selectCommand, toHex } from '../args.js';
import { CliError, UsageError, type CliContext, type CliObject } from '../context.js';
import { STRICT_WARNING, btfKeyOf, loadObject, mapRecordFor, openObject, verifierLog, withInstance, type ParsedObject } from '../loaded.js';
import { pinAlias, requirePinArgs } from './map.js';
import { Output, showObjects, withOutput } from '../output.js';
import { runPcap, summaryPlain, type PcapRunSummary } from '../pcaprun.js';
import { showProgJson, showProgPlain, xlatedJson, xlatedListing, xlatedPlain, type ProgShowInfo } from '../progfmt.js';
import { Session, holdsRefs, type ProgRef } from '../session.js';

type Handler = (s: Session, o: Output, args: Args, cmd: string) => Promise<number | void> | number | void;

/** bpffs forbids dots in names; libbpf's pin paths replace them (sanitize_pin_path). */
const pinName = (name: string): string => name.replace(/\./g, '_');

function progShowInfo(s: Session, ref: ProgRef): ProgShowInfo {
  const r = ref.record;
  const mapIds: number[] = [];
  for (const path of (r.usedMaps ?? Object.keys(r.maps)).map((n) => r.maps[n]).filter((p): p is string => p !== undefined)) {
    try {
      mapIds.push(s.mapByPath(path).id);
    } catch {
      /* a map file removed behind our back: not listed */
    }
  }
  const x: ProgShowInfo = { id: ref.id, record: r, mapIds };
  if (r.hasBtf && r.btfKey) x.btfId = s.store.btfIdOf(r.btfKey);
  if (s.ctx.bpffs) x.pinned = s.store.isHeldPath(ref.path) ? [] : [ref.path];
  return x;
}

// ---- load / loadall -------------------------------------------------------------------------

async function doLoadWith(s: Session, o: Output, args: Args, all: boolean): Promise<number | void> {
  const stage = { loading: false };
  try {
    return await loadWith(s, o, args, all, stage);
  } catch (e) {
    // bpftool 7.1 follows a failed load (once the object is open) with this warning.
    if (stage.loading && e instanceof CliError && !e.after) e.after = STRICT_WARNING;
    throw e;
  }
}

async function loadWith(s: Session, o: Output, args: Args, all: boolean, stage: { loading: boolean }): Promise<number | void> {
  args.require(2);
  const file = args.next();
  const pinfile = args.next();
  let typeOverride: { type: number; expectedAttachType: number; name: string } | undefined;
  const replaceSpecs: Array<{ idx?: number; name?: string; path: string }> = [];
  let pinmaps: string | undefined;
  while (args.count) {
    const w = args.peek()!;
    if (isPrefix(w, 'type')) {
      args.next();
      if (typeOverride) throw new CliError('program type already specified');
      args.require(1);
      const t = args.next();
      try {
        const r = progTypeBySection(t);
        typeOverride = { ...r, name: t };
      } catch {
        try {
          const r = progTypeBySection(t + '/');
          typeOverride = { ...r, name: t };
        } catch {
          // libbpf explains, bpftool adds nothing.
          s.ctx.err(`libbpf: failed to guess program type from ELF section '${t}/'\n`);
          s.ctx.err(`libbpf: supported section(type) names are: ${SECTION_DEFS.map((d) => d.sec).join(' ')}\n`);
          return 255;
        }
      }
    } else if (isPrefix(w, 'map')) {
      args.next();
      args.require(4);
      const sel = args.next();
      let idx: number | undefined;
      let name: string | undefined;
      if (isPrefix(sel, 'idx')) {
        const t = args.next();
        const v = parseUlong(t, 0);
        if (v === undefined) throw new CliError(`can't parse ${t} as IDX`);
        idx = v;
      } else if (isPrefix(sel, 'name')) {
        name = args.next();
      } else {
        throw new CliError(`expected 'idx' or 'name', got: '${sel}'?`);
      }
      const ref = s.parseMap(args);
      replaceSpecs.push({ idx, name, path: ref.path });
    } else if (isPrefix(w, 'dev') || isPrefix(w, 'offload_dev') || isPrefix(w, 'xdpmeta_dev')) {
      args.next();
      throw new CliError(`unrecognized netdevice '${args.peek() ?? ''}': No such device`);
    } else if (isPrefix(w, 'pinmaps')) {
      args.next();
      args.require(1);
      pinmaps = args.next();
    } else {
      throw new CliError(`expected no more arguments, 'type', 'map' or 'dev', got: '${w}'?`);
    }
  }

  const obj = openObject(s, file, typeOverride);
  stage.loading = true;
  // Resolve map replacements (by name, then by index in the object's map order).
  const replacePaths = new Map<string, string>();
  for (const r of replaceSpecs) {
    let mapName: string | undefined;
    if (r.name !== undefined) {
      mapName = obj.spec.maps.find((m) => m.name === r.name)?.name;
      if (!mapName) throw new CliError(`unable to find map '${r.name}'`);
    } else {
      mapName = obj.spec.maps[r.idx!]?.name;
      if (!mapName) throw new CliError(`map idx '${r.idx}' not used`);
    }
    if (replacePaths.has(mapName)) throw new CliError(`replacement for map idx ${obj.spec.maps.findIndex((m) => m.name === mapName)} specified more than once`);
    replacePaths.set(mapName, r.path);
  }

  // Pinned replacement maps stay locked while we load, so their state is consistent.
  const replace: Record<string, BpfMap> = {};
  for (const [name, path] of replacePaths) {
    const ref = s.mapByPath(path);
    replace[name] = s.materialize(ref.record, ref.path);
  }
  const coll = await loadObject(s, obj, replace);
  claimProgArrays(s, obj, coll, replacePaths);
  const progs = Object.values(coll.programs);
  const first = obj.spec.programs[0];
  if (!first || !progs.length) throw new CliError("object file doesn't contain any bpf program");

  // Where each map's state goes: a replaced map keeps its pin; pinmaps DIR/NAME; else an
  // object-owned file in the state directory.
  const progUuids = new Map<string, string>();
  const chosen = all ? obj.spec.programs : [first];
  for (const p of chosen) progUuids.set(p.name, newUuid());
  const owner = [...progUuids.values()][0]!;
  const mapPaths: Record<string, string> = {};
  const newMaps: Array<{ name: string; path: string; record: PinnedMapRecord }> = [];
  if (pinmaps) {
    try {
      mkdirSync(pinmaps, { recursive: true });
    } catch (e) {
      throw new CliError(`failed to pin all maps`);
    }
  }
  for (const [name, m] of Object.entries(coll.maps)) {
    const reused = replacePaths.get(name);
    if (reused) { mapPaths[name] = reused; continue; }
    const path = pinmaps ? join(pinmaps, pinName(name)) : s.store.anonMapPath(newUuid());
    mapPaths[name] = s.store.canonical(path);
    // An unpinned prog array loses its slots when the loader exits (the kernel clears a prog
    // array when its last user reference goes): only the program's own reference remains.
    if (!pinmaps && m.spec.type === MapType.PROG_ARRAY) clearSlots(m);
    newMaps.push({ name, path, record: mapRecordFor(s, coll, name, m, pinmaps ? undefined : owner) });
  }

  const btfKey = obj.spec.btf ? btfKeyOf(obj.spec.btf.raw) : undefined;
  const progRecords: Array<{ path: string; record: PinnedProgRecord }> = [];
  if (all) {
    try {
      mkdirSync(pinfile, { recursive: true });
    } catch {
      throw new CliError('failed to pin all programs');
    }
  }
  const progRecord = (p: (typeof chosen)[number], lp: LoadedProgram, uuid: string): PinnedProgRecord => {
    const rec: PinnedProgRecord = {
      kind: 'prog', uuid, name: lp.name, symbol: p.name, section: p.section,
      type: p.type, expectedAttachType: p.expectedAttachType,
      object: { data: Buffer.from(obj.bytes).toString('base64'), sha256: sha256Hex(obj.bytes), file: obj.file },
      maps: { ...mapPaths },
      usedMaps: usedMapNames(coll, lp),
      tag: lp.tag, gpl: isGpl(p.license), loadedAt: Math.floor(Date.now() / 1000), uid: process.getuid?.() ?? 0,
      insnCount: lp.xlated.reduce((n, i) => n + (i.imm2 !== undefined ? 2 : 1), 0),
      hasBtf: Boolean(obj.spec.btf && p.btfFuncId),
    };
    if (btfKey) rec.btfKey = btfKey;
    if (typeOverride) rec.typeOverride = typeOverride.name;
    return rec;
  };
  for (const p of chosen) {
    const lp = coll.programs[p.name];
    if (!lp) continue;
    progRecords.push({ path: all ? join(pinfile, pinName(p.name)) : pinfile, record: progRecord(p, lp, progUuids.get(p.name)!) });
  }

  // Slots the object fills itself (libbpf's `.values`): refs to the programs and maps they
  // name, so later processes fill them again. A program no pin keeps lives on held by the
  // slot (as in the kernel, where the prog array holds it).
  const heldProgs: Array<{ path: string; record: PinnedProgRecord }> = [];
  const progTarget = (name: string): { path: string; record: PinnedProgRecord } | undefined => {
    const pinned = progRecords.find((pr) => pr.record.symbol === name) ?? heldProgs.find((pr) => pr.record.symbol === name);
    if (pinned) return pinned;
    const p = obj.spec.programs.find((x) => x.name === name);
    const lp = coll.programs[name];
    const uuid = newUuid();
    const path = s.store.heldPath('prog', uuid);
    if (!p || !lp || !path) return undefined;
    const h = { path, record: progRecord(p, lp, uuid) };
    heldProgs.push(h);
    return h;
  };
  for (const nm of newMaps) {
    const ms = obj.spec.maps.find((x) => x.name === nm.name);
    if (!ms || !holdsRefs(ms.type) || (!pinmaps && ms.type === MapType.PROG_ARRAY)) continue;
    const refs: SlotRef[] = [];
    for (const c of ms.contents ?? []) {
      if (c.value instanceof Uint8Array) continue;
      const key = toHex(c.key);
      if ('program' in c.value) {
        const t = progTarget(c.value.program);
        if (t) refs.push({ key, kind: 'prog', uuid: t.record.uuid, path: s.store.canonical(t.path) });
      } else {
        const name = c.value.map;
        const t = newMaps.find((x) => x.name === name);
        const r = t ? { uuid: t.record.uuid, path: s.store.canonical(t.path) } : replacePaths.has(name) ? (({ record, path }) => ({ uuid: record.uuid, path }))(s.mapByPath(replacePaths.get(name)!)) : undefined;
        if (r) refs.push({ key, kind: 'map', ...r });
      }
    }
    if (refs.length) nm.record.refs = refs;
  }

  // Maps first, then programs: a crash in between leaves unused map files, never a
  // program whose maps are missing. Undo everything on failure.
  const created: string[] = [];
  const undo = () => { for (const p of created) s.store.remove(p); };
  for (const nm of newMaps) {
    try {
      s.store.create(nm.path, nm.record);
      created.push(nm.path);
    } catch (e) {
      undo();
      if (e instanceof PinStoreError) {
        s.ctx.err(`libbpf: failed to pin map: ${strerror(e.errno ?? Errno.EIO)}\n`);
        throw new CliError('failed to pin all maps');
      }
      throw e;
    }
  }
  for (const pr of progRecords) {
    try {
      s.store.create(pr.path, pr.record);
      created.push(pr.path);
    } catch (e) {
      undo();
      if (e instanceof PinStoreError) {
        if (all) throw new CliError('failed to pin all programs');
        throw new CliError(`failed to pin program ${pr.record.section}`);
      }
      throw e;
    }
  }
  for (const h of heldProgs) {
    try {
      s.store.hold('prog', h.record);
      created.push(h.path);
    } catch (e) {
      undo();
      if (e instanceof PinStoreError) throw new CliError(`failed to pin program ${h.record.section}`);
      throw e;
    }
  }
  // Ids in load order: maps, then programs (as the kernel hands them out).
  for (const nm of newMaps) s.mapIdOf(nm.path, nm.record);
  const inLoadOrder = [...progRecords, ...heldProgs].sort((a, b) => obj.spec.programs.findIndex((p) => p.name === a.record.symbol) - obj.spec.programs.findIndex((p) => p.name === b.record.symbol));
  for (const pr of inLoadOrder) s.store.idOf('prog', pr.path, pr.record.uuid);
  if (btfKey) s.store.btfIdOf(btfKey);
  if (o.json) o.w.null();
}

/** Empty every slot of a live prog array. */
function clearSlots(m: BpfMap): void {
  for (let i = 0; i < m.spec.maxEntries; i++) {
    try {
      m.delete(u32Bytes(i));
    } catch {
      /* empty */
    }
  }
}

function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

type OwnedState = { ownerType?: number };
interface StatefulMap { exportState(): unknown; importState(state: unknown): void }

/**
 * bpf_check_tail_call at BPF_PROG_LOAD: a program using a prog array makes its type the
 * array's owner type when it has none (later updates must match it), and fails to load
 * (EINVAL) when the array already belongs to another type.
 */
function claimProgArrays(s: Session, obj: ParsedObject, coll: Collection, replacePaths: Map<string, string>): void {
  const nameOf = new Map<BpfMap, string>();
  for (const [n, m] of Object.entries(coll.maps)) nameOf.set(m, n);
  for (const lp of Object.values(coll.programs)) {
    for (const id of lp.mapIds) {
      const m = s.runtime().mapById(id);
      if (!m || m.spec.type !== MapType.PROG_ARRAY) continue;
      const sm = m as unknown as StatefulMap;
      const st = sm.exportState() as OwnedState;
      if (st.ownerType === undefined) {
        sm.importState({ ...st, ownerType: lp.spec.type });
        const path = replacePaths.get(nameOf.get(m) ?? '');
        if (path) {
          // a pinned prog array given with `map ... pinned FILE`: its owner is part of its state
          s.store.withLocked([path], () => {
            const ref = s.mapByPath(path);
            s.writeMap(ref.path, s.snapshot(m, ref.record));
          });
        }
      } else if (st.ownerType !== lp.spec.type) {
        const name = lp.spec.name;
        s.ctx.err(`libbpf: prog '${name}': BPF program load failed: ${strerror(Errno.EINVAL)}\n`);
        const log = verifierLog(s, obj, name);
        if (log !== undefined) s.ctx.err(`libbpf: prog '${name}': -- BEGIN PROG LOAD LOG --\n${log.endsWith('\n') || !log ? log : log + '\n'}-- END PROG LOAD LOG --\n`);
        s.ctx.err(`libbpf: prog '${name}': failed to load: -${Errno.EINVAL}\n`);
        s.ctx.err(`libbpf: failed to load object '${obj.file}'\n`);
        throw new CliError('failed to load object file');
      }
    }
  }
}

function isGpl(license: string): boolean {
  return ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'].includes(license);
}

/** Names of the object's maps a program refers to, in the order of its map_ids. */
function usedMapNames(coll: Collection, lp: LoadedProgram): string[] {
  const byId = new Map<number, string>();
  for (const [n, m] of Object.entries(coll.maps)) byId.set(m.id, n);
  const names = lp.mapIds.map((id) => byId.get(id)).filter((n): n is string => n !== undefined);
  // Maps referenced through the spec but not reported (defensive): add them too.
  for (const r of lp.spec.mapRefs) if (!names.includes(r.map) && coll.maps[r.map]) names.push(r.map);
  return names;
}

// ---- show / pin / dump ----------------------------------------------------------------------

const doShow: Handler = (s, o, args) => {
  showObjects<ProgRef>(o, args, { parse: (a) => s.parseProgs(a), list: () => s.listProgs() },
    (r) => showProgJson(o.w, progShowInfo(s, r)), (r) => showProgPlain(progShowInfo(s, r)));
};

const doPin: Handler = (s, o, args) => {
  requirePinArgs(args);
  const ref = s.parseProg(args);
  const file = args.next();
  pinAlias(s, 'prog', ref.path, file);
  if (o.json) o.w.null();
};

const doDump: Handler = async (s, o, args) => {
  if (args.count < 3) throw new UsageError();
  const what = args.next();
  if (!isPrefix(what, 'xlated') && !isPrefix(what, 'jited')) throw new CliError(`expected 'xlated' or 'jited', got: ${what}`);
  // tsbpf has no JIT: what bpftool built without a disassembler says.
  if (isPrefix(what, 'jited')) throw new CliError('No libbfd support');
  const ref = s.parseProg(args);
  let opcodes = false, linum = false, file: string | undefined;
  while (args.count) {
    const w = args.next();
    if (isPrefix(w, 'file')) file = args.next();
    else if (isPrefix(w, 'opcodes')) opcodes = true;
    else if (isPrefix(w, 'linum')) linum = true;
    else if (isPrefix(w, 'visual')) throw new CliError("'visual' (control flow graph) output is not supported by tsbpf");
    else throw new CliError(`expected no more arguments, 'file', 'opcodes', 'visual', 'linum', got: '${w}'?`);
  }
  await withInstance(s, ref.record, (inst) => {
    const nameOf = new Map<BpfMap, string>();
    for (const [name, v] of inst.maps) nameOf.set(v.map, name);
    const mapText = (insn: Insn): string | undefined => {
      const m = s.runtime().mapById(insn.imm >>> 0) ?? s.runtime().mapByAddr(insn.imm >>> 0);
      const name = m ? nameOf.get(m) : undefined;
      const v = name !== undefined ? inst.maps.get(name) : undefined;
      if (!v) return undefined;
      const id = s.mapByPath(v.path).id;
      if (insn.src === Pseudo.MAP_VALUE || insn.src === Pseudo.MAP_IDX_VALUE) return `map[id:${id}][0]+${insn.imm2 ?? 0}`;
      return `map[id:${id}]`;
    };
    let btf;
    try { btf = inst.coll.spec.btf ?? undefined; } catch { btf = undefined; }
    const entries = xlatedListing(inst.prog.xlated, { opcodes, linum, mapText, btf: btf ?? (undefined as never), spec: inst.prog.spec });
    if (file) {
      const buf = new Uint8Array(inst.prog.xlated.length * 16);
      let off = 0;
      for (const i of inst.prog.xlated) {
        const dv = new DataView(buf.buffer);
        buf[off] = i.opcode; buf[off + 1] = (i.src << 4) | i.dst; dv.setInt16(off + 2, i.off, true); dv.setInt32(off + 4, i.imm, true);
        off += 8;
        if (i.imm2 !== undefined) { dv.setInt32(off + 4, i.imm2, true); off += 8; }
      }
      writeFileSync(file, buf.subarray(0, off));
      if (o.json) o.w.null();
      return;
    }
    if (o.json) xlatedJson(o.w, entries);
    else o.print(xlatedPlain(entries));
  });
};

// ---- run --------------------------------------------------------------------------------------

function readRunData(path: string): Uint8Array {
  try {
    return new Uint8Array(path === '-' ? readFileSync(0) : readFileSync(path));
  } catch (e) {
    throw new CliError(`failed to open ${path}: ${strerror(Math.abs((e as NodeJS.ErrnoException).errno ?? Errno.ENOENT))}`);
  }
}

function hexPrint(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 16) {
    out += i.toString(16).padStart(7, '0') + '\t';
    let j = i;
    for (; j < i + 16 && j < data.length; j++) out += data[j]!.toString(16).padStart(2, '0') + (j % 2 ? ' ' : '');
    for (; j < i + 16; j++) out += '  ' + (j % 2 ? ' ' : '');
    out += '| ';
    for (j = i; j < i + 16 && j < data.length; j++) {
      const c = data[j]!;
      out += (c < 0x20 || c > 0x7e ? '.' : String.fromCharCode(c)) + (j === i + 7 ? ' ' : '');
    }
    out += '\n';
  }
  return out;
}

interface RunArgs {
  dataIn?: string; dataOut?: string; dataSizeOut?: number;
  ctxIn?: string; ctxOut?: string; ctxSizeOut?: number;
  repeat: number;
  pcapIn?: string; pcapOut?: string;
}

function parseRunArgs(args: Args): RunArgs {
  const r: RunArgs = { repeat: 1 };
  while (args.count) {
    const w = args.peek()!;
    for (const group of [['data_in', 'data_out', 'data_size_out'], ['ctx_in', 'ctx_out', 'ctx_size_out'], ['pcap_in', 'pcap_out']]) {
      if (group.filter((k) => isPrefix(w, k)).length > 1) {
        throw new CliError(`ambiguous prefix: '${w}' could be '${group.filter((k) => isPrefix(w, k)).join("' or '")}'`);
      }
    }
    args.next();
    const val = (): string => { args.require(1); return args.next(); };
    if (isPrefix(w, 'data_in')) r.dataIn = val();
    else if (isPrefix(w, 'data_out')) r.dataOut = val();
    else if (isPrefix(w, 'data_size_out')) {
      const t = val(); const v = parseUlong(t, 0);
      if (v === undefined) throw new CliError(`can't parse ${t} as output data size`);
      r.dataSizeOut = v;
    } else if (isPrefix(w, 'ctx_in')) r.ctxIn = val();
    else if (isPrefix(w, 'ctx_out')) r.ctxOut = val();
    else if (isPrefix(w, 'ctx_size_out')) {
      const t = val(); const v = parseUlong(t, 0);
      if (v === undefined) throw new CliError(`can't parse ${t} as output context size`);
      r.ctxSizeOut = v;
    } else if (isPrefix(w, 'repeat')) {
      const t = val(); const v = parseUlong(t, 0);
      if (v === undefined) throw new CliError(`can't parse ${t} as repeat number`);
      r.repeat = v;
    } else if (isPrefix(w, 'pcap_in')) r.pcapIn = val();
    else if (isPrefix(w, 'pcap_out')) r.pcapOut = val();
    else throw new CliError(`expected no more arguments, 'data_in', 'data_out', 'data_size_out', 'ctx_in', 'ctx_out', 'ctx_size_out', 'repeat', 'pcap_in' or 'pcap_out', got: '${w}'?`);
  }
  if (r.dataIn === '-' && r.ctxIn === '-') throw new CliError('cannot use standard input for both data_in and ctx_in');
  if (r.pcapIn && (r.dataIn || r.ctxIn)) throw new CliError('pcap_in cannot be combined with data_in or ctx_in');
  if (r.pcapOut && !r.pcapIn) throw new CliError('pcap_out needs pcap_in');
  return r;
}

function writeSummaryJson(o: Output, sum: PcapRunSummary, output: string | undefined): void {
  const w = o.w;
  const secs = Number(sum.elapsedNs) / 1e9;
  w.startObject();
  w.uintField('frames', sum.frames);
  w.uintField('bytes', sum.bytes);
  w.uintField('passed', sum.passed);
  w.uintField('passed_bytes', sum.passedBytes);
  w.name('actions').startObject();
  for (const k of [...sum.actions.keys()].sort()) w.uintField(k, sum.actions.get(k)!);
  w.endObject();
  w.uintField('errors', sum.errors);
  if (sum.firstError) w.stringField('first_error', sum.firstError);
  w.uintField('duration_ns', sum.elapsedNs);
  w.uintField('frames_per_second', secs > 0 ? Math.round(sum.frames / secs) : 0);
  if (output) w.stringField('pcap_out', output);
  w.endObject();
}

async function runCommand(s: Session, o: Output, args: Args, trace: boolean): Promise<number | void> {
  args.require(4 - (trace ? 2 : 0));
  const ref = s.parseProg(args);
  const ra = parseRunArgs(args);
  s.runnablePrograms = true; // prog array slots get the real programs: tail calls run them
  return withInstance(s, ref.record, (inst) => {
    const rt = s.runtime();
    rt.trace.splice(0, rt.trace.length);
    const emitTrace = (line: string) => {
      const l = line.endsWith('\n') ? line : line + '\n';
      if (trace && !o.json) o.print(l);
      else if (s.ctx.debug) s.ctx.err(l);
    };
    if (ra.pcapIn) {
      const sum = runPcap(inst.prog, rt, {
        input: ra.pcapIn, output: ra.pcapOut, progType: inst.prog.spec.type,
        progress: s.ctx.isTTY && !o.json && !trace, onTrace: emitTrace,
      });
      if (trace) {
        if (o.json) { o.w.startArray(); for (const t of sum.trace) o.w.string(t.replace(/\n$/, '')); o.w.endArray(); }
        return;
      }
      if (o.json) writeSummaryJson(o, sum, ra.pcapOut);
      else o.print(summaryPlain(sum, ra.pcapOut));
      return;
    }
    const data = ra.dataIn ? readRunData(ra.dataIn) : undefined;
    const ctx = ra.ctxIn ? readRunData(ra.ctxIn) : undefined;
    let r: TestRunResult;
    try {
      r = inst.prog.run({ data, ctx, repeat: ra.repeat, dataSizeOut: data ? (ra.dataSizeOut ?? 32768) : undefined });
    } catch (e) {
      if (!isBpfError(e)) throw e;
      const errno = e.errno ?? Errno.EINVAL;
      if (s.ctx.debug) s.ctx.err(`${e.message}\n`);
      throw new CliError(`failed to run program: ${strerror(errno)}`, errno);
    }
    for (const t of rt.trace) emitTrace(t);
    if (trace) {
      if (o.json) { o.w.startArray(); for (const t of rt.trace) o.w.string(t.replace(/\n$/, '')); o.w.endArray(); }
      return;
    }
    let rc = 0;
    if (o.json) o.w.startObject();
    const emit = (bytes: Uint8Array | undefined, file: string | undefined, key: string) => {
      if (!file || !bytes) return;
      if (file === '-') {
        if (o.json) o.w.name(key).decBytes(bytes);
        else o.print(hexPrint(bytes));
        return;
      }
      try {
        writeFileSync(file, bytes);
      } catch (e) {
        s.ctx.err(`Error: failed to open ${file}: ${strerror(Math.abs((e as NodeJS.ErrnoException).errno ?? Errno.EIO))}\n`);
        rc = 255;
      }
    };
    emit(data ? r.data : undefined, ra.dataOut, 'data_out');
    emit(ctx ? r.ctx ?? ctx : undefined, ra.ctxOut, 'ctx_out');
    const retval = r.retval >>> 0;
    const duration = Math.round(r.durationNs) >>> 0;
    if (o.json) {
      o.w.uintField('retval', retval);
      o.w.uintField('duration', duration);
      o.w.endObject();
    } else {
      o.print(`Return value: ${retval}, duration${ra.repeat > 1 ? ' (average)' : ''}: ${duration}ns\n`);
    }
    return rc;
  });
}

const doRun: Handler = (s, o, args) => runCommand(s, o, args, false);
const doTrace: Handler = (s, o, args) => runCommand(s, o, args, true);

const doHelp: Handler = (s, o) => {
  if (o.json) { o.w.null(); return; }
  s.ctx.err(HELP);
};

const HELP = `Usage: tsbpf prog { show | list } [PROG]
       tsbpf prog dump xlated PROG [{ file FILE | [opcodes] [linum] }]
       tsbpf prog pin   PROG FILE
       tsbpf prog { load | loadall } OBJ  PATH \\
                         [type TYPE] [map { idx IDX | name NAME } MAP]\\
                         [pinmaps MAP_DIR]
       tsbpf prog run PROG \\
                         data_in FILE \\
                         [data_out FILE [data_size_out L]] \\
                         [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] \\
                         [repeat N]
       tsbpf prog run PROG pcap_in FILE [pcap_out FILE]
       tsbpf prog trace PROG { data_in FILE | pcap_in FILE }
       tsbpf prog help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       TYPE := { socket | kprobe | kretprobe | classifier | action |
                 tracepoint | raw_tracepoint | xdp | perf_event | cgroup/skb |
                 cgroup/sock | cgroup/dev | lwt_in | lwt_out | lwt_xmit |
                 lwt_seg6local | sockops | sk_skb | sk_msg | lirc_mode2 |
                 sk_reuseport | flow_dissector | cgroup/sysctl |
                 cgroup/bind4 | cgroup/bind6 | cgroup/post_bind4 |
                 cgroup/post_bind6 | cgroup/connect4 | cgroup/connect6 |
                 cgroup/getpeername4 | cgroup/getpeername6 |
                 cgroup/getsockname4 | cgroup/getsockname6 | cgroup/sendmsg4 |
                 cgroup/sendmsg6 | cgroup/recvmsg4 | cgroup/recvmsg6 |
                 cgroup/getsockopt | cgroup/setsockopt | cgroup/sock_release |
                 struct_ops | fentry | fexit | freplace | sk_lookup }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }
       Programs and maps are pinned in ordinary files (any writable directory); ids are
       kept in $TSBPF_STATE_DIR (default ~/.local/state/tsbpf).
`;

function usage(ctx: CliContext): number {
  if (ctx.json) ctx.out('null\n');
  else ctx.err(HELP);
  return 255;
}

const COMMANDS: ReadonlyArray<[string, Handler]> = [
  ['show', doShow], ['list', doShow], ['help', doHelp], ['dump', doDump], ['pin', doPin],
  ['load', (s, o, a) => doLoadWith(s, o, a, false)], ['loadall', (s, o, a) => doLoadWith(s, o, a, true)],
  ['run', doRun], ['trace', doTrace],
];

export async function runProg(ctx: CliContext, argv: string[]): Promise<number> {
  const s = new Session(ctx);
  const word = argv[0];
  const args = new Args(argv, 1);
  if (word === undefined) return withOutput(ctx, (o) => doShow(s, o, args, 'show'));
  for (const unsupported of ['attach', 'detach', 'tracelog', 'profile']) {
    if (word === unsupported) throw new CliError(`'prog ${word}' needs a kernel: not supported by tsbpf`);
  }
  const h = selectCommand(word, COMMANDS);
  if (!h) return usage(ctx);
  try {
    return await withOutput(ctx, (o) => h(s, o, args, word));
  } catch (e) {
    if (e instanceof UsageError) return usage(ctx);
    throw e;
  }
}

export const progObject: CliObject = {
  name: 'prog',
  summary: 'load, show, dump and run programs (bpftool prog), run them over captures',
  run: runProg,
};


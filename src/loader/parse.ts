// parseObject(): a clang-built BPF ELF object → ObjectSpec, following libbpf's conventions
// (bpf_object__open): program sections and the section-name table, functions as programs
// and subprograms, bpf-to-bpf calls linked the way libbpf appends subprograms, lddw
// relocations to maps and global data, BTF-defined and legacy map definitions, global
// data as internal array maps, license and version, BTF.ext func/line info adjusted to the
// linked layout. Pure: nothing is created, nothing outside the returned spec is touched.

import { parseElf, SHT, SHF, SHN, STB, STT, STV, R_BPF, type ElfFile, type ElfSection } from '../elf/index.js';
import { Btf as BtfClass, parseBtf, parseBtfExt, BtfKind, BtfVarLinkage, type Btf, type BtfExt, type BtfComposite, type BtfMember, type BtfType, type BtfDatasec, type BtfVar } from '../btf/index.js';
import { decode, type Insn } from '../isa/insn.js';
import { findForm } from '../isa/table.js';
import type { MapSpec } from '../maps/types.js';
import {
  MapType, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, BPF_OBJ_NAME_LEN, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, type AttachType, type ProgType,
} from '../uapi/bpf.js';
import { applyCoreRelo, poisonInsn } from './core.js';
import { LoaderError } from './errors.js';
import { sectionInfo, type SectionInfo } from './sections.js';
import type { LineInfo, MapReference, ObjectSpec, ProgramSpec } from './types.js';

const OP_CALL = 0x85;
const OP_LDDW = 0x18;
const INSN_SZ = 8;
/** Page size libbpf rounds ring buffer sizes to. */
const PAGE_SIZE = 4096;
const ENOENT = 2, ESRCH = 3, E2BIG_ERR = 7, EINVAL = 22, ENOTSUP = 95;
/** The kernel's BPF_COMPLEXITY_LIMIT_INSNS: no program may be longer (after linking). */
export const MAX_PROG_SLOTS = 1_000_000;
/** Bound on the instructions of all programs together (linking copies subprograms per program). */
export const MAX_TOTAL_SLOTS = 4_000_000;
/** libbpf's LIBBPF_ERRNO__FORMAT / __RELOC (reported as EINVAL-like errnos). */
const LIBBPF_ERRNO_FORMAT = 4001, LIBBPF_ERRNO_RELOC = 4002;

/** What an explicit override gives a program (libbpf's bpf_program__set_type / _set_expected_attach_type). */
export interface SectionOverride {
  type: ProgType;
  expectedAttachType?: AttachType | 0;
  /** BPF_F_* program flags (default 0). */
  flags?: number;
  attachTo?: string;
}

export interface ParseOptions {
  /**
   * Object name (libbpf: the file's base name up to the first '.'), used to name global
   * data maps (`<name>.bss`...). Default `obj`. Use objectNameFromPath() for a path.
   */
  name?: string;
  /**
   * Program type for sections libbpf's table does not know (or to override it): keyed by
   * section name, or a function of (section, program name) returning an override or
   * undefined.
   */
  sectionOverride?: Record<string, SectionOverride> | ((section: string, program: string) => SectionOverride | undefined);
  /** Keep programs of unrecognised sections with type UNSPEC instead of failing (libbpf fails only at load). */
  allowUnknownSections?: boolean;
  /**
   * Keep BTF-defined maps whose `pinning` is neither LIBBPF_PIN_NONE (0) nor
   * LIBBPF_PIN_BY_NAME (1) (Cilium's own values, e.g. CILIUM_PIN_REPLACE = 16) with the
   * value as metadata in MapSpec.pinning, instead of failing as libbpf does
   * ("invalid pinning value"). cilium/ebpf parses such maps too and refuses only to pin them.
   */
  allowUnknownPinning?: boolean;
  /**
   * MapSpec.name of `.maps` and legacy `maps` maps is libbpf's full map name (the ELF
   * symbol, what bpf_map__name() returns) instead of the 15 characters the kernel keeps.
   * Objects whose map names only differ after 15 characters then parse (libbpf accepts
   * them: the kernel does not need unique names); whoever creates the maps truncates.
   * Without it such objects fail ("two maps are named ..."), since specs are keyed by name.
   */
  fullMapNames?: boolean;
  /**
   * Apply the object's CO-RE relocations against this target BTF (for example
   * parseBtf(readFileSync('/sys/kernel/btf/vmlinux'))). Without it, instructions keep the
   * values clang computed from the program's own type definitions.
   */
  coreTarget?: Btf;
}

/** libbpf's object name for a path: base name, cut at the first '.', at most 15 characters. */
export function objectNameFromPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const name = base.slice(0, BPF_OBJ_NAME_LEN - 1);
  const dot = name.indexOf('.');
  return dot >= 0 ? name.slice(0, dot) : name;
}

/** libbpf's internal_map_name(): `<obj prefix><section>` in at most 15 characters. */
export function internalMapName(objName: string, secName: string): string {
  let sfxLen = Math.max(7, secName.length);
  if (sfxLen >= BPF_OBJ_NAME_LEN) sfxLen = BPF_OBJ_NAME_LEN - 1;
  const pfxLen = secName.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length);
  const name = objName.slice(0, pfxLen) + secName.slice(0, sfxLen);
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

/** A function symbol in an executable section. */
interface Func {
  name: string;
  sec: ElfSection;
  /** Byte offset in the section. */
  off: number;
  size: number;
  /** First slot in the section. */
  slot: number;
  slots: number;
  global: boolean;
  hidden: boolean;
  insns: Insn[];
  /** Slot (relative to the function) → index in insns. */
  bySlot: Map<number, number>;
  relocs: Map<number, Reloc>;
}

type Reloc =
  | { kind: 'call'; target: Func; relIndex: number }
  | { kind: 'func_addr'; target: Func }
  | { kind: 'map'; map: string }
  | { kind: 'data'; map: string; offset: number };

type DataKind = 'data' | 'rodata' | 'bss';

interface Ctx {
  elf: ElfFile;
  endian: 'little' | 'big';
  btf?: Btf;
  btfExt?: BtfExt;
  objName: string;
  /** Functions by section index, sorted by offset. */
  funcs: Map<number, Func[]>;
  dataSecs: Map<number, { kind: DataKind; map: string }>;
  /** .maps: variable byte ranges → map name. */
  btfMapVars: Array<{ name: string; offset: number; size: number; spec: MapSpec; values?: { kind: 'prog' | 'map'; memberOff: number } }>;
  mapsShndx: number;
  legacyMapsShndx: number;
  legacyMaps: Map<number, string>;
  allowUnknownPinning: boolean;
  fullMapNames: boolean;
}

function sectionLabel(s: ElfSection): string {
  return s.name || `section ${s.index}`;
}

export function parseObject(bytes: Uint8Array, opts: ParseOptions = {}): ObjectSpec {
  if (!(bytes instanceof Uint8Array)) throw new LoaderError('LOADER_INPUT', 'object bytes must be a Uint8Array');
  const elf = parseElf(bytes);
  if (elf.header.machine !== 247 && elf.header.machine !== 0) {
    throw new LoaderError('LOADER_INPUT', `not a BPF object (e_machine ${elf.header.machine})`, { section: 'ELF header', offset: 18 });
  }
  if (!elf.symtab) {
    throw new LoaderError('LOADER_INPUT', "couldn't find symbol table in the object, stripped object file?", { section: 'ELF header' }, ENOENT);
  }
  const ctx: Ctx = {
    elf, endian: elf.endian, objName: opts.name ?? 'obj', funcs: new Map(), dataSecs: new Map(),
    btfMapVars: [], mapsShndx: -1, legacyMapsShndx: -1, legacyMaps: new Map(),
    allowUnknownPinning: opts.allowUnknownPinning === true,
    fullMapNames: opts.fullMapNames === true,
  };

  let license = '';
  let kernelVersion = 0;
  let btfSec: ElfSection | undefined;
  let btfExtSec: ElfSection | undefined;
  const execSecs: ElfSection[] = [];
  const dataSecs: Array<{ sec: ElfSection; kind: DataKind }> = [];
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    const name = s.name;
    if (s.type === SHT.STRTAB || s.type === SHT.LLVM_ADDRSIG || name.startsWith('.debug_') || name.startsWith('.rel.debug_')) continue;
    if (name === 'license') {
      if (s.type === SHT.NOBITS) throw new LoaderError('LOADER_INPUT', 'invalid license section (no contents)', { section: name }, LIBBPF_ERRNO_FORMAT);
      const nul = s.data.indexOf(0);
      const raw = s.data.subarray(0, Math.min(nul >= 0 ? nul : s.data.length, 127));
      license = String.fromCharCode(...raw);
    } else if (name === 'version') {
      if (s.data.length !== 4) {
        throw new LoaderError('LOADER_INPUT', `invalid kver section: ${s.data.length} bytes, expected 4`, { section: name }, LIBBPF_ERRNO_FORMAT);
      }
      kernelVersion = new DataView(s.data.buffer, s.data.byteOffset, 4).getUint32(0, ctx.endian === 'little');
    } else if (name === 'maps') {
      ctx.legacyMapsShndx = s.index;
    } else if (name === '.maps') {
      ctx.mapsShndx = s.index;
    } else if (name === '.BTF') {
      if (s.type !== SHT.PROGBITS) throw new LoaderError('LOADER_INPUT', `.BTF has section type ${s.type}, expected PROGBITS`, { section: name }, LIBBPF_ERRNO_FORMAT);
      btfSec = s;
    } else if (name === '.BTF.ext') {
      if (s.type !== SHT.PROGBITS) throw new LoaderError('LOADER_INPUT', `.BTF.ext has section type ${s.type}, expected PROGBITS`, { section: name }, LIBBPF_ERRNO_FORMAT);
      btfExtSec = s;
    } else if (s.type === SHT.PROGBITS && s.size > 0) {
      if (s.flags & SHF.EXECINSTR) execSecs.push(s);
      else if (name === '.data' || name.startsWith('.data.')) dataSecs.push({ sec: s, kind: 'data' });
      else if (name === '.rodata' || name.startsWith('.rodata.')) dataSecs.push({ sec: s, kind: 'rodata' });
      else if (name === '.struct_ops' || name === '.struct_ops.link' || name === '?.struct_ops' || name === '?.struct_ops.link') {
        throw new LoaderError('LOADER_UNSUPPORTED', 'struct_ops maps are not supported', { section: name }, ENOTSUP);
      } else if (name === '.addr_space.1') {
        throw new LoaderError('LOADER_UNSUPPORTED', 'arena globals (__arena) are not supported', { section: name }, ENOTSUP);
      }
    } else if (s.type === SHT.NOBITS && (name === '.bss' || name.startsWith('.bss.')) && s.size > 0) {
      dataSecs.push({ sec: s, kind: 'bss' });
    }
  }

  if (btfSec) {
    ctx.btf = fixupBtf(parseBtf(btfSec.data, { section: '.BTF' }), elf);
    if (btfExtSec) ctx.btfExt = parseBtfExt(btfExtSec.data, ctx.btf, '.BTF.ext');
  }

  checkExterns(ctx);

  // ---- maps --------------------------------------------------------------------------
  const maps: MapSpec[] = [];
  if (ctx.mapsShndx >= 0) maps.push(...parseBtfMaps(ctx));
  if (ctx.legacyMapsShndx >= 0) maps.push(...parseLegacyMaps(ctx));
  for (const { sec, kind } of dataSecs) {
    const spec = globalDataMap(ctx, sec, kind);
    ctx.dataSecs.set(sec.index, { kind, map: spec.name });
    maps.push(spec);
  }
  const seen = new Set<string>();
  for (const m of maps) {
    if (seen.has(m.name)) {
      throw new LoaderError('LOADER_MAP', `two maps are named '${m.name}' (map names are cut to ${BPF_OBJ_NAME_LEN - 1} characters, as the kernel keeps them; parse with fullMapNames to keep libbpf's full names)`, {}, EINVAL);
    }
    seen.add(m.name);
  }

  // ---- functions and relocations -----------------------------------------------------
  for (const s of execSecs) ctx.funcs.set(s.index, collectFuncs(ctx, s));
  if (opts.coreTarget && ctx.btf && ctx.btfExt) applyCore(ctx, execSecs, opts.coreTarget);
  for (const s of execSecs) collectRelocs(ctx, s);
  const textIdx = execSecs.find((s) => s.name === '.text')?.index ?? -1;

  // ---- entry programs ----------------------------------------------------------------
  const programs: ProgramSpec[] = [];
  let totalSlots = 0;
  for (const s of execSecs) {
    if (s.index === textIdx) continue;
    for (const f of ctx.funcs.get(s.index)!) {
      if (!f.global) continue; // static functions in program sections: callable subprograms only
      // SEC("?name"): libbpf forgets the '?' and does not autoload the program
      const optional = s.name.startsWith('?');
      const secName = optional ? s.name.slice(1) : s.name;
      const info = resolveSection(secName, f.name, opts);
      const p = linkProgram(ctx, f, info, license, kernelVersion);
      if (optional) {
        p.section = secName;
        p.autoload = false;
      }
      totalSlots += p.insns.length;
      if (totalSlots > MAX_TOTAL_SLOTS) {
        throw new LoaderError('LOADER_PROG', `the programs of the object add up to more than ${MAX_TOTAL_SLOTS} instructions after linking`, { section: s.name, offset: f.off }, E2BIG_ERR);
      }
      programs.push(p);
    }
  }

  // `values` of prog arrays must name entry programs.
  for (const m of maps) {
    for (const c of m.contents ?? []) {
      const v = c.value;
      if (!(v instanceof Uint8Array) && 'program' in v && !programs.some((p) => p.name === v.program)) {
        throw new LoaderError('LOADER_RELOC', `map '${m.name}': '${v.program}' isn't an entry-point program`, { section: '.maps' }, LIBBPF_ERRNO_RELOC);
      }
    }
  }

  const spec: ObjectSpec = { programs, maps, license, kernelVersion, endian: ctx.endian, name: ctx.objName };
  if (ctx.btf) spec.btf = ctx.btf;
  if (ctx.btfExt) spec.btfExt = ctx.btfExt;
  return spec;
}

function resolveSection(section: string, prog: string, opts: ParseOptions): SectionInfo {
  const o = opts.sectionOverride;
  const ov = typeof o === 'function' ? o(section, prog) : o && Object.hasOwn(o, section) ? o[section] : undefined;
  if (ov) {
    return { type: ov.type, expectedAttachType: ov.expectedAttachType ?? 0, flags: ov.flags ?? 0, attachTo: ov.attachTo ?? '' };
  }
  const info = sectionInfo(section);
  if (info) return info;
  if (opts.allowUnknownSections) return { type: 0 as ProgType, expectedAttachType: 0, flags: 0, attachTo: '' };
  throw new LoaderError('LOADER_SECTION', `prog '${prog}': missing BPF prog type, check ELF section name '${section}'`, { section }, EINVAL);
}

// ---- BTF fix-up (libbpf's btf_fixup_datasec) ------------------------------------------

/**
 * Clang leaves DATASEC sizes and variable offsets at zero; libbpf fills them from the ELF
 * section sizes and symbol values (and marks hidden globals static) before anything uses
 * them. Returns a new Btf with those DATASECs fixed (the input is left as it is).
 */
export function fixupBtf(btf: Btf, elf: ElfFile): Btf {
  let types: (BtfType | undefined)[] | undefined;
  const get = (id: number) => (types ?? btf.types)[id];
  const set = (t: BtfType) => {
    types ??= [...btf.types];
    types[t.id] = t;
  };
  for (let id = 1; id < btf.types.length; id++) {
    const t = btf.types[id]!;
    if (t.kind !== BtfKind.DATASEC) continue;
    if (t.name === '.kconfig' || t.name === '.ksyms') continue;
    let size = t.size;
    const fixOffsets = size === 0;
    if (fixOffsets) {
      const sec = elf.section(t.name);
      if (!sec || sec.size === 0) {
        throw new LoaderError('LOADER_BTF', `DATASEC '${t.name}' [${id}]: failed to determine its size from the ELF sections`, { section: '.BTF' }, ENOENT);
      }
      size = sec.size;
    }
    const vars = t.vars.map((vsi, i) => {
      const v = get(vsi.type);
      if (!v || v.kind !== BtfKind.VAR) {
        throw new LoaderError('LOADER_BTF', `DATASEC '${t.name}' [${id}]: member #${i} is not a VAR`, { section: '.BTF' }, EINVAL);
      }
      if (v.linkage === BtfVarLinkage.STATIC || v.linkage === BtfVarLinkage.GLOBAL_EXTERN) return vsi;
      const sym = elf.symbols.find((s) => s.type === STT.OBJECT && (s.bind === STB.GLOBAL || s.bind === STB.WEAK) && s.name === v.name);
      if (!sym) throw new LoaderError('LOADER_BTF', `DATASEC '${t.name}' [${id}]: failed to find ELF symbol for VAR '${v.name}'`, { section: '.BTF' }, ENOENT);
      if (sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL) {
        set({ ...(v as BtfVar), linkage: BtfVarLinkage.STATIC });
      }
      return fixOffsets ? { ...vsi, offset: sym.value } : vsi;
    });
    vars.sort((a, b) => a.offset - b.offset);
    if (fixOffsets || vars.some((v, i) => v !== t.vars[i])) set({ ...(t as BtfDatasec), size, vars });
  }
  if (!types) return btf;
  return new BtfClass(btf.raw, btf.header, btf.endian, btf.strings, types);
}

// ---- externs ---------------------------------------------------------------------------

function checkExterns(ctx: Ctx): void {
  for (const sym of ctx.elf.symbols) {
    if (sym.shndx !== SHN.UNDEF || sym.index === 0) continue;
    if (sym.bind !== STB.GLOBAL && sym.bind !== STB.WEAK) continue;
    if (sym.type !== STT.NOTYPE) continue;
    let where = 'extern';
    if (ctx.btf) {
      for (const t of ctx.btf.types) {
        if (t?.kind !== BtfKind.DATASEC) continue;
        for (const v of t.vars) {
          if (ctx.btf.types[v.type]?.name === sym.name) where = t.name;
        }
      }
      if (where === 'extern' && ctx.btf.findByName(sym.name, BtfKind.FUNC) > 0) where = 'kfunc';
    }
    const what = where === '.kconfig'
      ? `extern '${sym.name}' (.kconfig): Kconfig values (CONFIG_*, LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE...) are not provided`
      : where === '.ksyms'
        ? `extern '${sym.name}' (.ksyms): kernel symbols (__ksym variables) are not provided`
        : where === 'kfunc'
          ? `extern function '${sym.name}' (kfunc): kernel functions are not provided`
          : `extern '${sym.name}' is not defined in the object and cannot be resolved`;
    throw new LoaderError('LOADER_UNSUPPORTED', what, { section: '.symtab', offset: sym.index * 24 }, ENOTSUP);
  }
}

// ---- functions -------------------------------------------------------------------------

function collectFuncs(ctx: Ctx, sec: ElfSection): Func[] {
  const label = sectionLabel(sec);
  const out: Func[] = [];
  for (const sym of ctx.elf.symbols) {
    if (sym.shndx !== sec.index || sym.type !== STT.FUNC) continue;
    if (!sym.name) throw new LoaderError('LOADER_PROG', `function symbol ${sym.index} has no name`, { section: label, offset: sym.value }, LIBBPF_ERRNO_FORMAT);
    if (sym.value + sym.size > sec.size || sym.value % INSN_SZ !== 0 || sym.size % INSN_SZ !== 0) {
      throw new LoaderError('LOADER_PROG', `program '${sym.name}' at offset ${sym.value} (${sym.size} bytes) crosses the section boundary or is not instruction-aligned (section is ${sec.size} bytes)`,
        { section: label, offset: sym.value }, LIBBPF_ERRNO_FORMAT);
    }
    if (sym.size === 0) continue;
    const code = sec.data.subarray(sym.value, sym.value + sym.size);
    const insns = decode(code, ctx.endian);
    const bySlot = new Map<number, number>();
    insns.forEach((insn, i) => bySlot.set(insn.pc, i));
    out.push({
      name: sym.name, sec, off: sym.value, size: sym.size, slot: sym.value / INSN_SZ, slots: sym.size / INSN_SZ,
      global: sym.bind !== STB.LOCAL, hidden: sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL,
      insns, bySlot, relocs: new Map(),
    });
  }
  out.sort((a, b) => a.off - b.off);
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1]!, b = out[i]!;
    if (a.off + a.size > b.off) {
      throw new LoaderError('LOADER_PROG', `functions '${a.name}' and '${b.name}' overlap`, { section: label, offset: b.off }, LIBBPF_ERRNO_FORMAT);
    }
  }
  return out;
}

function funcContaining(ctx: Ctx, secIdx: number, byteOff: number): Func | undefined {
  const list = ctx.funcs.get(secIdx);
  if (!list) return undefined;
  // sorted by offset and non-overlapping (collectFuncs checks): binary search
  let lo = 0, hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = list[mid]!;
    if (byteOff < f.off) hi = mid - 1;
    else if (byteOff >= f.off + f.size) lo = mid + 1;
    else return f;
  }
  return undefined;
}

/** The function starting at `byteOff` of section `secIdx`; LoaderError naming the call site when none. */
function funcAt(ctx: Ctx, secIdx: number, byteOff: number, site: { sec: string; off: number; what: string }): Func {
  const f = funcContaining(ctx, secIdx, byteOff);
  const secName = ctx.elf.sections[secIdx]?.name ?? `section ${secIdx}`;
  if (!f) {
    throw new LoaderError('LOADER_CALL', `${site.what}: no function at offset ${byteOff} of section '${secName}'`, { section: site.sec, offset: site.off }, LIBBPF_ERRNO_RELOC);
  }
  if (f.off !== byteOff) {
    throw new LoaderError('LOADER_CALL', `${site.what}: offset ${byteOff} of section '${secName}' is inside function '${f.name}', not at its start`,
      { section: site.sec, offset: site.off }, LIBBPF_ERRNO_RELOC);
  }
  return f;
}

function collectRelocs(ctx: Ctx, sec: ElfSection): void {
  const label = sectionLabel(sec);
  for (const rs of ctx.elf.relocationSectionsFor(sec.index)) {
    if (rs.type !== SHT.REL) {
      throw new LoaderError('LOADER_RELOC', `relocation section type ${rs.type} (only SHT_REL is used for BPF code)`, { section: rs.name }, LIBBPF_ERRNO_FORMAT);
    }
    for (const rel of ctx.elf.relocations(rs)) {
      const at = { section: rs.name, offset: rel.index * 16 };
      if (rel.type === R_BPF.NONE) continue;
      const sym = ctx.elf.symbols[rel.symbol]!;
      const symName = sym.name || (sym.type === STT.SECTION ? (ctx.elf.sections[sym.shndx]?.name ?? '') : '') || `#${sym.index}`;
      if (rel.offset % INSN_SZ !== 0 || rel.offset >= sec.size) {
        throw new LoaderError('LOADER_RELOC', `relocation ${rel.index} against '${symName}' at offset ${rel.offset} is outside the instructions of '${label}'`, at, LIBBPF_ERRNO_FORMAT);
      }
      const fn = funcContaining(ctx, sec.index, rel.offset);
      if (!fn) {
        // libbpf ignores relocations outside any program (dead code).
        continue;
      }
      const slot = rel.offset / INSN_SZ - fn.slot;
      const idx = fn.bySlot.get(slot);
      if (idx === undefined) {
        throw new LoaderError('LOADER_RELOC', `relocation ${rel.index} against '${symName}' points into the middle of a lddw in '${fn.name}' (insn ${slot})`, at, LIBBPF_ERRNO_RELOC);
      }
      const insn = fn.insns[idx]!;
      const isCall = insn.opcode === OP_CALL;
      const isLd = insn.opcode === OP_LDDW;
      if (!isCall && !isLd) {
        throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': invalid relo against '${symName}' for insns[${slot}].code 0x${insn.opcode.toString(16)}`, at, LIBBPF_ERRNO_RELOC);
      }
      if (rel.type !== R_BPF.R_BPF_64_64 && rel.type !== R_BPF.R_BPF_64_32) {
        throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': unexpected relocation type ${rel.type} against '${symName}' at insn ${slot}`, at, LIBBPF_ERRNO_RELOC);
      }
      if (isCall) {
        if (insn.src !== BPF_PSEUDO_CALL) {
          throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': incorrect bpf_call opcode (src_reg ${insn.src}) at insn ${slot}`, at, LIBBPF_ERRNO_RELOC);
        }
        const tsec = ctx.elf.sections[sym.shndx];
        if (sym.shndx === SHN.UNDEF || !tsec || !ctx.funcs.has(sym.shndx)) {
          throw new LoaderError('LOADER_CALL', `prog '${fn.name}': bad call relo against '${symName}' in section '${tsec?.name ?? sym.shndx}' (not a code section)`, at, LIBBPF_ERRNO_RELOC);
        }
        if (sym.value % INSN_SZ !== 0) {
          throw new LoaderError('LOADER_CALL', `prog '${fn.name}': bad call relo against '${symName}' at offset ${sym.value}`, at, LIBBPF_ERRNO_RELOC);
        }
        const targetOff = sym.value + (insn.imm + 1) * INSN_SZ;
        const target = funcAt(ctx, sym.shndx, targetOff, { sec: label, off: rel.offset, what: `prog '${fn.name}': call at insn ${slot} to '${symName}'` });
        fn.relocs.set(slot, { kind: 'call', target, relIndex: rel.index });
        continue;
      }
      // lddw
      if (sym.shndx === SHN.UNDEF || sym.shndx >= SHN.LORESERVE) {
        throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': invalid relo against '${symName}' in special section 0x${sym.shndx.toString(16)}; forgot to initialize global var?..`, at, LIBBPF_ERRNO_RELOC);
      }
      if (ctx.funcs.has(sym.shndx)) {
        const targetOff = sym.value + insn.imm;
        if (targetOff % INSN_SZ !== 0 || insn.imm % INSN_SZ !== 0) {
          throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': bad subprog addr relo against '${symName}' at offset ${sym.value}+${insn.imm}`, at, LIBBPF_ERRNO_RELOC);
        }
        const target = funcAt(ctx, sym.shndx, targetOff, { sec: label, off: rel.offset, what: `prog '${fn.name}': function address at insn ${slot} of '${symName}'` });
        fn.relocs.set(slot, { kind: 'func_addr', target });
        continue;
      }
      if (sym.shndx === ctx.mapsShndx) {
        const v = ctx.btfMapVars.find((m) => m.offset === sym.value);
        if (!v) throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': map relo failed to find map for section '.maps', off ${sym.value}`, at, LIBBPF_ERRNO_RELOC);
        fn.relocs.set(slot, { kind: 'map', map: v.spec.name });
        continue;
      }
      if (sym.shndx === ctx.legacyMapsShndx) {
        // (static maps are referenced through the section symbol, with the offset in imm)
        const m = ctx.legacyMaps.get(sym.value + (sym.type === STT.SECTION ? insn.imm : 0));
        if (!m) throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': map relo failed to find map for section 'maps', off ${sym.value}`, at, LIBBPF_ERRNO_RELOC);
        fn.relocs.set(slot, { kind: 'map', map: m });
        continue;
      }
      const data = ctx.dataSecs.get(sym.shndx);
      if (!data) {
        const tname = ctx.elf.sections[sym.shndx]?.name ?? String(sym.shndx);
        throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': bad data relo against '${symName}' in section '${tname}'`, at, LIBBPF_ERRNO_RELOC);
      }
      const offset = insn.imm + sym.value;
      fn.relocs.set(slot, { kind: 'data', map: data.map, offset });
    }
  }
  // Calls without relocations: pc-relative within the same section (static functions).
  for (const fn of ctx.funcs.get(sec.index)!) {
    for (const insn of fn.insns) {
      if (fn.relocs.has(insn.pc)) continue;
      if (insn.opcode === OP_CALL && insn.src === BPF_PSEUDO_CALL) {
        const targetOff = fn.off + (insn.pc + insn.imm + 1) * INSN_SZ;
        const target = funcAt(ctx, sec.index, targetOff, { sec: label, off: fn.off + insn.pc * INSN_SZ, what: `prog '${fn.name}': call at insn ${insn.pc}` });
        fn.relocs.set(insn.pc, { kind: 'call', target, relIndex: -1 });
      } else if (insn.opcode === OP_LDDW && insn.src === BPF_PSEUDO_FUNC) {
        throw new LoaderError('LOADER_RELOC', `prog '${fn.name}': missing subprog addr relo for insn #${insn.pc}`, { section: label, offset: fn.off + insn.pc * INSN_SZ }, LIBBPF_ERRNO_RELOC);
      }
    }
  }
}

// ---- CO-RE -----------------------------------------------------------------------------

function applyCore(ctx: Ctx, execSecs: ElfSection[], target: Btf): void {
  for (const [secName, recs] of ctx.btfExt!.coreRelos) {
    const sec = execSecs.find((s) => s.name === secName);
    if (!sec) throw new LoaderError('LOADER_CORE', `CO-RE relocations for section '${secName}', which holds no code`, { section: '.BTF.ext' });
    for (const r of recs) {
      // relocations outside any function (eliminated code) are skipped, as libbpf does
      const fn = funcContaining(ctx, sec.index, r.insnOff);
      if (!fn) continue;
      const idx = r.insnOff % INSN_SZ === 0 ? fn.bySlot.get(r.insnOff / INSN_SZ - fn.slot) : undefined;
      if (idx === undefined) {
        throw new LoaderError('LOADER_CORE', `CO-RE relocation at offset ${r.insnOff} is not at an instruction of '${fn.name}'`, { section: secName, offset: r.insnOff });
      }
      const insn = fn.insns[idx]!;
      if (applyCoreRelo(insn, r, ctx.btf!, target, { section: secName, prog: fn.name }) === 'poison-lddw') {
        // libbpf poisons both slots of the lddw
        fn.insns.splice(idx, 1, poisonInsn(insn.pc), poisonInsn(insn.pc + 1));
        fn.bySlot.clear();
        fn.insns.forEach((x, i) => fn.bySlot.set(x.pc, i));
      }
    }
  }
}

// ---- linking ---------------------------------------------------------------------------

function withForm(i: Insn): Insn {
  i.form = findForm(i.opcode, i.src, i.off, i.imm);
  return i;
}

function linkProgram(ctx: Ctx, main: Func, info: SectionInfo, license: string, kernelVersion: number): ProgramSpec {
  const placed = new Map<Func, number>();
  const order: Func[] = [];
  const out: Insn[] = [];
  let slots = 0;
  const mapRefs: MapReference[] = [];

  // libbpf appends subprograms depth-first (bpf_object__reloc_code recurses); an explicit
  // stack gives the same layout without recursion, so that a crafted object with a very
  // long call chain cannot overflow the JS stack.
  interface Work { f: Func; base: number; start: number; k: number }
  const stack: Work[] = [];
  const append = (f: Func): number => {
    const base = slots;
    if (base + f.slots > MAX_PROG_SLOTS) {
      throw new LoaderError('LOADER_PROG', `prog '${main.name}': more than ${MAX_PROG_SLOTS} instructions after appending subprogram '${f.name}'`,
        { section: main.sec.name, offset: main.off }, E2BIG_ERR);
    }
    placed.set(f, base);
    order.push(f);
    const start = out.length;
    for (const i of f.insns) out.push({ ...i, pc: base + i.pc });
    slots += f.slots;
    stack.push({ f, base, start, k: 0 });
    return base;
  };
  append(main);
  while (stack.length) {
    const w = stack[stack.length - 1]!;
    if (w.k >= w.f.insns.length) {
      stack.pop();
      continue;
    }
    const k = w.k++;
    const { f, base } = w;
    const rpc = f.insns[k]!.pc;
    const rel = f.relocs.get(rpc);
    if (!rel) continue;
    const insn = out[w.start + k]!;
    switch (rel.kind) {
      case 'call':
      case 'func_addr': {
        let tbase = placed.get(rel.target);
        if (tbase === undefined) tbase = append(rel.target);
        insn.imm = tbase - (base + rpc) - 1;
        if (rel.kind === 'func_addr') {
          insn.src = BPF_PSEUDO_FUNC;
          insn.imm2 = 0;
        }
        withForm(insn);
        break;
      }
      case 'map':
        insn.src = BPF_PSEUDO_MAP_FD;
        insn.imm = 0;
        insn.imm2 = 0;
        withForm(insn);
        mapRefs.push({ insn: base + rpc, kind: 'map', map: rel.map });
        break;
      case 'data':
        insn.src = BPF_PSEUDO_MAP_VALUE;
        insn.imm = 0;
        insn.imm2 = rel.offset | 0;
        withForm(insn);
        mapRefs.push({ insn: base + rpc, kind: 'map_value', map: rel.map, offset: rel.offset });
        break;
    }
  }
  mapRefs.sort((a, b) => a.insn - b.insn);

  // func/line info of every placed function, in placement order (libbpf's adjust_prog_btf_ext_info).
  const lineInfo: LineInfo[] = [];
  const funcInfo: ProgramSpec['funcInfo'] = [];
  const ext = ctx.btfExt;
  if (ext) {
    for (const f of order) {
      const base = placed.get(f)!;
      const inFn = (byteOff: number) => byteOff >= f.off && byteOff < f.off + f.size;
      for (const r of ext.funcInfo.get(f.sec.name) ?? []) {
        if (!inFn(r.insnOff)) continue;
        funcInfo.push({ insnOff: r.insnOff / INSN_SZ - f.slot + base, typeId: r.typeId, name: ctx.btf?.types[r.typeId]?.name ?? '' });
      }
      for (const r of ext.lineInfo.get(f.sec.name) ?? []) {
        if (!inFn(r.insnOff)) continue;
        lineInfo.push({ insnOff: Math.floor(r.insnOff / INSN_SZ) - f.slot + base, file: r.fileName, line: r.line, col: r.col, text: r.lineText });
      }
    }
  }
  let btfFuncId = funcInfo[0]?.insnOff === 0 ? funcInfo[0].typeId : 0;
  if (!btfFuncId && ctx.btf) btfFuncId = Math.max(0, ctx.btf.findByName(main.name, BtfKind.FUNC));

  return {
    name: main.name,
    section: main.sec.name,
    type: info.type,
    expectedAttachType: info.expectedAttachType,
    attachTo: info.attachTo,
    flags: info.flags,
    license,
    kernelVersion,
    insns: out,
    mapRefs,
    lineInfo,
    funcInfo,
    btfFuncId,
  };
}

// ---- BTF-defined maps ------------------------------------------------------------------

function mapFail(name: string, reason: string, errno = EINVAL, offset?: number): never {
  throw new LoaderError('LOADER_MAP', `map '${name}': ${reason}`, offset === undefined ? { section: '.maps' } : { section: '.maps', offset }, errno);
}

interface MapDef {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  pinning: number;
  mapExtra: bigint;
  keyTypeId: number;
  valueTypeId: number;
  hasValues: boolean;
  inner?: MapDef;
}

function kindName(btf: Btf, id: number): string {
  return id === 0 ? 'void' : btf.kindName(id).toLowerCase();
}

function parseMapDef(btf: Btf, mapName: string, def: BtfComposite, isInner: boolean, anyPinning = false): MapDef {
  const d: MapDef = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0, pinning: 0, mapExtra: 0n, keyTypeId: 0, valueTypeId: 0, hasValues: false };
  const intField = (m: BtfMember): number => {
    const tid = btf.skipModsAndTypedefs(m.type);
    const t = btf.typeOrVoid(tid);
    if (!t || t.kind !== BtfKind.PTR) mapFail(mapName, `attr '${m.name}': expected PTR, got ${kindName(btf, tid)}.`);
    const arr = btf.typeOrVoid(t.type);
    if (!arr || arr.kind !== BtfKind.ARRAY) mapFail(mapName, `attr '${m.name}': expected ARRAY, got ${kindName(btf, t.type)}.`);
    return arr.nelems;
  };
  const sized = (m: BtfMember, what: 'key' | 'value'): [number, number] => {
    const t = btf.typeOrVoid(m.type);
    if (!t) mapFail(mapName, `${what} type [${m.type}] not found.`);
    if (t.kind !== BtfKind.PTR) mapFail(mapName, `${what} spec is not PTR: ${kindName(btf, m.type)}.`);
    let sz: number;
    try {
      sz = btf.resolveSize(t.type);
    } catch (e) {
      return mapFail(mapName, `can't determine ${what} size for type [${t.type}]: ${(e as Error).message}`);
    }
    return [sz, t.type];
  };
  const members = def.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    switch (m.name) {
      case 'type': d.type = intField(m); break;
      case 'max_entries': d.maxEntries = intField(m); break;
      case 'map_flags': d.flags = intField(m); break;
      case 'numa_node': d.numaNode = intField(m); break;
      case 'key_size': {
        const sz = intField(m);
        if (d.keySize && d.keySize !== sz) mapFail(mapName, `conflicting key size ${d.keySize} != ${sz}.`);
        d.keySize = sz;
        break;
      }
      case 'value_size': {
        const sz = intField(m);
        if (d.valueSize && d.valueSize !== sz) mapFail(mapName, `conflicting value size ${d.valueSize} != ${sz}.`);
        d.valueSize = sz;
        break;
      }
      case 'key': {
        const [sz, id] = sized(m, 'key');
        if (d.keySize && d.keySize !== sz) mapFail(mapName, `conflicting key size ${d.keySize} != ${sz}.`);
        d.keySize = sz;
        d.keyTypeId = id;
        break;
      }
      case 'value': {
        const [sz, id] = sized(m, 'value');
        if (d.valueSize && d.valueSize !== sz) mapFail(mapName, `conflicting value size ${d.valueSize} != ${sz}.`);
        d.valueSize = sz;
        d.valueTypeId = id;
        break;
      }
      case 'values': {
        const isMapInMap = d.type === MapType.ARRAY_OF_MAPS || d.type === MapType.HASH_OF_MAPS;
        const isProgArray = d.type === MapType.PROG_ARRAY;
        const desc = isMapInMap ? 'map-in-map inner' : 'prog-array value';
        if (isInner) mapFail(mapName, 'multi-level inner maps not supported.', ENOTSUP);
        if (i !== members.length - 1) mapFail(mapName, `'values' member should be last.`);
        if (!isMapInMap && !isProgArray) mapFail(mapName, 'should be map-in-map or prog-array.', ENOTSUP);
        if (d.valueSize && d.valueSize !== 4) mapFail(mapName, `conflicting value size ${d.valueSize} != 4.`);
        d.valueSize = 4;
        d.hasValues = true;
        const t = btf.typeOrVoid(m.type);
        if (!t) mapFail(mapName, `${desc} type [${m.type}] not found.`);
        if (t.kind !== BtfKind.ARRAY || t.nelems !== 0) mapFail(mapName, `${desc} spec is not a zero-sized array.`);
        const pid = btf.skipModsAndTypedefs(t.type);
        const p = btf.typeOrVoid(pid);
        if (!p || p.kind !== BtfKind.PTR) mapFail(mapName, `${desc} def is of unexpected kind ${kindName(btf, pid)}.`);
        const tid = btf.skipModsAndTypedefs(p.type);
        const target = btf.typeOrVoid(tid);
        if (isProgArray) {
          if (!target || target.kind !== BtfKind.FUNC_PROTO) mapFail(mapName, `prog-array value def is of unexpected kind ${kindName(btf, tid)}.`);
          break;
        }
        if (!target || target.kind !== BtfKind.STRUCT) mapFail(mapName, `map-in-map inner def is of unexpected kind ${kindName(btf, tid)}.`);
        d.inner = parseMapDef(btf, `${mapName}.inner`, target, true);
        break;
      }
      case 'pinning': {
        if (isInner) mapFail(mapName, "inner def can't be pinned.");
        const v = intField(m);
        if (v !== 0 && v !== 1 && !anyPinning) mapFail(mapName, `invalid pinning value ${v}.`);
        d.pinning = v;
        break;
      }
      case 'map_extra': {
        const tid = btf.skipModsAndTypedefs(m.type);
        const t = btf.typeOrVoid(tid);
        if (t?.kind === BtfKind.PTR) d.mapExtra = BigInt(intField(m));
        else if (t?.kind === BtfKind.ENUM && t.values.length === 1) d.mapExtra = BigInt(t.values[0]!.value >>> 0);
        else if (t?.kind === BtfKind.ENUM64 && t.values.length === 1) d.mapExtra = t.values[0]!.value;
        else mapFail(mapName, `attr 'map_extra': expected PTR, ENUM or ENUM64, got ${kindName(btf, tid)}.`);
        break;
      }
      default:
        // libbpf (non-strict since 1.0 for unknown fields? no: strict) rejects unknown fields.
        mapFail(mapName, `unknown field '${m.name}'.`, ENOTSUP);
    }
  }
  if (d.type === 0) mapFail(mapName, "map type isn't specified.");
  if (!isKnownMapType(d.type)) mapFail(mapName, `unknown map type ${d.type}.`);
  return d;
}

function isKnownMapType(t: number): boolean {
  return t > 0 && t <= MapType.RHASH;
}

function adjustRingbufSize(sz: number): number {
  if (sz === 0) return 0;
  if (sz % PAGE_SIZE === 0) {
    const n = sz / PAGE_SIZE;
    if ((n & (n - 1)) === 0) return sz;
  }
  for (let mul = 1; mul <= Math.floor(0xffffffff / PAGE_SIZE); mul *= 2) {
    if (mul * PAGE_SIZE > sz) return mul * PAGE_SIZE;
  }
  return sz;
}

/** The name the kernel keeps (libbpf truncates map names to BPF_OBJ_NAME_LEN - 1 when creating). */
export function kernelMapName(name: string): string {
  return name.slice(0, BPF_OBJ_NAME_LEN - 1);
}

/**
 * Map types whose kernel implementation refuses BTF key/value types (map_check_no_btf):
 * libbpf retries their creation without BTF, so the kernel (and bpftool's dumps) has
 * none. Checked against the kernel in kernel.test.ts (maptypes.o).
 */
export const MAP_TYPES_WITHOUT_BTF: ReadonlySet<number> = new Set([
  MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY, MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS,
  MapType.STACK_TRACE, MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP, MapType.SOCKMAP,
  MapType.SOCKHASH, MapType.QUEUE, MapType.STACK, MapType.RINGBUF, MapType.USER_RINGBUF,
]);

function specFromDef(name: string, d: MapDef, btf: Btf, full: boolean): MapSpec {
  const spec: MapSpec = {
    name: full ? name : kernelMapName(name),
    type: d.type as MapType,
    keySize: d.keySize,
    valueSize: d.valueSize,
    maxEntries: d.type === MapType.RINGBUF || d.type === MapType.USER_RINGBUF ? adjustRingbufSize(d.maxEntries) : d.maxEntries,
    flags: d.flags >>> 0,
  };
  if (d.numaNode) spec.numaNode = d.numaNode;
  if (d.mapExtra) spec.mapExtra = d.mapExtra;
  if (d.pinning) spec.pinning = d.pinning;
  if (!MAP_TYPES_WITHOUT_BTF.has(d.type) && (d.keyTypeId || d.valueTypeId)) {
    if (d.keyTypeId) spec.btfKeyTypeId = d.keyTypeId;
    if (d.valueTypeId) spec.btfValueTypeId = d.valueTypeId;
    spec.btf = btf;
  }
  if (d.inner) spec.innerMap = specFromDef(`${name}.inner`, d.inner, btf, full);
  return spec;
}

function parseBtfMaps(ctx: Ctx): MapSpec[] {
  const sec = ctx.elf.sections[ctx.mapsShndx]!;
  const btf = ctx.btf;
  if (!btf) throw new LoaderError('LOADER_BTF', 'BTF-defined maps need the .BTF section, which is missing', { section: '.maps' }, ENOENT);
  const dsId = btf.findByName('.maps', BtfKind.DATASEC);
  if (dsId < 0) throw new LoaderError('LOADER_BTF', "DATASEC '.maps' not found in BTF", { section: '.maps' }, ENOENT);
  const ds = btf.type(dsId);
  if (ds.kind !== BtfKind.DATASEC) throw new LoaderError('LOADER_BTF', "'.maps' is not a DATASEC", { section: '.maps' });
  const out: MapSpec[] = [];
  const secSize = sec.size;
  for (const [i, vi] of ds.vars.entries()) {
    const v = btf.type(vi.type);
    const name = v.name;
    if (!name) mapFail(`#${i}`, 'empty name.');
    if (vi.offset + vi.size > secSize) mapFail(name, `BTF data is corrupted (variable at ${vi.offset}+${vi.size} past the section's ${secSize} bytes).`, EINVAL, vi.offset);
    if (v.kind !== BtfKind.VAR) mapFail(name, `unexpected var kind ${kindName(btf, vi.type)}.`);
    if (v.linkage !== BtfVarLinkage.GLOBAL_ALLOCATED) {
      mapFail(name, `unsupported map linkage ${v.linkage === BtfVarLinkage.STATIC ? 'static' : v.linkage === BtfVarLinkage.GLOBAL_EXTERN ? 'extern' : 'unknown'}.`, ENOTSUP, vi.offset);
    }
    const defId = btf.skipModsAndTypedefs(v.type);
    const def = btf.typeOrVoid(defId);
    if (!def || def.kind !== BtfKind.STRUCT) mapFail(name, `unexpected def kind ${kindName(btf, defId)}.`, EINVAL, vi.offset);
    if (def.size > vi.size) mapFail(name, 'invalid def size.', EINVAL, vi.offset);
    const d = parseMapDef(btf, name, def, false, ctx.allowUnknownPinning);
    const spec = specFromDef(name, d, btf, ctx.fullMapNames);
    const entry: Ctx['btfMapVars'][number] = { name, offset: vi.offset, size: vi.size, spec };
    if (d.hasValues) {
      const last = def.members[def.members.length - 1]!;
      entry.values = { kind: d.type === MapType.PROG_ARRAY ? 'prog' : 'map', memberOff: Math.floor(last.bitOffset / 8) };
    }
    ctx.btfMapVars.push(entry);
    out.push(spec);
  }
  // `values` initialisers: relocations in .rel.maps.
  for (const rs of ctx.elf.relocationSectionsFor(ctx.mapsShndx)) {
    for (const rel of ctx.elf.relocations(rs)) {
      const at = { section: rs.name, offset: rel.index * 16 };
      const sym = ctx.elf.symbols[rel.symbol]!;
      const symName = sym.name || '<?>';
      const v = ctx.btfMapVars.find((m) => m.offset <= rel.offset && rel.offset + 8 <= m.offset + m.size);
      if (!v) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: cannot find map '${symName}' at rel->r_offset ${rel.offset}`, at, EINVAL);
      if (!v.values) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: map '${v.name}' is neither a map-in-map nor a prog array with 'values'`, at, EINVAL);
      const rel0 = rel.offset - v.offset;
      if (rel0 < v.values.memberOff) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: offset ${rel.offset} is before 'values' of map '${v.name}'`, at, EINVAL);
      const index = (rel0 - v.values.memberOff) / 8;
      if (!Number.isInteger(index)) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: misaligned slot in 'values' of map '${v.name}'`, at, EINVAL);
      const spec = v.spec;
      if (index >= spec.maxEntries) throw new LoaderError('LOADER_MAP', `map '${v.name}': 'values' slot ${index} is past max_entries ${spec.maxEntries}`, at, E2BIG_ERR);
      let value: { program: string } | { map: string };
      if (v.values.kind === 'map') {
        if (sym.shndx !== ctx.mapsShndx) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: '${symName}' isn't a BTF-defined map`, at, LIBBPF_ERRNO_RELOC);
        if (spec.type === MapType.HASH_OF_MAPS && spec.keySize !== 4) {
          throw new LoaderError('LOADER_MAP', `.maps relo #${rel.index}: hash-of-maps '${v.name}' should have key size 4.`, at, EINVAL);
        }
        if (!ctx.btfMapVars.some((m) => m.name === symName)) throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: '${symName}' isn't a valid map reference`, at, ESRCH);
        value = { map: ctx.btfMapVars.find((m) => m.name === symName)!.spec.name };
      } else {
        if (!isExecSection(ctx, sym.shndx) || sym.type !== STT.FUNC) {
          throw new LoaderError('LOADER_RELOC', `.maps relo #${rel.index}: '${symName}' isn't a valid program reference`, at, ESRCH);
        }
        value = { program: symName };
      }
      const key = new Uint8Array(spec.keySize || 4);
      new DataView(key.buffer).setUint32(0, index, ctx.endian === 'little');
      (spec.contents ??= []).push({ key, value });
    }
  }
  return out;
}


function isExecSection(ctx: Ctx, idx: number): boolean {
  const s = ctx.elf.sections[idx];
  return !!s && s.type === SHT.PROGBITS && (s.flags & SHF.EXECINSTR) !== 0;
}

// ---- legacy `maps` section (struct bpf_map_def) -----------------------------------------

function parseLegacyMaps(ctx: Ctx): MapSpec[] {
  const sec = ctx.elf.sections[ctx.legacyMapsShndx]!;
  const syms = ctx.elf.symbols.filter((s) => s.shndx === sec.index && s.type !== STT.SECTION && s.name !== '');
  if (syms.length === 0) return [];
  if (sec.type === SHT.NOBITS) throw new LoaderError('LOADER_MAP', 'legacy maps section has no contents', { section: 'maps' }, EINVAL);
  const defSize = Math.floor(sec.size / syms.length);
  if (sec.size % syms.length !== 0 || defSize % 4 !== 0 || defSize < 16) {
    throw new LoaderError('LOADER_MAP', `unable to determine map definition size: section is ${sec.size} bytes for ${syms.length} maps`, { section: 'maps' }, EINVAL);
  }
  const dv = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  const le = ctx.endian === 'little';
  const out: MapSpec[] = [];
  for (const sym of [...syms].sort((a, b) => a.value - b.value)) {
    if (sym.value + defSize > sec.size || sym.value % 4 !== 0) {
      throw new LoaderError('LOADER_MAP', `map '${sym.name}': definition at offset ${sym.value} is past the end of the section or misaligned`, { section: 'maps', offset: sym.value }, EINVAL);
    }
    const f = (i: number) => (i * 4 + 4 <= defSize ? dv.getUint32(sym.value + i * 4, le) : 0);
    const type = f(0);
    if (!isKnownMapType(type)) {
      throw new LoaderError('LOADER_MAP', `map '${sym.name}': unknown map type ${type}`, { section: 'maps', offset: sym.value }, EINVAL);
    }
    const spec: MapSpec = { name: ctx.fullMapNames ? sym.name : kernelMapName(sym.name), type: type as MapType, keySize: f(1), valueSize: f(2), maxEntries: f(3), flags: f(4) };
    if (type === MapType.RINGBUF || type === MapType.USER_RINGBUF) spec.maxEntries = adjustRingbufSize(spec.maxEntries);
    ctx.legacyMaps.set(sym.value, spec.name);
    out.push(spec);
  }
  return out;
}

// ---- global data -----------------------------------------------------------------------

// libbpf v1.1 (what bpftool on the reference machine uses) makes every .data, .rodata and
// .bss map mmap()able; libbpf >= 1.2 only those holding a non-static variable. We follow 1.1.
function globalDataMap(ctx: Ctx, sec: ElfSection, kind: DataKind): MapSpec {
  const name = internalMapName(ctx.objName, sec.name);
  const flags = (kind === 'rodata' ? BPF_F_RDONLY_PROG : 0) | BPF_F_MMAPABLE;
  const spec: MapSpec = { name, type: MapType.ARRAY, keySize: 4, valueSize: sec.size, maxEntries: 1, flags };
  const btf = ctx.btf;
  if (btf) {
    const id = btf.findByName(sec.name);
    if (id > 0) {
      spec.btfValueTypeId = id;
      spec.btf = btf;
    }
  }
  if (kind !== 'bss') {
    spec.contents = [{ key: new Uint8Array(4), value: sec.data.slice() }];
  }
  if (kind === 'rodata') spec.freeze = true;
  return spec;
}


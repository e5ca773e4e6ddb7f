// Contracts of the loader: the pure-data ObjectSpec that parseObject() returns. Nothing in
// a spec is live: no map exists, no program is verified. `loadCollection(spec, opts)` in
// src/runtime turns a spec into live maps and programs (see src/runtime/types.ts).

import type { Btf, BtfExt } from '../btf/index.js';
import type { Insn } from '../isa/insn.js';
import type { MapSpec } from '../maps/types.js';
import type { AttachType, ProgType } from '../uapi/bpf.js';

/** A source line attached to an instruction (from BTF.ext line info). */
export interface LineInfo {
  /** Index (slot number) of the first instruction of the line, relative to the program. */
  insnOff: number;
  file: string;
  line: number;
  col: number;
  /** The source text of the line, as BTF keeps it. */
  text: string;
}

/**
 * What a lddw refers to before maps exist: resolved to map addresses at load time. `insn` is
 * the slot index (pc) of the lddw in ProgramSpec.insns (as Insn.pc and LineInfo.insnOff).
 * The lddw itself already has src = BPF_PSEUDO_MAP_FD (1) or BPF_PSEUDO_MAP_VALUE (2),
 * imm = 0 and, for map_value, imm2 = offset.
 */
export type MapReference =
  /** `r1 = map ll`: BPF_PSEUDO_MAP_FD of the named map. */
  | { insn: number; kind: 'map'; map: string }
  /** `r1 = var ll` in .data/.rodata/.bss...: BPF_PSEUDO_MAP_VALUE of the named map, plus offset. */
  | { insn: number; kind: 'map_value'; map: string; offset: number };

export interface ProgramSpec {
  /** Function symbol name (what bpftool shows, truncated to 15 chars by the runtime). */
  name: string;
  /** ELF section the program came from (`xdp`, `socket1`, `tc/ingress`...). */
  section: string;
  type: ProgType;
  expectedAttachType: AttachType | 0;
  /** Text after the section prefix (`kprobe/do_sys_open` → `do_sys_open`), '' if none. */
  attachTo: string;
  /** libbpf's SEC_SLEEPABLE / xdp.frags etc. as BPF_F_* prog flags. */
  flags: number;
  license: string;
  kernelVersion: number;
  /**
   * Instructions after linking: the program's own code followed by every subprogram it
   * calls (bpf-to-bpf calls fixed up), lddw map references left with imm = 0 and recorded
   * in `mapRefs` (the runtime patches in the real map pointer).
   */
  insns: Insn[];
  mapRefs: MapReference[];
  /** Line info for `insns` (sorted by insnOff), if the object has BTF.ext. */
  lineInfo: LineInfo[];
  /** func info: [insnOff, BTF FUNC type id] per function in `insns`. */
  funcInfo: Array<{ insnOff: number; typeId: number; name: string }>;
  /** BTF id of the program's FUNC type (0 if none). */
  btfFuncId: number;
  /** false for `SEC("?...")` programs, which libbpf does not load unless asked (absent = true). */
  autoload?: boolean;
}

export interface ObjectSpec {
  /** Programs in section order, then symbol order. */
  programs: ProgramSpec[];
  /** Maps: .maps (BTF-defined), legacy `maps`, then global data maps (`<obj>.data` ...). */
  maps: MapSpec[];
  license: string;
  kernelVersion: number;
  btf?: Btf;
  btfExt?: BtfExt;
  endian: 'little' | 'big';
  /** Object name as libbpf derives it (file name without .o), used for global data map names. */
  name: string;
}

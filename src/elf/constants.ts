// ELF numbers used by BPF objects (elf.h, and the BPF relocation types of LLVM's
// ELFRelocs/BPF.def). Spelled here only.

export const EI_NIDENT = 16;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

export const ET_REL = 1;
export const EM_BPF = 247;

export const ELF64_EHDR_SIZE = 64;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;

/** Section header types. */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  SYMTAB_SHNDX: 18,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

/** Section header flags. */
export const SHF = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  MERGE: 0x10,
  STRINGS: 0x20,
} as const;

/** Special section indices. */
export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** Symbol binding (st_info >> 4). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Symbol type (st_info & 0xf). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
/** Symbol visibility (st_other & 3). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** BPF relocation types. */
export const R_BPF = {
  NONE: 0,
  /** lddw: 64-bit immediate split over the two slots (map and global-data references). */
  R_BPF_64_64: 1,
  /** 64-bit absolute (data sections, .BTF.ext, DWARF). */
  R_BPF_64_ABS64: 2,
  /** 32-bit absolute (DWARF, .BTF). */
  R_BPF_64_ABS32: 3,
  /** 32-bit, no dynamic-linker adjustment (.BTF, .BTF.ext). */
  R_BPF_64_NODYLD32: 4,
  /** call imm: pc-relative in instructions (bpf-to-bpf calls). */
  R_BPF_64_32: 10,
} as const;

export const R_BPF_NAMES: Record<number, string> = {
  0: 'R_BPF_NONE',
  1: 'R_BPF_64_64',
  2: 'R_BPF_64_ABS64',
  3: 'R_BPF_64_ABS32',
  4: 'R_BPF_64_NODYLD32',
  10: 'R_BPF_64_32',
};

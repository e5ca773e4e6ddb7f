// Typed failures of the ELF reader. Every malformed object ends in an ElfError naming the
// part of the file (a section, the header, the symbol table) and the byte offset.

import { BpfError } from '../errors.js';

export interface ElfLocation {
  /** Section name (or a description such as `ELF header`, `section header 7`). */
  section?: string;
  /** Byte offset: within the section when `section` names one, else within the file. */
  offset?: number;
}

export function formatLocation(where: ElfLocation): string {
  const parts: string[] = [];
  if (where.section !== undefined) parts.push(where.section.startsWith('ELF ') || where.section.startsWith('section header') ? where.section : `section '${where.section}'`);
  if (where.offset !== undefined) parts.push(`offset 0x${where.offset.toString(16)}`);
  return parts.join(' at ');
}

/**
 * A structurally invalid ELF object. Codes: ELF_TRUNCATED (something extends past the end
 * of the file or its section), ELF_MAGIC, ELF_CLASS, ELF_ENDIAN, ELF_MACHINE, ELF_HEADER,
 * ELF_SECTION, ELF_STRTAB, ELF_SYMBOL, ELF_RELOC.
 */
export class ElfError extends BpfError {
  readonly section?: string;
  readonly offset?: number;
  constructor(code: string, readonly reason: string, where: ElfLocation = {}, errno = 22) {
    const loc = formatLocation(where);
    super(code, `ELF: ${loc ? loc + ': ' : ''}${reason}`, errno);
    if (where.section !== undefined) this.section = where.section;
    if (where.offset !== undefined) this.offset = where.offset;
  }
}

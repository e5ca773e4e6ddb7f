// Typed failures of the object loader (everything above the ELF and BTF readers, which
// throw ElfError and BtfError): unknown section names, bad relocations, calls to no
// function, malformed map definitions, unsupported features (.kconfig, .ksyms, kfuncs).

import { BpfError } from '../errors.js';

export interface LoaderLocation {
  /** ELF section (or `.maps` variable, or program) the problem is in. */
  section?: string;
  /** Byte offset within that section. */
  offset?: number;
}

/**
 * Codes: LOADER_SECTION (unknown program section), LOADER_PROG (bad program layout),
 * LOADER_RELOC (relocation to a missing or wrong-kind symbol, bad target instruction),
 * LOADER_CALL (call to no function), LOADER_MAP (malformed or invalid map definition),
 * LOADER_UNSUPPORTED (feature not provided: .kconfig/.ksyms externs, kfuncs, struct_ops,
 * arena), LOADER_BTF (BTF needed but missing or inconsistent), LOADER_CORE (a CO-RE
 * relocation that cannot be applied against the given target BTF).
 */
export class LoaderError extends BpfError {
  readonly section?: string;
  readonly offset?: number;
  constructor(code: string, readonly reason: string, where: LoaderLocation = {}, errno = 22) {
    const loc: string[] = [];
    if (where.section !== undefined) loc.push(`section '${where.section}'`);
    if (where.offset !== undefined) loc.push(`offset 0x${where.offset.toString(16)}`);
    super(code, `loader: ${loc.length ? loc.join(' at ') + ': ' : ''}${reason}`, errno);
    if (where.section !== undefined) this.section = where.section;
    if (where.offset !== undefined) this.offset = where.offset;
  }
}

import { CliError, type CliObject } from '../context.js';

export const disasmObject: CliObject = {
  name: 'disasm',
  summary: 'disassemble bytecode or an ELF section',
  run() {
    throw new CliError('disasm: not implemented yet');
  },
};

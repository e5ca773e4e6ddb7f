import { CliError, type CliObject } from '../context.js';

export const asmObject: CliObject = {
  name: 'asm',
  summary: 'assemble text to bytecode',
  run() {
    throw new CliError('asm: not implemented yet');
  },
};

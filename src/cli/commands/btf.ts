import { CliError, type CliObject } from '../context.js';

export const btfObject: CliObject = {
  name: 'btf',
  summary: 'dump BTF (bpftool btf dump file OBJ)',
  run() {
    throw new CliError('btf: not implemented yet');
  },
};

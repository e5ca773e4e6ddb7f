import { CliError, type CliObject } from '../context.js';

export const progObject: CliObject = {
  name: 'prog',
  summary: 'load, show, dump and run programs (bpftool prog)',
  run() {
    throw new CliError('prog: not implemented yet');
  },
};

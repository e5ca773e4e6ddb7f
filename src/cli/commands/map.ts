import { CliError, type CliObject } from '../context.js';

export const mapObject: CliObject = {
  name: 'map',
  summary: 'create, show, dump and update maps (bpftool map)',
  run() {
    throw new CliError('map: not implemented yet');
  },
};

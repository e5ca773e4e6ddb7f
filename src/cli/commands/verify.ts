import { CliError, type CliObject } from '../context.js';

export const verifyObject: CliObject = {
  name: 'verify',
  summary: 'verify every program of an object offline',
  run() {
    throw new CliError('verify: not implemented yet');
  },
};

// The verifier (src/verifier) as a loading hook: `loadCollection(spec, { verify: kernelVerifier })`
// refuses what it refuses (EACCES, with its kernel-format log) and lets what it proves run
// unchecked.

import { verifyProgram } from '../verifier/index.js';
import type { VerifyHook } from './program.js';

export const kernelVerifier: VerifyHook = (p) => {
  const level = p.logLevel === 1 || p.logLevel === 2 ? p.logLevel : 0;
  const r = verifyProgram(p.spec, p.mapSpecs, { logLevel: level });
  return { ok: r.ok, log: r.ok && level === 0 ? '' : r.log, errno: 13 };
};

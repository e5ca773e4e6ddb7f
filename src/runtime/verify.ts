// The verifier (src/verifier) as a loading hook: `loadCollection(spec, { verify: kernelVerifier })`
// refuses what it refuses (EACCES, with its kernel-format log) and lets what it proves run
// unchecked.

import { verifyProgram } from '../verifier/index.js';
import type { VerifyHook } from './program.js';

export const kernelVerifier: VerifyHook = (p) => {
  const level = p.logLevel === 1 || p.logLevel === 2 ? p.logLevel : 0;
  // the type as loaded (a load-time type override is not in the parsed spec)
  const spec = { ...p.spec, type: p.type, expectedAttachType: p.expectedAttachType } as typeof p.spec;
  const r = verifyProgram(spec, p.mapSpecs, { logLevel: level });
  // EACCES for safety violations; the verifier's own errno for malformed (EINVAL) or too large (E2BIG) programs
  return { ok: r.ok, log: r.ok && level === 0 ? '' : r.log, errno: r.error?.errno ?? 13 };
};

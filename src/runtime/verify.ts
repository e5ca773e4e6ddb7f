// The verifier (src/verifier) as a loading hook: `loadCollection(spec, { verify: kernelVerifier })`
// refuses what it refuses (EACCES, with its kernel-format log) and lets what it proves run
// unchecked.

import { verifyProgram } from '../verifier/index.js';
import type { VerifyHook } from './program.js';

export const kernelVerifier: VerifyHook = (p) => {
  const level = p.logLevel === 1 || p.logLevel === 2 ? p.logLevel : 0;
  // map loads the spec gives by raw id or fd_array slot (no relocation) were resolved by the runtime: name them
  const mapSpecs = new Map(p.mapSpecs);
  const mapRefs = [...p.spec.mapRefs];
  const named = new Set(mapRefs.map((r) => r.insn));
  for (const [pc, l] of p.mapLoads) {
    if (named.has(pc)) continue;
    const name = `#${l.map.id}`;
    mapSpecs.set(name, l.map.spec);
    mapRefs.push(l.value ? { insn: pc, kind: 'map_value', map: name, offset: l.offset } : { insn: pc, kind: 'map', map: name });
  }
  // the type as loaded (a load-time type override is not in the parsed spec)
  const spec = { ...p.spec, type: p.type, expectedAttachType: p.expectedAttachType, mapRefs } as typeof p.spec;
  const r = verifyProgram(spec, mapSpecs, { logLevel: level });
  // EACCES for safety violations; the verifier's own errno for malformed (EINVAL) or too large (E2BIG) programs
  return { ok: r.ok, log: r.ok && level === 0 ? '' : r.log, errno: r.error?.errno ?? 13 };
};

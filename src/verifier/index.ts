// tsbpf's verifier: the kernel's safety proof over a ProgramSpec, with its verdicts, its
// error messages and its log format (levels 1 and 2), plus an explain mode.
//
//   const r = verifyProgram(spec.programs[0], new Map(spec.maps.map((m) => [m.name, m])), { logLevel: 2 });
//   if (!r.ok) console.log(r.log);
//
// Plugging into loading: call verifyProgram from the runtime's LoadOptions.verify hook and
// refuse the program when `ok` is false (the kernel's EACCES/EINVAL with the log).

import type { ProgramSpec } from '../loader/types.js';
import type { MapSpec } from '../maps/types.js';
import { type VerifyOptions, type VerifyResult, verify } from './verifier.js';

export type { VerifyOptions, VerifyResult, VerifyStats } from './verifier.js';
export { explain, type Explanation } from './explain.js';
export { DIAGNOSTICS, type Diagnostic } from './diagnostics.js';

/** Verify one program against its maps (by name, as ProgramSpec.mapRefs name them). */
export function verifyProgram(prog: ProgramSpec, maps: ReadonlyMap<string, MapSpec>, opts: VerifyOptions = {}): VerifyResult {
  return verify(prog, maps, opts);
}

// A small region per runtime where helpers place keys they are given by value (redirect_map's
// key, tail_call's index) so that map operations, which take addresses, can be used.

import type { Runtime } from '../../runtime/runtime.js';

const SCRATCH = new WeakMap<Runtime, number>();

export function scratch(rt: Runtime): number {
  let a = SCRATCH.get(rt);
  if (a === undefined) {
    a = rt.mem.alloc(64, { kind: 'scratch', name: 'helper scratch' });
    SCRATCH.set(rt, a);
  }
  return a;
}

/** Address of a u32 key holding `v`. */
export function u32Key(rt: Runtime, v: number): number {
  const a = scratch(rt);
  rt.mem.dv.setUint32(a, v >>> 0, true);
  return a;
}
